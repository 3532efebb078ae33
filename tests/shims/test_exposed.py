"""to_wsgi logic that needs no server; tests/hosts runs it on real ones."""
import sys
from wsgiref.util import setup_testing_defaults

import pytest

from wsgi_ng import keys
from wsgi_ng.errors import StateError
from wsgi_ng.shims import to_wsgi
from wsgi_ng.testing import Client


class Recorder(object):
    """A minimal plain-WSGI server side: records what reaches it."""

    def __init__(self):
        self.calls, self.written = [], []

    def start_response(self, status, headers, exc_info=None):
        self.calls.append((status, headers))
        return self.written.append


def call(app, **environ):
    base = {"SERVER_SOFTWARE": "test/1"}
    base.update(environ)
    setup_testing_defaults(base)
    server = Recorder()
    body = b"".join(app(base, server.start_response))
    return server, body


def test_on_a_wsgi_ng_host_the_app_is_called_directly():
    def app(environ, start_response):
        start_response("200 OK", [])
        return [environ[keys.PUSH]("/a.css").encode()]
    shim = to_wsgi(app)
    assert Client.for_profile(shim, "h2-push").get("/").body == b"push"
    assert to_wsgi(shim) is shim and shim.app is app  # idempotent


def test_plain_host_gets_ng_keys_with_honest_features():
    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        start_response("200 OK", [])
        return []
    call(to_wsgi(app))
    assert seen[keys.FEATURES] == frozenset()
    assert keys.WEBSOCKET not in seen
    assert seen["wsgi.input_terminated"] is True and seen["wsgi.input"].read() == b""


def test_headers_wait_for_the_first_block_so_late_hints_become_links():
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html")])
        yield b""
        environ[keys.PUSH]("/late.js")
        yield b"body"
    server, body = call(to_wsgi(app))
    assert server.calls == [("200 OK", [
        ("Content-Type", "text/html"),
        ("Link", "</late.js>; rel=preload; as=script")])]
    assert body == b"body"


def test_exc_info_replaces_a_response_not_yet_sent():
    def app(environ, start_response):
        start_response("200 OK", [("X-A", "1")])
        try:
            raise ValueError("late")
        except ValueError:
            start_response("500 Internal Server Error", [], sys.exc_info())
        return [b"error"]
    server, body = call(to_wsgi(app))
    assert server.calls == [("500 Internal Server Error", [])] and body == b"error"


def test_second_start_response_without_exc_info_is_an_error():
    def app(environ, start_response):
        start_response("200 OK", [])
        start_response("200 OK", [])
        return []
    with pytest.raises(StateError):
        call(to_wsgi(app))


@pytest.mark.parametrize("environ, status", [
    ({"CONTENT_LENGTH": "nope"}, "400 Bad Request"),
    ({"HTTP_TRANSFER_ENCODING": "chunked"}, "411 Length Required"),
])
def test_bodies_that_cannot_be_read_are_refused(environ, status):
    def app(environ, start_response):
        raise AssertionError("must not be called")
    server, _ = call(to_wsgi(app), **environ)
    assert server.calls[0][0] == status


def test_unreadable_host_body_is_bounded():
    import io

    def app(environ, start_response):
        raise AssertionError("must not be called")
    server, _ = call(to_wsgi(app, max_body_size=10), **{
        "HTTP_TRANSFER_ENCODING": "chunked", "SERVER_SOFTWARE": "waitress",
        "wsgi.input": io.BytesIO(b"x" * 11)})
    assert server.calls[0][0] == "413 Content Too Large"


class Connection(object):
    """A server's ``wsgi.input`` that is the connection itself (werkzeug's,
    wsgiref's): after the body, a read waits for bytes that never come."""

    def __init__(self, body):
        self.body = body

    def read(self, size=-1):
        if not self.body:
            raise AssertionError("read past the body: it would block")
        size = len(self.body) if size is None or size < 0 else size
        data, self.body = self.body[:size], self.body[size:]
        return data

    def readline(self, size=-1):
        line = self.read(size)
        if b"\n" in line[:-1]:
            line, rest = line.split(b"\n", 1)
            self.body, line = rest + self.body, line + b"\n"
        return line


def test_a_body_with_a_length_reads_to_eof_without_blocking():
    """Flask reads to EOF once wsgi.input_terminated is set (a POST hung
    on werkzeug's and wsgiref's servers behind to_wsgi until the client
    gave up: found by compat_matrix's login scenario)."""
    def app(environ, start_response):
        assert environ[keys.INPUT_TERMINATED] is True
        lines = list(environ["wsgi.input"])
        rest = environ["wsgi.input"].read()
        start_response("200 OK", [])
        return [b"|".join(lines), rest]
    _, body = call(to_wsgi(app), SERVER_SOFTWARE="Werkzeug/3.1",
                   CONTENT_LENGTH="10", **{"wsgi.input": Connection(b"ab\ncd\nefgh")})
    assert body == b"ab\n|cd\n|efgh"


@pytest.mark.parametrize("software", ["waitress", "WSGIServer/0.2"])
def test_hop_by_hop_fields_are_dropped_where_the_server_refuses_them(software):
    """waitress and wsgiref answer 500 to an app that sets one (PEP 3333
    forbids them): a legacy app's Connection: close, say."""
    def app(environ, start_response):
        start_response("200 OK", [("Connection", "close, X-Internal"),
                                  ("Keep-Alive", "timeout=5"),
                                  ("X-Internal", "hop"), ("X-Kept", "yes")])
        return [b"legacy"]
    server, _ = call(to_wsgi(app), SERVER_SOFTWARE=software)
    assert server.calls[0][1] == [("X-Kept", "yes")]
    gunicorn, _ = call(to_wsgi(app), SERVER_SOFTWARE="gunicorn/23")
    assert ("Connection", "close, X-Internal") in gunicorn.calls[0][1]
