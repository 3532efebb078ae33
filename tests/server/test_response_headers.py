"""Response headers a real client accepts, on every protocol of the server
and in the test client alike: whitespace around values is stripped (Django
writes every ``Set-Cookie`` with a leading space), and a header no protocol
can carry is a 500 naming it -- decided before the status line goes out."""
import logging

import pytest

from h2client import H2Client
from serving import connect, read_until_closed, running
from wsgi_ng.errors import HeaderError
from wsgi_ng.testing import Client

DJANGO_COOKIE = " csrftoken=abc; expires=Tue, 30 Nov 2027 21:20:04 GMT; Path=/"


def headers_app(environ, start_response):
    """``/cookie`` as Django answers; ``/bad?N`` sets the Nth bad header."""
    if environ["PATH_INFO"] == "/cookie":
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                  ("Set-Cookie", DJANGO_COOKIE),
                                  ("X-Padded", "\tv a l \t")])
        return [b"<form>"]
    bad = BAD_HEADERS[int(environ["QUERY_STRING"])]
    start_response("200 OK", [("Content-Type", "text/plain"), bad])
    return [b"never sent"]


#: What no protocol can carry, and a framing HTTP/1.1 cannot honour.
BAD_HEADERS = [("X-Bad", "a\x01b"), ("X-Bad", "a\x00b"),
               ("Content-Length", "ten"), ("Transfer-Encoding", "gzip")]


def raw_exchange(server, target):
    sock = connect(server)
    sock.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                 % target)
    data = read_until_closed(sock)
    sock.close()
    return data


def test_http1_strips_whitespace_around_values():
    with running(headers_app) as server:
        data = raw_exchange(server, b"/cookie")
    head = data.split(b"\r\n\r\n")[0].lower()
    assert head.startswith(b"http/1.1 200 ")
    assert b"\r\nset-cookie: csrftoken=abc; expires=" in head
    assert b"\r\nx-padded: v a l\r\n" in head
    assert data.endswith(b"6\r\n<form>\r\n0\r\n\r\n")


def test_http2_strips_whitespace_around_values():
    """h2's client refuses a value with surrounding whitespace (RFC 9113
    section 8.2.1), so the exchange itself proves it."""
    with running(headers_app) as server:
        h2 = H2Client(connect(server), server.url)
        reply = h2.get("/cookie")
        h2.close()
    assert reply.status == 200 and reply.body == b"<form>"
    assert reply.header("set-cookie") == DJANGO_COOKIE.strip()
    assert reply.header("x-padded") == "v a l"


@pytest.mark.parametrize("index", range(len(BAD_HEADERS)))
def test_http1_header_it_cannot_send_is_a_500_naming_it(index, caplog):
    caplog.set_level(logging.INFO, logger="wsgi_ng.access")
    with running(headers_app) as server:
        data = raw_exchange(server, b"/bad?%d" % index)
    assert data.startswith(b"HTTP/1.1 500 "), data
    assert b"never sent" not in data
    name = BAD_HEADERS[index][0]
    assert "HeaderError" in caplog.text and repr(name) in caplog.text
    access = [r.getMessage() for r in caplog.records
              if r.name == "wsgi_ng.access"]
    assert len(access) == 1 and '" 500 ' in access[0]


@pytest.mark.parametrize("index", range(3))  # Transfer-Encoding: never on h2
def test_http2_header_it_cannot_send_is_a_500(index, caplog):
    with running(headers_app) as server:
        h2 = H2Client(connect(server), server.url)
        reply = h2.get("/bad?%d" % index)
        h2.close()
    assert reply.status == 500 and b"never sent" not in reply.body
    assert repr(BAD_HEADERS[index][0]) in caplog.text


@pytest.mark.parametrize("http_version", ["1.1", "2"])
def test_the_test_client_predicts_the_wire(http_version):
    client = Client(headers_app, http_version=http_version)
    cookie = client.get("/cookie")
    assert cookie.header("Set-Cookie") == DJANGO_COOKIE.strip()
    assert cookie.header("X-Padded") == "v a l"
    for index in range(len(BAD_HEADERS)):
        with pytest.raises(HeaderError):
            client.get("/bad?%d" % index)
