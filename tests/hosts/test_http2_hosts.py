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


@pytest.fixture(scope="module", params=sorted(H2_HOSTS))
def server(request):
    """Each HTTP/2 server once, with the probe app and the frameworks."""
    name = request.param
    if name.startswith("gunicorn"):
        gunicorn = pytest.importorskip("gunicorn", reason="pip install gunicorn")
        if gunicorn.version_info < (25,):
            pytest.skip("gunicorn serves HTTP/2 from version 25 (this is %s)"
                        % gunicorn.__version__)
    for framework in ("django", "flask"):
        pytest.importorskip(framework, reason="pip install %s" % framework)
    with LiveServer(name, "legacy_app:with_probe") as live:
        yield live
    assert "Traceback" not in live.final_output, live.final_output


def test_features_push_and_trailers(server):
    facts = H2_HOSTS[server.name]
    h2 = H2Client(server.connect(), server.url)
    features = json.loads(h2.get("/features").body.decode())
    assert features == {"features": facts["features"], "protocol": "HTTP/2.0"}
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


def test_a_websocket_never_takes_the_shared_connection(server):
    h2 = H2Client(server.connect(), server.url)
    ws = h2.response(h2.request("CONNECT", "/ws", [
        ("sec-websocket-version", "13")], extra=[(":protocol", "websocket")]))
    assert ws.reset is not None or ws.status != 200
    if ws.reset is None and ws.status == 426:  # reached the app
        assert ws.body == b"fallback: no WebSocket on this host\n"
    again = h2.get("/features")  # the connection still carries streams
    h2.close()
    assert again.status == 200 and h2.terminated is None


FIVE_MIB = os.urandom(5 * 1024 * 1024)


@pytest.mark.parametrize("path", ["/upload", "/django/upload", "/flask/upload"])
def test_five_mib_body_without_a_length(server, path):
    h2 = H2Client(server.connect(), server.url)
    reply = h2.response(h2.request("POST", path, body=FIVE_MIB))
    h2.close()
    if not H2_HOSTS[server.name]["unsized_body"]:  # would be lost: honest 411
        assert (reply.status, reply.body) == (411, b"send a Content-Length\n")
        return
    assert reply.status == 200, reply.body
    assert json.loads(reply.body.decode()) == {
        "length": len(FIVE_MIB), "sha256": hashlib.sha256(FIVE_MIB).hexdigest()}
