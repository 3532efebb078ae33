"""to_wsgi on real servers' HTTP/2, over a real h2 connection (prior
knowledge): gunicorn >= 25 and Apache's mod_http2 with mod_wsgi in daemon
and embedded mode.

Every stream of a connection shares one socket there, so a WebSocket must
never take it over.  Push degrades to a real HTTP/2 103 where the server
has ``wsgi.early_hints`` (gunicorn), else to a ``Link`` header -- which
Apache turns back into a real push; trailers go
through ``gunicorn.http2.send_trailers``; a body without a length reaches
legacy frameworks, or is refused with 411 where the server would lose it
(mod_wsgi's daemon mode).
"""
import hashlib
import json
import os

import pytest

from facts import H2_HOSTS
from h2client import H2Client
from live import LiveServer

PROBE = "probe_app:application"


def h2_server(name, app=PROBE):
    if name.startswith("gunicorn"):
        gunicorn = pytest.importorskip("gunicorn", reason="pip install gunicorn")
        if gunicorn.version_info < (25,):
            pytest.skip("gunicorn serves HTTP/2 from version 25 (this is %s)"
                        % gunicorn.__version__)
    return LiveServer(name, app)


@pytest.mark.parametrize("name", sorted(H2_HOSTS))
def test_features_push_and_trailers(name):
    facts = H2_HOSTS[name]
    with h2_server(name) as server:
        h2 = H2Client(server.connect(), server.url)
        features = json.loads(h2.get("/features").body.decode())
        assert features == {"features": facts["features"],
                            "protocol": "HTTP/2.0"}
        page = h2.get("/page")
        h2.close()
    assert page.status == 200 and page.body == b"<h1>probe</h1>"
    link = "</app.css>; rel=preload; as=style"
    if "early_hints" in facts["features"]:
        assert page.informational == [[(":status", "103"), ("link", link)]]
        assert page.header("x-push") == "early_hint"
    else:
        assert page.informational == [] and page.header("link") == link
        assert page.header("x-push") == "link"
    expected = [("x-trailer", "1")] if "trailers" in facts["features"] else None
    assert page.trailers == expected
    pushed = [dict(headers)[":path"] for headers in h2.pushed.values()]
    assert pushed == (["/app.css"] if facts["pushes_links"] else [])
    assert "Traceback" not in server.final_output, server.final_output


@pytest.mark.parametrize("name", sorted(H2_HOSTS))
def test_a_websocket_never_takes_the_shared_connection(name):
    with h2_server(name) as server:
        h2 = H2Client(server.connect(), server.url)
        ws = h2.response(h2.request("CONNECT", "/ws", [
            ("sec-websocket-version", "13")], extra=[(":protocol", "websocket")]))
        assert ws.reset is not None or ws.status != 200
        if ws.reset is None and ws.status == 426:  # reached the app
            assert ws.body == b"fallback: no WebSocket on this host\n"
        again = h2.get("/features")  # the connection still carries streams
        h2.close()
    assert again.status == 200 and h2.terminated is None
    assert "Traceback" not in server.final_output, server.final_output


FIVE_MIB = os.urandom(5 * 1024 * 1024)


@pytest.mark.parametrize("app", [PROBE, "legacy_app:django", "legacy_app:flask"])
@pytest.mark.parametrize("name", sorted(H2_HOSTS))
def test_five_mib_body_without_a_length(name, app):
    framework = app.partition(":")[2]
    if framework != "application":
        pytest.importorskip(framework, reason="pip install %s" % framework)
    with h2_server(name, app) as server:
        h2 = H2Client(server.connect(), server.url)
        reply = h2.response(h2.request("POST", "/upload", body=FIVE_MIB))
        h2.close()
    assert "Traceback" not in server.final_output, server.final_output
    if not H2_HOSTS[name]["unsized_body"]:  # would be lost: honest 411
        assert (reply.status, reply.body) == (411, b"send a Content-Length\n")
        return
    assert reply.status == 200, reply.body
    assert json.loads(reply.body.decode()) == {
        "length": len(FIVE_MIB), "sha256": hashlib.sha256(FIVE_MIB).hexdigest()}
