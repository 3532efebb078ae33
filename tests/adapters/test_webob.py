"""The WebOb request class: a ``wsgify`` app accepts a WebSocket and ends
it with ``Response(status=101)``; ordinary views push (WebOb 1.8, Python
2.7 and 3.x)."""
import pytest

from wsgi_ng.testing import Client, WebSocketDenied

webob = pytest.importorskip("webob", reason="pip install webob")
from webob.dec import wsgify  # noqa: E402

from wsgi_ng.adapters.webob import Request  # noqa: E402


@wsgify(RequestClass=Request)
def app(request):
    if request.path == "/ws":
        ws = request.websocket
        if ws is None:
            return webob.Response("WebSocket needed\n", status=426)
        ws.accept()
        for message in ws:
            ws.send(message)
        return webob.Response(status=101)
    results = request.push("/app.css")
    return webob.Response("push: %s; features: %s" % (
        results[0], ",".join(sorted(request.features))))


@pytest.mark.parametrize("version", ["2", "1.1"])
def test_a_webob_app_accepts_and_ends_with_101(version):
    with Client(app, version).websocket("/ws") as ws:
        ws.send(u"hi")
        assert ws.receive() == u"hi"
        ws.send(b"\x00bytes")
        assert ws.receive() == b"\x00bytes"


def test_without_a_session_the_app_answers_its_fallback():
    with pytest.raises(WebSocketDenied) as denied:
        with Client.for_profile(app, "plain").websocket("/ws"):
            pass
    assert denied.value.response.status_code == 426


def test_ordinary_requests_push_and_see_features():
    assert Client(app).get("/").text == (
        "push: early_hint; features: early_hints,full_duplex,trailers")
    assert Client.for_profile(app, "plain").get("/").text == (
        "push: link; features: ")
