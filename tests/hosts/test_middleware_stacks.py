"""to_wsgi with real third-party WSGI middleware around it, on real
servers: ProxyFix, DispatcherMiddleware and SharedDataMiddleware, with
to_wsgi inside or outside them, must keep WebSocket and push working.

Everything else to_wsgi does on every server is played by the
compatibility matrix (``test_matrix.py``)."""
import pytest

from live import WAIT, LiveServer
from wsgi_ng.hosting.client import HTTP1

websocket = pytest.importorskip("websocket", reason="pip install websocket-client")


@pytest.mark.parametrize("stack", ["inner", "outer"])
@pytest.mark.parametrize("name", ["gunicorn-gthread", "werkzeug"])
def test_third_party_middleware_stacks(name, stack):
    with LiveServer(name, "middleware_app:" + stack) as server:
        ws = websocket.create_connection("ws://%s/ng/ws" % server.url,
                                         timeout=WAIT)
        try:
            ws.send(u"mounted")
            assert ws.recv_data() == (websocket.ABNF.OPCODE_TEXT, b"mounted")
        finally:
            ws.close()
        client = HTTP1(server.port)
        static = client.request("GET", "/ng/static/site.css")
        assert (static.status, static.body) == (200, b"body { color: teal; }\n")
        assert client.request("GET", "/ng/page").header("x-push") in (
            "early_hint", "link")
    assert "Traceback" not in server.final_output, server.final_output
