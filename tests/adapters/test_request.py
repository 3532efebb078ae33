"""The request mixin every framework adapter shares, on hosts of every
kind (the test client's profiles) and on a plain WSGI server."""
from wsgiref.util import setup_testing_defaults

from wsgi_ng.adapters.request import NgRequestMixin
from wsgi_ng.testing import Client


class Request(NgRequestMixin):
    def __init__(self, environ):
        self.environ = environ


def app(environ, start_response):
    request = Request(environ)
    results = request.push("/app.css", "/app.js")
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("X-Push", ",".join(results)),
                              ("X-Features", ",".join(sorted(request.features)))])
    yield b"page"
    request.send_trailers([("X-Done", "1")])


def test_push_sends_one_103_at_once_and_repeats_the_links():
    response = Client(app).get("/")
    assert response.header("X-Push") == "early_hint,early_hint"
    assert response.early_hints == [[
        ("Link", "</app.css>; rel=preload; as=style"),
        ("Link", "</app.js>; rel=preload; as=script")]]
    assert len(response.header_list("Link")) == 2
    assert response.trailers == [("X-Done", "1")]


def test_push_and_features_on_other_hosts():
    pushing = Client.for_profile(app, "h2-push").get("/")
    assert pushing.header("X-Push") == "push,push" and not pushing.early_hints
    plain = Client.for_profile(app, "plain").get("/")
    assert plain.header("X-Push") == "link,link" and plain.trailers == []
    assert plain.header("X-Features") == ""


def test_a_plain_wsgi_host_without_ng_keys():
    environ = {}
    setup_testing_defaults(environ)
    request = Request(environ)
    assert request.websocket is None and request.features == frozenset()
    assert request.push("/a.css") == ["dropped"]
    assert request.early_hints([("Link", "</a>")]) is False
    assert request.send_trailers([("X-A", "1")]) is False
