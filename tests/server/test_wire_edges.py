"""The edges of the wire: HTTP/2 requests read by the HTTP/1.1 rules, a
wrong HTTP/2 preface, h2's errors said in words, and closes that linger so
the client gets the server's last word instead of a reset."""
import json
import socket
import ssl
import struct

import h2
import h2.connection
import pytest

from apps import application
from h2client import Exchange, H2Client
from serving import WAIT, connect, read_until_closed, running
from test_limits import PREFACE, SETTINGS, frame, goaway_code
from test_tls import certificate, client_tls  # noqa: F401 (a fixture)
from wsgi_ng.server import tls_context, wire
from wsgi_ng.startup import UsageError


def frames(data):
    """``(type, flags, stream id, payload)`` of each frame in *data*."""
    found = []
    while len(data) >= 9:
        length = struct.unpack("!I", b"\x00" + data[:3])[0]
        kind, flags, stream = struct.unpack("!BBI", data[3:9])
        found.append((kind, flags, stream & 0x7fffffff, data[9:9 + length]))
        data = data[9 + length:]
    return found


def test_a_wrong_http2_preface_gets_settings_and_a_goaway(caplog):
    with running(application) as server:
        sock = connect(server)
        sock.sendall(b"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n")
        answer = read_until_closed(sock)
        sock.close()
    assert [kind for kind, _, _, _ in frames(answer)][0] == 4  # SETTINGS
    assert goaway_code(answer) == 1  # PROTOCOL_ERROR
    assert b"HTTP/1" not in answer and b"bytearray" not in answer
    assert "Invalid HTTP/2 preamble" in caplog.text


HEADERS = h2.connection.H2Connection().encoder.encode([
    (":method", "GET"), (":path", "/"), (":scheme", "http"),
    (":authority", "x")])


@pytest.mark.parametrize("attack, words", [
    (frame(1, 5, 1, b"\xff\xff\xff\xff"), "Error decoding header block"),
    (frame(0, 1, 5, b"hi"), "a DATA frame where none may come"),
    (frame(9, 4, 1, b""), "a frame on a stream never opened"),
    (frame(0, 0, 1, b"x" * 20000), "a frame larger than"),
])
def test_http2_errors_are_logged_in_words(attack, words, caplog):
    with running(application) as server:
        sock = connect(server)
        sock.sendall(PREFACE + SETTINGS + attack)
        assert goaway_code(read_until_closed(sock)) is not None
        sock.close()
    lines = [r.getMessage() for r in caplog.records
             if "protocol error" in r.getMessage()]
    assert len(lines) == 1 and words in lines[0], lines
    assert "<memory" not in lines[0] and "Invalid input" not in lines[0]


def test_http2_requests_follow_the_http1_rules(caplog):
    with running(application) as server:
        h2 = H2Client(connect(server), server.url, validate=False)
        info = json.loads(h2.get("/info", headers=[
            ("x_auth_user", "admin"), ("x-auth-user", "alice")]).body.decode())
        assert "HTTP_X_AUTH_USER" in info["fields"]
        assert info["host"] == server.url
        no_slash = h2.response(h2.request("GET", "index.html"))
        assert no_slash.status == 400 and b"path starting with /" in no_slash.body
        other_host = h2.get("/info", headers=[("host", "elsewhere.example")])
        assert other_host.reset == 1  # PROTOCOL_ERROR: that stream only
        upper = h2.get("/info", headers=[("X-Upper", "1")])
        assert upper.reset == 1
        stream = h2.conn.get_next_available_stream_id()
        h2.exchanges[stream] = Exchange()
        h2.conn.send_headers(stream, [(":method", "CONNECT"),
                                      (":authority", "example.com:443")],
                             end_stream=True)
        h2.flush()
        assert h2.response(stream).status == 501  # not a proxy
        assert h2.get("/info").status == 200  # the connection goes on
        h2.close()
    assert "mismatched :authority and Host" in caplog.text
    assert "stream reset" in caplog.text and "protocol error" not in caplog.text


def test_http2_underscore_fields_are_dropped_not_merged():
    with running(application) as server:
        h2 = H2Client(connect(server), server.url)
        info = json.loads(h2.get("/info", headers=[
            ("x_only_underscore", "1")]).body.decode())
        h2.close()
    assert "HTTP_X_ONLY_UNDERSCORE" not in info["fields"]


def read_until_eof(sock):
    """Everything until the server's FIN; a reset fails the test."""
    data = b""
    while True:
        chunk = sock.recv(65536)  # ECONNRESET would raise here
        if not chunk:
            return data
        data += chunk


def test_a_refused_request_is_read_to_its_answer_not_reset(caplog):
    """The client sends a bad request and much more before it reads: the
    server's close lingers, so the 400 arrives intact and the connection
    ends with a FIN, not a reset."""
    with running(application) as server:
        sock = connect(server)
        sock.sendall(b"GARBAGE\r\n\r\n" + b"x" * (1024 * 1024))
        sock.shutdown(socket.SHUT_WR)
        answer = read_until_eof(sock)
        sock.close()
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:100]


def test_a_frame_after_the_goaway_over_tls_meets_no_reset(certificate):  # noqa: F811
    """Seen with a real client: GOAWAY, then a PING.  The server, done with
    the connection, had closed it, so the PING drew a TCP reset -- which
    destroys whatever the client had not read yet.  The close lingers
    instead: late frames are read and dropped, the end is a FIN."""
    with running(application, tls=tls_context(*certificate)) as server:
        raw = socket.create_connection(("127.0.0.1", server.port), WAIT)
        sock = client_tls(["h2"]).wrap_socket(raw, server_hostname="127.0.0.1")
        h2 = H2Client(sock, server.url, scheme="https")
        assert h2.get("/info").status == 200
        sock.sendall(frame(7, 0, 0, struct.pack("!II", 1, 0)))  # GOAWAY
        assert tls_read_to_end(sock) is None  # the server's FIN
        # a PING, too late; past the TLS layer, which saw the end already
        plain = socket.fromfd(sock.fileno(), socket.AF_INET, socket.SOCK_STREAM)
        plain.sendall(frame(6, 0, 0, b"\x00" * 8))
        try:
            assert plain.recv(65536) == b""  # a reset would raise here
        except socket.error as error:
            pytest.fail("the late PING drew a reset: %s" % error)
        plain.close()
        sock.close()


def tls_read_to_end(sock):
    """Read until the end; None for an orderly one, else the error."""
    while True:
        try:
            if not sock.recv(65536):
                return None
        except ssl.SSLError as error:  # 2.7 + OpenSSL 3: a TCP FIN
            if "EOF" in str(error).upper():  # without TLS's close_notify
                return None  # is "unexpected eof": an end, not a reset
            return error
        except socket.error as error:
            return error


def test_auto_takes_httptools_only_where_it_answers_like_h11(monkeypatch):
    httptools = pytest.importorskip("httptools")
    if wire.PY2:
        pytest.skip("httptools is Python 3 only")
    monkeypatch.setattr(httptools, "__version__", "0.6.0")  # Python 3.7's
    assert wire.wire_class("auto") is wire.H11Wire
    with pytest.raises(UsageError) as refused:
        wire.wire_class("httptools")
    assert "httptools>=0.6.4" in str(refused.value)
    monkeypatch.setattr(httptools, "__version__", "0.7.0rc1")
    assert wire.wire_class("auto").name == "httptools"
