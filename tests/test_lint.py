"""The linter catches each side breaking the contract, and says which."""
import warnings

import pytest

from wsgi_ng import keys
from wsgi_ng.errors import ConnectionClosed
from wsgi_ng.demo import app as demo_app
from wsgi_ng.host import RequestContext
from wsgi_ng.lint import LintError, LintMiddleware, LintWarning
from wsgi_ng.testing import PROFILES, Client, WebSocketDenied


def ok(environ, start_response):
    start_response("200 OK", [])
    return [b"ok"]


def call_direct(app, environ):
    """Call through the linter as a minimal host would, without validation
    of its own, so only the linter can catch what the app does."""
    def start_response(status, headers, exc_info=None):
        return lambda block: None
    result = app(environ, start_response)
    body = b"".join(result)
    result.close()
    return body


def ng_environ(**overrides):
    environ = RequestContext().install({"SERVER_PROTOCOL": "HTTP/1.1"})
    environ.update(overrides)
    return environ


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_the_demo_app_is_clean_on_every_host(profile):
    client = Client.for_profile(LintMiddleware(demo_app), profile)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert client.get("/").status == "200 OK"


def test_a_plain_wsgi_host_is_fine():
    assert call_direct(LintMiddleware(ok), {"SERVER_PROTOCOL": "HTTP/1.1"}) == b"ok"


@pytest.mark.parametrize("overrides, fragment", [
    ({keys.VERSION: (0, 9)}, "ng.version must be"),
    ({keys.FEATURES: {"push"}}, "must be a frozenset"),
    ({keys.PUSH: None}, "ng.push must always be present"),
    ({keys.WEBSOCKET: object()}, "'websocket' is not in ng.features"),
    ({keys.INPUT_TERMINATED: "yes"}, "must be a bool"),
])
def test_host_side_violations(overrides, fragment):
    with pytest.raises(LintError) as error:
        call_direct(LintMiddleware(ok), ng_environ(**overrides))
    assert str(error.value).startswith("host: ") and fragment in str(error.value)


def test_a_session_missing_methods_is_a_host_error():
    environ = ng_environ(**{keys.FEATURES: frozenset(["websocket"]),
                            keys.WEBSOCKET: object()})
    with pytest.raises(LintError) as error:
        call_direct(LintMiddleware(ok), environ)
    assert "ng.websocket lacks" in str(error.value)


def test_unknown_features_warn():
    environ = ng_environ(**{keys.FEATURES: frozenset(["telepathy"])})
    with pytest.warns(LintWarning):
        call_direct(LintMiddleware(ok), environ)


def test_host_callables_must_return_what_the_spec_says():
    environ = ng_environ()
    environ[keys.PUSH] = lambda path, headers=None: "pushed-ish"
    environ[keys.SEND_TRAILERS] = lambda headers: None

    def app(environ, start_response):
        environ[keys.PUSH]("/a.css")
        start_response("200 OK", [])
        return [b""]
    with pytest.raises(LintError) as error:
        call_direct(LintMiddleware(app), environ)
    assert "host: ng.push returned 'pushed-ish'" in str(error.value)

    def trailing(environ, start_response):
        start_response("200 OK", [])
        environ[keys.SEND_TRAILERS]([("X-T", "1")])
        return []
    with pytest.raises(LintError) as error:
        call_direct(LintMiddleware(trailing), environ)
    assert "must return a bool" in str(error.value)


def test_trailers_after_the_body_ended():
    captured = {}

    def app(environ, start_response):
        captured["send"] = environ[keys.SEND_TRAILERS]
        start_response("200 OK", [])
        return [b"done"]
    call_direct(LintMiddleware(app), ng_environ())
    with pytest.raises(LintError) as error:
        captured["send"]([("X-Checksum", "abc")])
    assert str(error.value).startswith("app: ng.send_trailers() after")


@pytest.mark.parametrize("app, fragment", [
    (lambda e, s: (s("200 OK", []), s("200 OK", []), [])[2], "called twice"),
    (lambda e, s: (s("103 Early Hints", []), [])[1], "not a final status"),
    (lambda e, s: [b"x"], "before start_response"),
])
def test_app_side_violations(app, fragment):
    with pytest.raises(LintError) as error:
        call_direct(LintMiddleware(app), ng_environ())
    assert str(error.value).startswith("app: ") and fragment in str(error.value)


def test_non_native_header_strings_are_caught():
    other = u"v" if str is bytes else b"v"
    app = LintMiddleware(lambda e, s: (s("200 OK", [("X-A", other)]), [])[1])
    with pytest.raises(ValueError) as error:
        call_direct(app, ng_environ())
    assert "native str" in str(error.value)


def test_write_and_body_blocks_must_be_bytes():
    def writing(environ, start_response):
        start_response("200 OK", [])(u"written text")
        return []

    def returning(environ, start_response):
        start_response("200 OK", [])
        return [u"returned text"]
    for app in (writing, returning):
        with pytest.raises(TypeError) as error:
            call_direct(LintMiddleware(app), ng_environ())
        assert "must be bytes" in str(error.value)


def ws_client(app):
    return Client(LintMiddleware(app))


def test_accept_then_start_response():
    def app(environ, start_response):
        environ[keys.WEBSOCKET].accept()
        start_response("200 OK", [])
        return []
    with pytest.raises(LintError) as error:
        with ws_client(app).websocket("/ws"):
            pass
    assert "app: start_response('200 OK') after ng.websocket.accept()" in \
        str(error.value)


@pytest.mark.parametrize("extra_call", [False, True])
def test_accept_then_a_frameworks_101_once(extra_call):
    """How Django and werkzeug end every view; a second call is an error."""
    def app(environ, start_response):
        ws = environ[keys.WEBSOCKET]
        ws.accept()
        ws.send(ws.receive())
        start_response("101 Switching Protocols", [("Upgrade", "websocket")])
        if extra_call:
            start_response("101 Switching Protocols", [])
        return [b""]
    if not extra_call:
        with ws_client(app).websocket("/ws") as ws:
            ws.send(u"hi")
            assert ws.receive() == u"hi"
        return
    with pytest.raises(LintError) as error:
        with ws_client(app).websocket("/ws") as ws:
            ws.send(u"hi")
            ws.receive()
    assert "only one 101" in str(error.value)


def test_close_before_accept_is_a_denial():
    def app(environ, start_response):
        environ[keys.WEBSOCKET].close()
        return []
    with pytest.raises(WebSocketDenied) as denied:
        with ws_client(app).websocket("/ws"):
            pass
    assert denied.value.response.status_code == 403


def test_start_response_then_accept():
    def app(environ, start_response):
        start_response("403 Forbidden", [])
        environ[keys.WEBSOCKET].accept()
        return []
    with pytest.raises(LintError) as error:
        with ws_client(app).websocket("/ws"):
            pass
    assert "accept() after start_response()" in str(error.value)


def test_body_after_accept():
    def app(environ, start_response):
        environ[keys.WEBSOCKET].accept()
        return [b"oops"]
    with pytest.raises(LintError) as error:
        with ws_client(app).websocket("/ws"):
            pass
    assert "must return an empty iterable" in str(error.value)


def test_hints_after_start_response_still_work_while_headers_are_deferred():
    def app(environ, start_response):
        start_response("200 OK", [])
        assert environ[keys.EARLY_HINTS]([("Link", "</a.css>; rel=preload")])
        return [b"body"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        response = Client(LintMiddleware(app), http_version="1.1").get("/")
    assert response.early_hints == [[("Link", "</a.css>; rel=preload")]]


def test_hints_after_the_headers_went_out_warn():
    def app(environ, start_response):
        start_response("200 OK", [])
        yield b"body"
        assert not environ[keys.EARLY_HINTS]([("Link", "</a.css>; rel=preload")])
        environ[keys.SEND_TRAILERS]([("X-Done", "1")])
    with pytest.warns(LintWarning) as caught:
        response = Client(LintMiddleware(app), http_version="1.1").get("/")
    assert response.early_hints == []
    assert "the final headers are out" in str(caught[0].message)


def test_push_after_the_body_ended_warns():
    captured = {}

    def app(environ, start_response):
        captured["push"] = environ[keys.PUSH]
        start_response("200 OK", [])
        return [b"body"]
    Client(LintMiddleware(app)).get("/")
    with pytest.warns(LintWarning):
        assert captured["push"]("/late.css") == "dropped"


def test_a_served_session_passes_the_linter():
    closes = []

    def app(environ, start_response):
        ws = environ[keys.WEBSOCKET]
        ws.accept()
        ws.serve(lambda ws, message: ws.send(message),
                 lambda ws, code, reason: closes.append(code))
        return []
    with ws_client(app).websocket("/ws") as ws:
        ws.send(u"hi")
        assert ws.receive() == u"hi"
    assert closes == [1000]


def test_serve_before_accept():
    def app(environ, start_response):
        environ[keys.WEBSOCKET].serve(lambda ws, message: None)
        return []
    with pytest.raises(LintError) as error:
        with ws_client(app).websocket("/ws"):
            pass
    assert "app: ng.websocket.serve() before accept()" in str(error.value)


def test_a_coroutine_handler_is_an_app_error():
    class Async(object):
        def on_message(self, ws, message):  # a generator: like a
            yield  # coroutine (async def), it never runs

    def app(environ, start_response):
        ws = environ[keys.WEBSOCKET]
        ws.accept()
        ws.serve(Async())
        return []
    with pytest.raises(LintError) as error:
        with ws_client(app).websocket("/ws") as ws:
            ws.send(u"hi")
            with pytest.raises(ConnectionClosed):
                ws.receive()
    assert "handlers are synchronous" in str(error.value)
