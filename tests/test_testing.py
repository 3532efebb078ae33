"""The test client behaves like a real PEP 3333 host."""
import sys
import threading

import pytest

from wsgi_ng import keys
from wsgi_ng.errors import (
    BodyError, ConnectionClosed, HeaderError, LocalProtocolError,
    MessageTooBig, StateError, Timeout,
)
from wsgi_ng.testing import Client, WebSocketDenied


def simple(body=b"ok", status="200 OK", headers=None):
    def app(environ, start_response):
        start_response(status, headers or [("Content-Type", "text/plain")])
        return [body]
    return app


def capture_environ():
    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        seen["body"] = environ["wsgi.input"].read()
        start_response("204 No Content", [])
        return []
    return app, seen


class ClosingBody(object):
    def __init__(self, blocks, fail_at=None):
        self.blocks, self.fail_at, self.closed = blocks, fail_at, 0

    def __iter__(self):
        for index, block in enumerate(self.blocks):
            if index == self.fail_at:
                raise RuntimeError("boom in the body")
            yield block

    def close(self):
        self.closed += 1


def test_environ_follows_pep3333():
    app, seen = capture_environ()
    Client(app, http_version="1.1").post(
        "/caf%C3%A9/x%2Fy?q=1&r=2", body=b"payload",
        headers=[("Content-Type", "text/plain"), ("X-Multi", "a"),
                 ("X-Multi", "b"), ("Cookie", "a=1"), ("Cookie", "b=2")])
    assert seen["REQUEST_METHOD"] == "POST"
    expected_path = u"/caf\u00e9/x/y".encode("utf-8")
    if str is not bytes:
        expected_path = expected_path.decode("latin-1")
    assert seen["PATH_INFO"] == expected_path
    assert seen["QUERY_STRING"] == "q=1&r=2"
    assert seen["CONTENT_TYPE"] == "text/plain"
    assert seen["CONTENT_LENGTH"] == "7" and seen["body"] == b"payload"
    assert seen["HTTP_X_MULTI"] == "a, b"
    assert seen["HTTP_COOKIE"] == "a=1; b=2"  # never ", " for cookies
    assert seen["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert seen["wsgi.version"] == (1, 0) and seen["wsgi.input_terminated"]
    assert all(type(v) is str for k, v in seen.items()
               if k.isupper() and k != "body")


def test_streamed_body_has_no_content_length_but_is_terminated():
    app, seen = capture_environ()
    Client(app).put("/up", body=iter([b"chunk1-", b"chunk2"]))
    assert "CONTENT_LENGTH" not in seen
    assert seen["wsgi.input_terminated"] is True
    assert seen["body"] == b"chunk1-chunk2"
    assert seen["SERVER_PROTOCOL"] == "HTTP/2" and seen["HTTP_HOST"] == "localhost"


def test_headers_are_deferred_until_the_first_non_empty_block():
    def app(environ, start_response):
        start_response("200 OK", [])
        yield b""
        environ[keys.PUSH]("/late-but-in-time.css")  # headers not yet sent
        yield b"body"
        environ[keys.PUSH]("/too-late.css")
    response = Client(app, http_version="1.1", features=()).get("/")
    assert response.header_list("Link") == [
        "</late-but-in-time.css>; rel=preload; as=style"]
    assert response.push_results["/too-late.css"] == "dropped"


def test_exc_info_replaces_the_response_before_headers_are_sent():
    def app(environ, start_response):
        start_response("200 OK", [("X-Partial", "1")])
        try:
            raise ValueError("late failure")
        except ValueError:
            start_response("500 Internal Server Error", [], sys.exc_info())
        return [b"sorry"]
    response = Client(app).get("/")
    assert response.status == "500 Internal Server Error"
    assert response.header("X-Partial") is None and response.body == b"sorry"


def test_exc_info_after_headers_were_sent_reraises():
    def app(environ, start_response):
        start_response("200 OK", [])
        yield b"started"
        try:
            raise ValueError("mid-stream")
        except ValueError:
            start_response("500 Oops", [], sys.exc_info())
    with pytest.raises(ValueError):
        Client(app).get("/")


def test_write_callable_and_close_exactly_once():
    body = ClosingBody([b" and ", b"iterable"])

    def app(environ, start_response):
        write = start_response("200 OK", [])
        write(b"written")
        return body
    assert Client(app).get("/").body == b"written and iterable"
    assert body.closed == 1


def test_close_is_called_when_the_body_raises():
    body = ClosingBody([b"a", b"b"], fail_at=1)
    with pytest.raises(RuntimeError):
        Client(lambda e, s: (s("200 OK", []), body)[1]).get("/")
    assert body.closed == 1


@pytest.mark.parametrize("app, error, fragment", [
    (simple(body=u"text"), BodyError, "must be bytes"),
    (simple(headers=[("X-A", "v\r\nX-Injected: 1")]), HeaderError, "CR, LF"),
    (simple(status="103 Early Hints"), HeaderError, "ng.early_hints"),
    (simple(headers=[("Connection", "close")]), HeaderError, "from_wsgi"),
    (simple(headers=[("Content-Length", "5")]), LocalProtocolError,
     "Content-Length says 5"),
    (lambda e, s: [b"x"], StateError, "before start_response"),
    (lambda e, s: [], StateError, "without calling start_response"),
    (lambda e, s: (s("200 OK", []), s("200 OK", []), [])[2], StateError,
     "second time"),
])
def test_bad_apps_get_clear_typed_errors(app, error, fragment):
    with pytest.raises(error) as raised:
        Client(app).get("/")
    assert fragment in str(raised.value)


def test_head_discards_the_body():
    response = Client(simple(headers=[("Content-Length", "2")])).head("/")
    assert response.body == b"" and response.header("Content-Length") == "2"


def test_profiles_and_bad_configuration():
    assert Client.for_profile(simple(), "plain").features == frozenset()
    with pytest.raises(ValueError):
        Client(simple(), http_version="1.1", features=["push"])
    with pytest.raises(ValueError):
        Client(simple(), http_version="3")


def ws_app(handler):
    def app(environ, start_response):
        ws = environ[keys.WEBSOCKET]
        handler(ws)
        return []
    return app


def test_websocket_handshake_environ_is_a_get_with_upgrade_headers():
    seen = {}

    def handler(ws):
        ws.accept(headers=[("X-Accepted", "yes")])
    app = ws_app(handler)

    def recording(environ, start_response):
        seen.update(environ)
        return app(environ, start_response)
    for version in ("1.1", "2"):
        seen.clear()
        with Client(recording, http_version=version).websocket(
                "/ws", subprotocols=["a", "b"]) as ws:
            assert ws.accept_headers == [("X-Accepted", "yes")]
        assert seen["REQUEST_METHOD"] == "GET"
        assert seen["HTTP_UPGRADE"] == "websocket"
        assert seen["HTTP_SEC_WEBSOCKET_PROTOCOL"] == "a, b"
        assert seen[keys.WEBSOCKET].subprotocols == ("a", "b")
        assert ("HTTP_SEC_WEBSOCKET_KEY" in seen) == (version == "1.1")
        assert "websocket" in seen[keys.FEATURES]


def test_app_denies_with_an_http_status():
    def app(environ, start_response):
        start_response("403 Forbidden", [("Content-Type", "text/plain")])
        return [b"no entry"]
    with pytest.raises(WebSocketDenied) as denied:
        with Client(app).websocket("/ws"):
            pytest.fail("must not open")
    assert denied.value.response.status_code == 403
    assert denied.value.response.body == b"no entry"


def failing_receiver(ws):
    ws.accept()
    ws.receive()
    raise KeyError("app bug")


class Failing(object):
    """A ``serve()`` handler that raises; its close codes land in CLOSES."""

    def on_message(self, ws, message):
        raise KeyError("handler bug")

    def on_close(self, ws, code, reason):
        CLOSES.append(code)


CLOSES = []


def failing_server(ws):
    ws.accept()
    ws.serve(Failing())


@pytest.mark.parametrize("handler", [failing_receiver, failing_server])
def test_app_exception_in_a_session_closes_1011_and_reaches_the_test(handler):
    """Raised by the app, or by its handler of ``serve()`` (whose
    ``on_close`` is still called, once)."""
    del CLOSES[:]
    with pytest.raises(KeyError):
        with Client(ws_app(handler)).websocket("/ws") as ws:
            ws.send(u"trigger")
            with pytest.raises(ConnectionClosed) as closed:
                ws.receive()
            assert closed.value.code == 1011
    assert CLOSES == ([1011] if handler is failing_server else [])


def test_app_returning_after_accept_closes_the_session_1000():
    with Client(ws_app(lambda ws: ws.accept())).websocket("/ws") as ws:
        with pytest.raises(ConnectionClosed) as closed:
            ws.receive()
    assert closed.value.code == 1000


def test_exception_before_accept_surfaces_on_enter():
    def handler(ws):
        raise ZeroDivisionError("before accept")
    with pytest.raises(ZeroDivisionError):
        with Client(ws_app(handler)).websocket("/ws"):
            pytest.fail("must not open")


def test_request_fields_with_an_underscore_are_dropped_as_on_the_wire():
    def app(environ, start_response):
        start_response("200 OK", [])
        return [environ.get("HTTP_X_AUTH_USER", "-").encode()]
    response = Client(app).get("/", headers=[("X_Auth_User", "admin"),
                                             ("X-Auth-User", "alice")])
    assert response.body == b"alice"


def test_body_after_accept_is_an_error():
    def app(environ, start_response):
        environ[keys.WEBSOCKET].accept()
        return [b"not allowed"]
    with pytest.raises(StateError) as error:
        with Client(app).websocket("/ws"):
            pass
    assert "empty iterable" in str(error.value)


def test_start_response_after_accept_is_an_error():
    def app(environ, start_response):
        environ[keys.WEBSOCKET].accept()
        start_response("200 OK", [])
        return []
    with pytest.raises(StateError):
        with Client(app).websocket("/ws"):
            pass


def test_oversize_message_from_the_client():
    errors = []

    def handler(ws):
        ws.accept()
        try:
            ws.receive()
        except MessageTooBig as error:
            errors.append(error)
    client = Client(ws_app(handler), max_message_size=1000)
    with client.websocket("/ws") as ws:
        ws.send(b"x" * 1001)
        with pytest.raises(ConnectionClosed) as closed:
            ws.receive()
    assert closed.value.code == 1009 and len(errors) == 1


def test_a_hanging_app_times_out_instead_of_hanging_the_test():
    release = threading.Event()

    def app(environ, start_response):
        release.wait(5)
        start_response("204 No Content", [])
        return []
    try:
        with pytest.raises(Timeout):
            with Client(app, timeout=0.2).websocket("/ws"):
                pass
    finally:
        release.set()


def test_full_duplex_echo_of_a_one_mebibyte_message():
    def handler(ws):
        ws.accept()
        for message in ws:
            ws.send(message)
    payload = bytes(bytearray(range(256))) * 4096
    with Client(ws_app(handler)).websocket("/ws") as ws:
        ws.send(payload)
        assert ws.receive() == payload
        ws.ping(b"still there?")
        ws.send(u"after ping")
        assert ws.receive() == u"after ping"


def test_a_served_session_runs_its_handler_on_the_request_thread():
    """The test client is a host without an event loop: the handler of
    ``serve()`` runs on the app's thread, with the messages in order, the
    one received before ``serve()`` not among them, and on_close once."""
    seen, closes = [], []

    def on_message(ws, message):
        seen.append((message, threading.current_thread().name))
        ws.send(message.upper())

    def handler(ws):
        ws.accept()
        ws.send(u"first: " + ws.receive())
        ws.serve(on_message, lambda ws, code, reason: closes.append(code))
        app_thread.append(threading.current_thread().name)
        with pytest.raises(StateError):
            ws.receive()
        with pytest.raises(StateError):
            ws.serve(on_message)
    app_thread = []
    with Client(ws_app(handler)).websocket("/ws") as ws:
        ws.send(u"login")
        assert ws.receive() == u"first: login"
        ws.send(u"a")
        ws.send(u"b")
        assert [ws.receive(), ws.receive()] == [u"A", u"B"]
    assert [message for message, _ in seen] == [u"a", u"b"]
    assert set(thread for _, thread in seen) == set(app_thread)
    assert closes == [1000]


def test_serve_before_accept_or_without_a_handler_is_refused():
    def before_accept(ws):
        ws.serve(lambda ws, message: None)
    with pytest.raises(StateError):
        with Client(ws_app(before_accept)).websocket("/ws"):
            pass

    def not_callable(ws):
        ws.accept()
        ws.serve(42)
    with pytest.raises(LocalProtocolError) as error:
        with Client(ws_app(not_callable)).websocket("/ws"):
            pass
    assert "on_message(ws, message)" in str(error.value)
