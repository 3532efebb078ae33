"""from_wsgi: legacy Django and Flask apps contained in a wsgi-ng host."""
import hashlib
import io
import logging
import os
import sys

import pytest

from wsgi_ng import keys
from wsgi_ng.errors import BodyError, HeaderError
from wsgi_ng.shims import from_wsgi, is_contained
from wsgi_ng.shims.contained import join_cookies
from wsgi_ng.testing import Client, WebSocketDenied

FIVE_MIB = os.urandom(5 * 1024 * 1024)


def chunks(data, size=65536):
    return (data[i:i + size] for i in range(0, len(data), size))


def same_response(one, other):
    return ((one.status, one.headers, one.body)
            == (other.status, other.headers, other.body))


@pytest.fixture(params=["django_app", "flask_app"])
def legacy(request):
    return request.getfixturevalue(request.param)


def test_unchanged_on_http11(legacy):
    raw, shimmed = Client(legacy, "1.1"), Client(from_wsgi(legacy), "1.1")
    for method, path, kw in [
            ("GET", "/stream", {}),
            ("GET", "/cookies", {"headers": [("Cookie", "a=1; b=2")]}),
            ("POST", "/form", {"body": b"x=1&y=two", "headers": [
                ("Content-Type", "application/x-www-form-urlencoded")]}),
            ("POST", "/upload", {"body": b"payload"}),
            ("GET", "/missing", {})]:
        assert same_response(raw.request(method, path, **kw),
                             shimmed.request(method, path, **kw)), path


@pytest.mark.parametrize("version", ["2", "1.1"])
def test_five_mib_upload_without_length_reaches_the_app(legacy, version):
    response = Client(from_wsgi(legacy), version).post(
        "/upload", body=chunks(FIVE_MIB))
    assert response.json() == {"length": len(FIVE_MIB),
                               "sha256": hashlib.sha256(FIVE_MIB).hexdigest()}


def test_without_the_shim_django_loses_a_body_without_length(django_app):
    """The problem the shim solves (HOSTS.md): Django ignores
    wsgi.input_terminated and reads nothing without CONTENT_LENGTH."""
    response = Client(django_app).post("/upload", body=chunks(b"lost"))
    assert response.json()["length"] == 0


def test_form_fields_without_length(legacy):
    response = Client(from_wsgi(legacy)).post(
        "/form", body=iter([b"name=ng&", b"proto=h2"]),
        headers=[("Content-Type", "application/x-www-form-urlencoded")])
    assert response.json() == {"name": "ng", "proto": "h2"}


def test_body_over_the_limit_is_413_and_logged(legacy, caplog):
    shim = from_wsgi(legacy, max_body_size=1000)
    with caplog.at_level(logging.WARNING, logger="wsgi_ng.shims"):
        streamed = Client(shim).post("/upload", body=iter([b"x" * 600] * 2))
        declared = Client(shim).post("/upload", body=b"x" * 1001)
    assert streamed.status_code == declared.status_code == 413
    assert "max_body_size=1000" in caplog.text
    exact = Client(shim).post("/upload", body=iter([b"x" * 1000]))
    assert exact.json()["length"] == 1000


def test_a_spooled_body_is_no_longer_full_duplex():
    """The app gets the body only once it has all come: it cannot answer
    while the client still sends, so the feature set must not say so."""
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [",".join(sorted(environ[keys.FEATURES])).encode()]
    client = Client(from_wsgi(app))
    assert b"full_duplex" in client.get("/").body
    spooled = client.post("/", body=chunks(b"no length")).body
    assert b"full_duplex" not in spooled and b"early_hints" in spooled


def test_invalid_content_length_is_400():
    def app(environ, start_response):
        raise AssertionError("must not be called")
    client = Client(from_wsgi(app))
    environ = client.environ("POST", "/")
    environ["CONTENT_LENGTH"] = "twelve"
    statuses = []
    body = from_wsgi(app)(environ, lambda s, h, e=None: statuses.append(s))
    assert statuses == ["400 Bad Request"] and b"Content-Length" in body[0]


def test_http2_drops_connection_specific_headers(flask_app):
    with pytest.raises(HeaderError):  # what the host does without the shim
        Client(flask_app).get("/hop-by-hop")
    response = Client(from_wsgi(flask_app)).get("/hop-by-hop")
    names = [name.lower() for name, _ in response.headers]
    for hop in ("connection", "keep-alive", "x-internal"):
        assert hop not in names
    assert response.body == b"legacy"
    kept = Client(from_wsgi(flask_app), "1.1").get("/hop-by-hop")
    assert kept.header("Connection") == "keep-alive, X-Internal"
    assert kept.header("Keep-Alive") is None


def test_fields_kept_on_http11_are_still_dropped_on_http2():
    """The shim remembers field names no protocol has it drop; a field kept
    on HTTP/1.1 but hop-by-hop on HTTP/2 is never among them."""
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain"),
                                  ("Connection", "X-Trace"), ("X-Trace", "1")])
        return [b"ok"]
    shim = from_wsgi(app)
    for _ in range(2):  # the second time, from what it remembered
        kept = Client(shim, "1.1").get("/")
        assert kept.header("Connection") == "X-Trace"
        names = [name.lower() for name, _ in Client(shim, "2").get("/").headers]
        assert "content-type" in names
        assert "connection" not in names and "x-trace" not in names


def test_a_blank_content_length_is_no_length():
    """``CONTENT_LENGTH: ""`` says as little as none: the body is spooled."""
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [environ["CONTENT_LENGTH"].encode(), b":",
                environ["wsgi.input"].read()]
    environ = Client(app).environ("POST", "/", body=b"")
    environ.update({"CONTENT_LENGTH": " ", keys.INPUT_TERMINATED: True,
                    "wsgi.input": io.BytesIO(b"spooled")})
    body = from_wsgi(app)(environ, lambda s, h, e=None: None)
    assert b"".join(body) == b"7:spooled"


def pre_chunked(blocks, use_write=False, extra_headers=()):
    def app(environ, start_response):
        write = start_response("200 OK", [
            ("Transfer-Encoding", "chunked"), ("Content-Length", "999"),
            ("Content-Type", "text/plain")] + list(extra_headers))
        if use_write:
            for block in blocks:
                write(block)
            return []
        return iter(blocks)
    return app


CHUNKED = [b"5\r\nhel", b"lo\r\n6\r\n wo", b"rld\r\n0\r\nX-Sum: 42\r\n\r\n"]


@pytest.mark.parametrize("use_write", [False, True])
@pytest.mark.parametrize("version", ["2", "1.1"])
def test_pre_chunked_bodies_are_never_double_framed(version, use_write):
    response = Client(from_wsgi(pre_chunked(CHUNKED, use_write)), version).get(
        "/", headers=[("TE", "trailers")])
    assert response.body == b"hello world"
    assert response.header("Transfer-Encoding") is None
    assert response.header("Content-Length") is None
    if not use_write:  # trailers need the iterable's end, not write()
        assert response.trailers == [("X-Sum", "42")]


def test_malformed_pre_chunked_body_is_a_clear_error():
    with pytest.raises(BodyError) as error:
        Client(from_wsgi(pre_chunked([b"zz\r\nnot hex\r\n"]))).get("/")
    assert "malformed" in str(error.value)
    with pytest.raises(BodyError) as error:
        Client(from_wsgi(pre_chunked([b"5\r\nhello\r\n"]))).get("/")
    assert "without the final zero-length chunk" in str(error.value)


def test_repeated_cookie_fields_are_joined_with_semicolons(legacy):
    client = Client(from_wsgi(legacy))
    environ = client.environ("GET", "/cookies")
    environ["HTTP_COOKIE"] = "a=1, b=2"  # how some bridges join h2 cookies
    seen = []
    body = b"".join(from_wsgi(legacy)(
        environ, lambda s, h, e=None: seen.append(s) or (lambda b: None)))
    assert seen == ["200 OK"] and b'"b"' in body and b'"2"' in body
    assert join_cookies("a=1, b=2;c=3") == "a=1; b=2; c=3"


@pytest.mark.parametrize("version", ["2", "1.1"])
def test_a_websocket_handshake_is_served_as_plain_http(legacy, version):
    with pytest.raises(WebSocketDenied) as denied:
        with Client(from_wsgi(legacy), version).websocket("/ws"):
            pytest.fail("a legacy app must never be upgraded")
    assert denied.value.response.status_code == 400


def test_a_legacy_app_ignoring_the_session_answers_as_plain_http():
    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        start_response("426 Upgrade Required", [])
        return []
    with pytest.raises(WebSocketDenied) as denied:
        with Client(from_wsgi(app)).websocket("/ws"):
            pass
    assert denied.value.response.status_code == 426
    assert seen["HTTP_UPGRADE"] == "websocket"


@pytest.mark.parametrize("version", ["2", "1.1"])
def test_a_wsgi_ng_view_inside_a_contained_app_can_accept(version):
    """A framework project is contained as a whole; the one view written
    for wsgi-ng still gets its session, and may end as frameworks do."""
    def app(environ, start_response):
        ws = environ[keys.WEBSOCKET]
        assert "websocket" in environ[keys.FEATURES]
        ws.accept()
        for message in ws:
            ws.send(message)
        start_response("101 Switching Protocols", [])
        return [b""]
    with Client(from_wsgi(app), version).websocket("/ws") as ws:
        ws.send(u"hi")
        assert ws.receive() == u"hi"


def test_a_101_from_a_legacy_app_becomes_a_logged_500(caplog):
    def app(environ, start_response):
        start_response("101 Switching Protocols", [("Upgrade", "websocket")])
        return [b""]
    with caplog.at_level(logging.ERROR, logger="wsgi_ng.shims"):
        response = Client(from_wsgi(app), "1.1").get("/")
    assert response.status_code == 500
    assert b"switch protocols" in response.body
    assert "cannot switch protocols" in caplog.text


class Tracked(object):
    def __init__(self, blocks, fail=False):
        self.blocks, self.fail, self.closed = blocks, fail, 0

    def __iter__(self):
        for block in self.blocks:
            yield block
        if self.fail:
            raise RuntimeError("body failed")

    def close(self):
        self.closed += 1


@pytest.mark.parametrize("streamed", [False, True])
@pytest.mark.parametrize("fail", [False, True])
def test_close_reaches_the_app_exactly_once(streamed, fail):
    body = Tracked([b"a", b"b"], fail)

    def app(environ, start_response):
        start_response("200 OK", [])
        return body
    client = Client(from_wsgi(app))
    if fail:
        with pytest.raises(RuntimeError):
            client.post("/", body=iter([b"x"]) if streamed else b"x")
    else:
        assert client.post("/", body=iter([b"x"]) if streamed else b"x").body == b"ab"
    assert body.closed == 1


def test_untransformed_responses_pass_through_untouched():
    body = Tracked([b"file-like"])

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return body
    environ = Client(app).environ("GET", "/")
    assert from_wsgi(app)(environ, lambda s, h, e=None: None) is body


def test_exc_info_replacement_still_works():
    def app(environ, start_response):
        start_response("200 OK", [("Transfer-Encoding", "chunked")])
        try:
            raise ValueError("late")
        except ValueError:
            start_response("500 Oops", [("Content-Type", "text/plain")],
                           sys.exc_info())
        return [b"plain error body"]
    response = Client(from_wsgi(app)).get("/")
    assert (response.status, response.body) == ("500 Oops", b"plain error body")


def test_from_wsgi_is_idempotent():
    shim = from_wsgi(lambda e, s: [])
    assert from_wsgi(shim) is shim and is_contained(shim)
    assert not is_contained(lambda e, s: [])


def test_a_404_under_static_says_once_who_serves_files(caplog):
    from wsgi_ng.shims import contained

    def app(environ, start_response):
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    del contained._static_hinted[:]
    with caplog.at_level(logging.WARNING, logger="wsgi_ng.shims"):
        for path in ("/missing", "/static/app.css", "/static/app.js"):
            assert Client(from_wsgi(app)).get(path).status_code == 404
    hints = [r.getMessage() for r in caplog.records if "WhiteNoise" in r.getMessage()]
    assert hints == [contained.STATIC_HINT % "/static/app.css"]
