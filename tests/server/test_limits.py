"""Each HTTP/2 and WebSocket limit attacked over a real socket: the
offending connection gets the protocol's error, the server stays up and
other connections are unaffected."""
import os
import socket
import struct
import subprocess
import time

import h2.connection
import pytest
from wsproto.connection import Connection, ConnectionType
from wsproto.events import BytesMessage, CloseConnection

from apps import application
from h2client import H2Client
from serving import WAIT, connect, read_until_closed, running

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
SETTINGS = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"


def frame(kind, flags, stream_id, payload):
    return struct.pack("!I", len(payload))[1:] + struct.pack(
        "!BBI", kind, flags, stream_id) + payload


def goaway_code(data):
    """The error code of the first GOAWAY frame in *data*, or None."""
    while len(data) >= 9:
        length = struct.unpack("!I", b"\x00" + data[:3])[0]
        if data[3:4] == b"\x07":
            return struct.unpack("!I", data[13:17])[0]
        data = data[9 + length:]
    return None


def still_serving(server):
    h2 = H2Client(connect(server), server.url)
    status = h2.get("/info").status
    h2.close()
    return status == 200


def header_block(fields):
    """An HPACK block from a fresh client encoder."""
    return h2.connection.H2Connection().encoder.encode(fields)


def test_continuation_flood_gets_goaway():
    with running(application) as server:
        sock = connect(server)
        block = header_block([(":method", "GET"), (":path", "/"),
                              (":scheme", "http"), (":authority", "x")])
        flood = frame(1, 0, 1, block)  # HEADERS without END_HEADERS
        flood += b"".join(frame(9, 0, 1, b"\x00") for _ in range(200))
        sock.sendall(PREFACE + SETTINGS + flood)
        assert goaway_code(read_until_closed(sock)) is not None
        assert still_serving(server)


def test_too_many_concurrent_streams_gets_goaway():
    with running(application, max_concurrent_streams=5) as server:
        sock = connect(server)
        encoder = h2.connection.H2Connection().encoder  # one HPACK context
        opened = b"".join(frame(1, 4, stream_id, encoder.encode([
            (":method", "POST"), (":path", "/upload"), (":scheme", "http"),
            (":authority", "x")])) for stream_id in range(1, 17, 2))
        sock.sendall(PREFACE + SETTINGS + opened)  # 8 open streams, 5 allowed
        assert goaway_code(read_until_closed(sock)) is not None
        assert still_serving(server)


def test_oversized_header_list_gets_goaway():
    with running(application, max_header_size=4096) as server:
        client = H2Client(connect(server), server.url)
        client.get("/info")  # our SETTINGS (max header list size) acked
        client.request("GET", "/info", [("x-big", "a" * 8000)])
        assert goaway_code(read_until_closed(client.sock)) is not None
        assert still_serving(server)


def test_websocket_message_over_the_limit_gets_1009():
    with running(application, max_message_size=1000) as server:
        sock = connect(server)
        ws = Connection(ConnectionType.CLIENT)
        sock.sendall(b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                     b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
        head = b""
        while b"\r\n\r\n" not in head:
            head += sock.recv(1)
        assert head.startswith(b"HTTP/1.1 101 ")
        sock.sendall(ws.send(BytesMessage(data=os.urandom(5000))))
        closes = []
        while not closes:
            data = sock.recv(65536)
            assert data, "closed without a close frame"
            ws.receive_data(data)
            closes = [e for e in ws.events() if isinstance(e, CloseConnection)]
        assert closes[0].code == 1009
        sock.close()
        assert still_serving(server)


def test_websockets_library_echo():
    sync_client = pytest.importorskip(
        "websockets.sync.client", reason="pip install websockets (Python 3.8+)")
    with running(application) as server:
        with sync_client.connect("ws://%s/ws" % server.url,
                                 open_timeout=WAIT) as ws:
            ws.send(u"from websockets")
            assert ws.recv(timeout=WAIT) == u"from websockets"
            ws.send(b"\x00\x01")
            assert ws.recv(timeout=WAIT) == b"\x00\x01"
            # websockets offers compression: wsproto's permessage-deflate
            extensions = ws.response.headers.get("Sec-WebSocket-Extensions", "")
            assert extensions.startswith("permessage-deflate")
            ws.send(u"squeeze " * 1000)  # a compressible message round trip
            assert ws.recv(timeout=WAIT) == u"squeeze " * 1000


def test_h2load_smoke():
    if subprocess.call(["which", "h2load"], stdout=subprocess.PIPE) != 0:
        pytest.skip("h2load is not installed: apt-get install nghttp2-client")
    with running(application) as server:
        process = subprocess.Popen(
            ["h2load", "-n", "2000", "-c", "8", "-m", "10", "-T", str(int(WAIT)),
             "http://%s/info" % server.url],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out = process.communicate()[0].decode()
    assert "2000 succeeded, 0 failed, 0 errored" in out, out
    assert "status codes: 2000 2xx" in out, out


def test_tcp_reset_mid_response_leaves_the_server_serving():
    with running(application) as server:
        sock = connect(server)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 0))  # close = RST
        sock.sendall(b"POST /upload HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Length: 1000000\r\n\r\n" + b"x" * 1000)
        sock.close()
        assert still_serving(server)


def test_a_client_that_stops_reading_is_dropped_after_send_timeout():
    with running(application, send_timeout=0.5) as server:
        sock = connect(server)
        sock.sendall(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(1.5)  # the attack: read nothing while the server writes
        received = 0
        while True:
            chunk = sock.recv(1 << 20)
            if not chunk:
                break
            received += len(chunk)
        assert received < 64 * 1024 * 1024  # cut off, not delivered
        sock.close()
        assert still_serving(server)


def test_http2_client_that_stops_reading_gets_its_stream_cancelled():
    """Flow control: the server sends what the window allows, waits
    send_timeout for a window update, then resets only that stream."""
    with running(application, send_timeout=0.5) as server:
        h2 = H2Client(connect(server), server.url, acknowledge=False)
        stream = h2.request("GET", "/big")
        reply = h2.response(stream)  # returns once the stream is reset
        assert reply.reset == 8  # CANCEL
        assert len(reply.body) <= 65535  # never more than the window
        h2.close()
        assert still_serving(server)
