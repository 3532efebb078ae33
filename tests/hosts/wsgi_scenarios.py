"""Scenarios of to_wsgi on real WSGI servers that the ASGI bridges' tests
replay (tests/adapters/asgi): the same bytes through
``to_wsgi(from_asgi(to_asgi(app)))`` as with the app itself.  A helper
module, not a test module: what to_wsgi does on every server is the
compatibility matrix's (``test_matrix.py``).

The clients are independent of wsgi-ng: websocket-client for WebSocket,
raw sockets parsed by h11 where the exact bytes matter.
"""
import base64
import hashlib
import json
import os
import socket

import h11
import pytest
from wsproto.connection import Connection, ConnectionType
from wsproto.events import CloseConnection, TextMessage

from live import WAIT, LiveServer  # (and with it compat_matrix importable)
from compat_matrix.scenarios.websockets import read_to_eof
from wsgi_ng.hosting.client import read_until_closed

websocket = pytest.importorskip("websocket", reason="pip install websocket-client")

APP = "probe_app:application"
#: Servers that cannot decode a chunked request body: to_wsgi answers 411.
NO_CHUNKED = ["wsgiref"]


def sends_103(name):
    """gunicorn sends real 103s (wsgi.early_hints) from version 25 on."""
    if not name.startswith("gunicorn"):
        return False
    import gunicorn
    return gunicorn.version_info >= (25,)


def exchange(server, method, path, headers=(), body=b""):
    """One request on a fresh connection; returns h11 events (103s included)."""
    client = h11.Connection(h11.CLIENT)
    sock = server.connect()
    try:
        framing = [] if isinstance(body, bytes) else [
            ("Transfer-Encoding", "chunked")]
        request = h11.Request(method=method, target=path, headers=[
            ("Host", server.url), ("Connection", "close")] + list(headers)
            + framing)
        data = client.send(request)
        if isinstance(body, bytes):
            data += client.send(h11.Data(data=body)) if body else b""
            data += client.send(h11.EndOfMessage())
            sock.sendall(data)
        else:  # an iterable: sent chunked as it is produced
            try:
                sock.sendall(data)
                for chunk in body:
                    sock.sendall(client.send(h11.Data(data=chunk)))
                sock.sendall(client.send(h11.EndOfMessage()))
            except socket.error:  # the server answered early (411, 413)
                pass
        events = []
        while True:
            event = client.next_event()
            if event is h11.NEED_DATA:
                client.receive_data(sock.recv(65536))
                continue
            events.append(event)
            if isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                return events
    finally:
        sock.close()


def response_of(events):
    final = [e for e in events if isinstance(e, h11.Response)][0]
    headers = dict((n.decode().lower(), v.decode()) for n, v in final.headers)
    body = b"".join(bytes(e.data) for e in events if isinstance(e, h11.Data))
    return final.status_code, headers, body


TEXT, BINARY = websocket.ABNF.OPCODE_TEXT, websocket.ABNF.OPCODE_BINARY


def ws_url(server, path="/ws"):
    return "ws://%s%s" % (server.url, path)


def websocket_echo(name, app=APP):
    """Text, binary and a mebibyte on a subprotocol, a framework's session,
    a refusal (403); the server serves on."""
    with LiveServer(name, app) as server:
        ws = websocket.create_connection(ws_url(server), timeout=WAIT,
                                         subprotocols=["echo"])
        try:
            ws.send(u"h\u00e9llo")
            assert ws.recv_data() == (TEXT, u"h\u00e9llo".encode("utf-8"))
            ws.send_binary(b"\x00\xff\x10")
            assert ws.recv_data() == (BINARY, b"\x00\xff\x10")
            big = os.urandom(1024 * 1024)
            ws.send_binary(big)
            assert ws.recv_data() == (BINARY, big)
            assert ws.subprotocol == "echo"
        finally:
            ws.close(status=4000, reason=b"bye")
        framework = websocket.create_connection(ws_url(server, "/framework-ws"),
                                                timeout=WAIT)
        framework.send(u"once")
        assert framework.recv() == u"once"
        framework.close()
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(ws_url(server, "/refuse"), timeout=WAIT)
        assert refused.value.status_code == 403
        assert server_is_still_serving(server)
    assert "Traceback" not in server.final_output, server.final_output


def server_is_still_serving(server):
    status, _, body = response_of(exchange(server, "GET", "/features"))
    return status == 200 and b"features" in body


def raw_handshake(server):
    key = base64.b64encode(os.urandom(16)).decode()
    sock = server.connect()
    sock.sendall((
        "GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n" % (server.url, key)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        data = sock.recv(1)
        assert data, "connection closed during the handshake: %r" % head
        head += data
    assert head.startswith(b"HTTP/1.1 101 "), head
    expected = base64.b64encode(hashlib.sha1(
        (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
    fields = dict(line.split(b": ", 1) for line in head.split(b"\r\n")[1:] if line)
    accept = dict((name.lower(), value) for name, value in fields.items())
    assert accept[b"sec-websocket-accept"] == expected  # names are case-blind
    return sock


def close_handshake(name, initiator, app=APP):
    """The closing handshake started by either side, and nothing written
    after it."""
    with LiveServer(name, app) as server:
        sock = raw_handshake(server)
        conn = Connection(ConnectionType.CLIENT)
        if initiator == "client":
            sock.sendall(bytes(conn.send(CloseConnection(code=4000, reason=u"bye"))))
            expected = 4000
        else:
            sock.sendall(bytes(conn.send(TextMessage(data=u"close:1001"))))
            expected = 1001
        events, after_close = read_to_eof(sock, conn)
        closes = [e for e in events if isinstance(e, CloseConnection)]
        assert [c.code for c in closes] == [expected]
        assert after_close == b"", "the server wrote after the session"
        sock.close()
        assert server_is_still_serving(server)
    assert "Traceback" not in server.final_output, server.final_output


def no_websocket_fallback(name, app=APP):
    """A host without WebSocket: the app's own fallback answers."""
    with LiveServer(name, app) as server:
        events = exchange(server, "GET", "/ws", headers=[
            ("Upgrade", "websocket"), ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ("Sec-WebSocket-Version", "13")])
        status, _, body = response_of(events)
        assert (status, body) == (426, b"fallback: no WebSocket on this host\n")


def header_values_without_surrounding_whitespace(server):
    sock = server.connect()
    sock.sendall(("GET /cookie HTTP/1.1\r\nHost: %s\r\nConnection: close"
                  "\r\n\r\n" % server.url).encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, "closed before the response head: %r" % data
        data += chunk
    sock.close()
    head = data.split(b"\r\n\r\n")[0].lower()
    assert head.startswith(b"http/1."), head
    assert b"\r\nset-cookie: probe=1; path=/" in head, head


def push_degrades_on_the_wire(server):
    events = exchange(server, "GET", "/page")
    status, headers, body = response_of(events)
    hints = [e for e in events if isinstance(e, h11.InformationalResponse)]
    assert status == 200 and body == b"<h1>probe</h1>"
    assert headers["link"] == "</app.css>; rel=preload; as=style"  # always
    if sends_103(server.name):  # a real 103 via wsgi.early_hints
        assert [h.status_code for h in hints] == [103]
        assert (b"link", b"</app.css>; rel=preload; as=style") in hints[0].headers
        assert headers["x-push"] == "early_hint"
    else:
        assert hints == []
        assert headers["x-push"] == "link"


def no_103_to_an_http10_client(server):
    """gunicorn's wsgi.early_hints drops hints for HTTP/1.0 clients (as
    behind nginx's default upstream protocol): never report one."""
    sock = server.connect()
    sock.sendall(b"GET /page HTTP/1.0\r\nHost: x\r\n\r\n")
    data = read_until_closed(sock)
    sock.close()
    assert b" 103 " not in data.split(b"\r\n", 1)[0], data
    head = data.split(b"\r\n\r\n")[0].lower() + b"\r\n"
    assert b"\r\nx-push: link\r\n" in head, head


FIVE_MIB = os.urandom(5 * 1024 * 1024)


def chunked_upload(server):
    chunks = (FIVE_MIB[i:i + 65536] for i in range(0, len(FIVE_MIB), 65536))
    status, _, body = response_of(exchange(server, "POST", "/upload", body=chunks))
    if server.name in NO_CHUNKED:  # cannot decode chunked bodies: honest 411
        assert status == 411
        return
    assert status == 200
    assert json.loads(body.decode()) == {
        "length": len(FIVE_MIB), "sha256": hashlib.sha256(FIVE_MIB).hexdigest()}
