"""Third-party WSGI middleware around wsgi-ng apps, and wsgi-ng middleware
around legacy apps, on a wsgi-ng host (the test client).  tests/hosts runs
the same stacks on real servers."""
import os
import sys

import pytest

from wsgi_ng import keys
from wsgi_ng.testing import Client

HOSTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                     "hosts")
sys.path.insert(0, HOSTS)
middleware_app = pytest.importorskip("middleware_app")


@pytest.fixture(params=["inner", "outer"])
def stack(request):
    return getattr(middleware_app, request.param)


def test_websocket_through_proxyfix_dispatcher_and_shared_data(stack):
    with Client(stack).websocket("/ng/ws", subprotocols=["echo"]) as ws:
        assert ws.subprotocol == "echo"
        ws.send(u"through the stack")
        assert ws.receive() == u"through the stack"


def test_push_and_trailers_survive_the_stack(stack):
    response = Client.for_profile(stack, "h2-push").get("/ng/page", headers=[
        ("X-Forwarded-Proto", "https"), ("X-Forwarded-For", "10.1.2.3")])
    assert response.push_results == {"/app.css": "push"}
    assert response.trailers == [("X-Trailer", "1")]


def test_the_middleware_still_does_its_own_job(stack):
    client = Client(stack)
    assert client.get("/ng/static/site.css").body == b"body { color: teal; }\n"
    assert client.get("/elsewhere").status_code == 404


def test_whitenoise_serves_files_and_passes_websockets_on():
    whitenoise = pytest.importorskip("whitenoise", reason="pip install whitenoise")
    from probe_app import ng_app
    app = whitenoise.WhiteNoise(ng_app, root=middleware_app.STATIC,
                                prefix="/static/")
    client = Client.for_profile(app, "h2-push")
    assert client.get("/static/site.css").body == b"body { color: teal; }\n"
    with client.websocket("/ws") as ws:
        ws.send(b"\x01\x02")
        assert ws.receive() == b"\x01\x02"
    assert client.get("/page").push_results == {"/app.css": "push"}


def test_an_ng_middleware_wraps_legacy_and_ng_apps_alike(flask_app):
    from probe_app import ng_app

    def hint_styles(app):
        def middleware(environ, start_response):
            environ[keys.PUSH]("/static/site.css")
            return app(environ, start_response)
        return middleware
    from wsgi_ng.shims import from_wsgi
    legacy = Client.for_profile(hint_styles(from_wsgi(flask_app)),
                                "h2-push").get("/stream")
    ng = Client.for_profile(hint_styles(ng_app), "h2-push").get("/features")
    for response in (legacy, ng):
        assert response.status_code == 200
        assert response.push_results["/static/site.css"] == "push"
