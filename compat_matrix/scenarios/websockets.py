"""WebSocket: an echo (text, binary, a mebibyte, a subprotocol), the close
handshake with codes from either side and nothing written after it, a
denial with the app's own status and one by ``close()`` before
``accept()``, and flask-sock's own example, which takes the socket itself.

Over HTTP/1.1 the client is websocket-client (or, where the bytes after the
close matter, a raw socket framed by wsproto); over HTTP/2 an RFC 8441
extended CONNECT framed by wsproto.  A host that offers no WebSocket shows
as ``unavailable`` with the app's fallback as evidence.
"""
import base64
import errno
import hashlib
import os
import socket
import sys

from wsproto.connection import Connection, ConnectionState, ConnectionType
from wsproto.events import CloseConnection, TextMessage

from compat_matrix.cells import degraded, unavailable
from compat_matrix.scenarios import scenario
from wsgi_ng._compat import module_exists
from wsgi_ng.hosting.client import WAIT, open_socket
from wsgi_ng.hosting.h2client import H2Client, H2WebSocket

KEY = "dGhlIHNhbXBsZSBub25jZQ=="
HANDSHAKE = [("Upgrade", "websocket"), ("Connection", "Upgrade"),
             ("Sec-WebSocket-Key", KEY), ("Sec-WebSocket-Version", "13")]
MEBIBYTE = hashlib.sha256(b"a mebibyte").digest() * (1 << 15)
MESSAGES = [u"h\u00e9llo", b"\x00\xff\x10", MEBIBYTE]


def websocket_client():
    import websocket
    return websocket


def refused(target, status, error=None):
    """The handshake came back as plain HTTP: the app's fallback where the
    host offers no WebSocket (the probe's 426; flask-sock's own answer,
    whatever it is), else a failure."""
    fallback = 426 if target.scenario != "flask-sock" else status
    target.expect(status is not None and status == fallback,
                  "the handshake got %s" % (error or status))
    raise unavailable("no WebSocket here: the app's fallback answered %d"
                      % status if fallback == 426 else
                      "flask-sock answered %d: no socket to take over" % status)


def h2_connection(target):
    """An HTTP/2 connection whose SETTINGS have come; ``unavailable``
    when they do not offer extended CONNECT (RFC 8441)."""
    h2 = H2Client(open_socket(target.live.port, tls=target.host.tls),
                  target.live.url, scheme=target.live.scheme)
    h2.get(target.hello)
    if not h2.remote_settings.enable_connect_protocol:
        h2.close()
        target.record.note("< SETTINGS without ENABLE_CONNECT_PROTOCOL")
        raise unavailable("no WebSocket over HTTP/2: the server offers no "
                          "extended CONNECT (RFC 8441)")
    return h2


def h2_session(target, h2, path, headers=()):
    """An extended CONNECT on *h2*; the session once accepted (200)."""
    target.record.note("> CONNECT %s (:protocol websocket)" % path)
    ws = H2WebSocket(h2, path, headers)
    target.record.note("< %d" % ws.status)
    if ws.status != 200:
        reply = h2.response(ws.stream)
        target.record.note("< body: %s" % reply.body.decode("latin-1")[:80])
        refused(target, ws.status)
    return ws


def still_serving(target, h2):
    """The shared connection still carries streams after a session."""
    reply = h2.get(target.hello)
    target.expect(reply.headers is not None and h2.terminated is None,
                  "the connection was lost with the session")


@scenario("websocket-echo", "WebSocket echo")
def websocket_echo(target):
    """Text, binary and a mebibyte on a subprotocol; then a view that ends
    as Django's and werkzeug's do, with a 101 after ``accept()``."""
    echo = echo_h2 if target.host.http2 else echo_h1
    echo(target, "/websocket-echo/ws")
    echo(target, "/websocket-echo/framework", subprotocol=None, messages=[
        u"once"])


def echo_h1(target, path, subprotocol="echo", messages=MESSAGES):
    websocket = websocket_client()
    url = "ws://%s%s" % (target.live.url, path)
    target.record.note("> websocket-client %s" % path)
    try:
        ws = websocket.create_connection(url, timeout=WAIT, subprotocols=[
            subprotocol] if subprotocol else None)
    except websocket.WebSocketBadStatusException:
        reply = target.get(path, HANDSHAKE)
        refused(target, reply.status, reply.error)
    try:
        for message in messages:
            if isinstance(message, bytes):
                ws.send_binary(message)
            else:
                ws.send(message)
            opcode, data = ws.recv_data()
            expected = message if isinstance(message, bytes) else \
                message.encode("utf-8")
            target.expect(data == expected, "a message came back changed")
            target.record.note("< echoed %s message of %d bytes" % (
                "a text" if opcode == websocket.ABNF.OPCODE_TEXT else
                "a binary", len(data)))
        if subprotocol:
            target.expect(ws.subprotocol == subprotocol,
                          "the subprotocol was %s" % ws.subprotocol)
    finally:
        ws.close()


def echo_h2(target, path, subprotocol="echo", messages=MESSAGES):
    h2 = h2_connection(target)
    try:
        ws = h2_session(target, h2, path, [
            ("sec-websocket-protocol", subprotocol)] if subprotocol else [])
        for message in messages:
            ws.send(message)
            echoed = ws.receive()
            target.expect(echoed == message, "a message came back changed")
            target.record.note("< echoed %s message of %d bytes" % (
                "a binary" if isinstance(echoed, bytes) else "a text",
                len(echoed if isinstance(echoed, bytes) else
                    echoed.encode("utf-8"))))
        if subprotocol:
            chosen = ws.exchange.header("sec-websocket-protocol")
            target.expect(chosen == subprotocol,
                          "the subprotocol was %s" % chosen)
        ws.close()
        still_serving(target, h2)
    finally:
        h2.close()


@scenario("websocket-close", "WebSocket close codes, from either side")
def websocket_close(target):
    for initiator, code in (("client", 4000), ("server", 1001)):
        if target.host.http2:
            close_h2(target, initiator, code)
        else:
            close_h1(target, initiator, code)


def close_h1(target, initiator, code):
    sock = raw_handshake(target, "/websocket-close/ws")
    try:
        conn = Connection(ConnectionType.CLIENT)
        sock.sendall(bytes(conn.send(CloseConnection(code=code, reason=u"bye"))
                           if initiator == "client" else
                           conn.send(TextMessage(data=u"close:%d" % code))))
        events, after_close = read_to_eof(sock, conn)
    finally:
        sock.close()
    closes = [int(e.code) for e in events if isinstance(e, CloseConnection)]
    target.record.note("< close code %s, then %s, then the end" % (
        " and ".join(map(str, closes)) or "none",
        "%d bytes more" % len(after_close) if after_close else "nothing"))
    target.expect(after_close == b"", "the server wrote after the session")
    if initiator == "client" and len(closes) == 1 and closes != [code]:
        # RFC 6455 5.5.1: the answer "typically echoes" the code (daphne's
        # is always 1000): the session still ended cleanly
        raise degraded("the client's close %d answered with %d" % (
            code, closes[0]))
    target.expect(closes == [code], "the %s's close %d came back as %s" % (
        initiator, code, closes))


def raw_handshake(target, path):
    """A handshake written by hand; the socket once the 101 came."""
    sock = open_socket(target.live.port)
    fields = "".join("%s: %s\r\n" % pair for pair in HANDSHAKE)
    head = "GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n" % (
        path, target.live.url, fields)
    sock.sendall(head.encode("latin-1"))
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(1)
        if not chunk:
            break
        data += chunk
    status = data.split(b" ", 2)[1:2]
    if status != [b"101"]:
        sock.close()
        reply = target.get(path, HANDSHAKE)
        refused(target, reply.status, reply.error)
    expected = base64.b64encode(hashlib.sha1(
        (KEY + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
    fields = dict((name.strip().lower(), value.strip()) for name, _, value in (
        line.partition(b":") for line in data.split(b"\r\n")[1:] if line))
    target.expect(fields.get(b"sec-websocket-accept") == expected,
                  "the 101 carried a wrong Sec-WebSocket-Accept")
    return sock


def read_to_eof(sock, conn):
    """Events until the server closes the TCP connection, answering its
    close frame at once as a client must; and the bytes after the server's
    close frame.  Once that frame came, a reset ends the reading as the
    close would: the server closed without waiting for the answer (granian
    does at times, under load), and the session's close code is known."""
    events, after_close = [], b""
    while True:
        try:
            data = sock.recv(65536)
        except socket.error as error:
            if _closed(events) and error.errno in _RESET:
                return events, after_close
            raise
        if not data:
            return events, after_close
        if _closed(events):
            after_close += data
            continue
        conn.receive_data(data)
        for event in conn.events():
            events.append(event)
            if isinstance(event, CloseConnection) and \
                    conn.state is ConnectionState.REMOTE_CLOSING:
                try:
                    sock.sendall(bytes(conn.send(event.response())))
                except socket.error as error:
                    if error.errno not in _RESET:
                        raise
                    return events, after_close


#: How a peer that closed first answers a send or a read.
_RESET = (errno.EPIPE, errno.ECONNRESET)


def _closed(events):
    return any(isinstance(e, CloseConnection) for e in events)


def close_h2(target, initiator, code):
    h2 = h2_connection(target)
    try:
        ws = h2_session(target, h2, "/websocket-close/ws")
        if initiator == "client":
            closed = int(ws.close(code).code)
        else:
            ws.send(u"close:%d" % code)
            event = ws.next_event()
            closed = int(event.code) if isinstance(event, CloseConnection) \
                else None
            if closed is not None:
                h2.send(ws.stream, ws.ws.send(event.response()))
        target.record.note("< close code %s" % closed)
        target.expect(closed == code, "the %s's close %d came back as %s" % (
            initiator, code, closed))
        still_serving(target, h2)
    finally:
        h2.close()


@scenario("websocket-denial", "A WebSocket denied: by the app's own "
          "status, by close() before accept()")
def websocket_denial(target):
    if target.host.http2:
        h2 = h2_connection(target)
        try:
            denials = [h2_denial(target, h2, path) for path in (
                "/websocket-denial/deny", "/websocket-denial/refuse")]
        finally:
            h2.close()
    else:
        denials = [target.get(path, HANDSHAKE) for path in (
            "/websocket-denial/deny", "/websocket-denial/refuse")]
        denials = [(reply.status, reply.body) for reply in denials]
    bare = denials[0] == (403, b"")  # the status kept, its body lost
    target.expect(bare or denials[0] == (403, b"no WebSocket for you\n"),
                  "the app's own denial came as %s" % (denials[0],))
    if denials[1][0] == 426:
        raise unavailable("no WebSocket here: the app's own 403 came as "
                          "plain HTTP, close() before accept() cannot be asked")
    target.expect(denials[1][0] == 403, "close() before accept() got %s" % (
        denials[1][0],))
    if bare:  # an ASGI server without websocket.http.response (daphne)
        raise degraded("the app's own 403 came without its body")


def h2_denial(target, h2, path):
    target.record.note("> CONNECT %s (:protocol websocket)" % path)
    exchange = h2.response(h2.request(
        "CONNECT", path, [("sec-websocket-version", "13")], body=False,
        extra=[(":protocol", "websocket")]))
    target.record.note("< %s, body: %s" % (
        exchange.status if exchange.headers else "reset",
        exchange.body.decode("latin-1")))
    return (exchange.status if exchange.headers else None), exchange.body


def flask_sock_needed():
    """flask-sock is Python 3 only."""
    if sys.version_info[0] < 3:
        return "unavailable", "flask-sock needs Python 3"
    if not module_exists("flask_sock"):
        return "not-run", "flask-sock is not installed here: pip install " \
            "flask-sock"
    return None


LEGACY_WS = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                         os.pardir, "tests", "legacyws")


@scenario("flask-sock", "flask-sock's own example (it takes the socket)",
          needs=flask_sock_needed, own_app=("flask_sock_echo:app", LEGACY_WS))
def flask_sock(target):
    """Served as its users serve it: it takes ``gunicorn.socket`` where the
    host offers one; elsewhere its own answer shows."""
    (echo_h2 if target.host.http2 else echo_h1)(
        target, target.mount + "/echo", subprotocol=None)
