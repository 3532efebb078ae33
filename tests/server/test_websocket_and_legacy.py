"""WebSocket over HTTP/1.1 with the independent websocket-client library,
graceful shutdown, and legacy Django/Flask apps served unchanged over
HTTP/2."""
import hashlib
import json
import os
import threading
import time

import pytest
from wsproto.connection import Connection, ConnectionType
from wsproto.events import CloseConnection, TextMessage

import apps
from apps import application
from h2client import H2Client
from serving import WAIT, connect, read_until_closed, running

websocket = pytest.importorskip("websocket", reason="pip install websocket-client")
TEXT, BINARY = websocket.ABNF.OPCODE_TEXT, websocket.ABNF.OPCODE_BINARY


def test_websocket_over_http1_echo_and_close_codes():
    with running(application) as server:
        ws = websocket.create_connection("ws://%s/ws" % server.url, timeout=WAIT,
                                         subprotocols=["echo"])
        assert ws.subprotocol == "echo"
        ws.send(u"h\u00e9llo")
        assert ws.recv_data() == (TEXT, u"h\u00e9llo".encode("utf-8"))
        big = os.urandom(1024 * 1024)
        ws.send_binary(big)
        assert ws.recv_data() == (BINARY, big)
        ws.send(u"close:4001")
        opcode, data = ws.recv_data(control_frame=True)
        assert opcode == websocket.ABNF.OPCODE_CLOSE
        assert data[:2] == b"\x0f\xa1"  # 4001
        ws.close()


@pytest.mark.parametrize("ng", [True, None])  # None: contained, by default
def test_a_framework_style_view_and_a_refusal_over_http1(ng):
    with running(application, ng=ng) as server:
        ws = websocket.create_connection("ws://%s/framework-ws" % server.url,
                                         timeout=WAIT)
        ws.send(u"one")
        assert ws.recv() == u"one"
        ws.close()
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection("ws://%s/refuse" % server.url,
                                        timeout=WAIT)
        assert refused.value.status_code == 403


def extended_connect(h2, path):
    stream = h2.request("CONNECT", path, [("sec-websocket-version", "13")],
                        body=False, extra=[(":protocol", "websocket")])
    exchange = h2.exchanges[stream]
    while exchange.headers is None:
        h2.receive_once()
    return stream, exchange


def session_over_http2(server, path, text):
    """An h2 connection to *server* (SETTINGS exchanged, ``/info`` asked)
    with a WebSocket session on *path* that sent *text*; returns the
    client, the stream, the client's wsproto connection and the first
    events that came back."""
    h2 = H2Client(connect(server), server.url)
    assert h2.get("/info").status == 200  # SETTINGS have arrived
    stream, exchange = extended_connect(h2, path)
    assert exchange.status == 200
    client = Connection(ConnectionType.CLIENT)
    h2.send(stream, client.send(TextMessage(data=text)))
    events = []
    while not events:
        h2.receive_once()
        client.receive_data(exchange.body)
        del exchange.data[:]
        events = list(client.events())
    return h2, stream, client, events


@pytest.mark.parametrize("ng", [True, None])
def test_a_framework_style_view_and_a_refusal_over_http2(ng):
    with running(application, ng=ng) as server:
        h2, stream, client, events = session_over_http2(
            server, "/framework-ws", u"two")
        assert events[0].data == u"two"
        h2.send(stream, client.send(CloseConnection(code=1000)))
        h2.response(stream)
        _, refused = extended_connect(h2, "/refuse")
        assert refused.status == 403
        assert h2.get("/info").status == 200  # the connection goes on
        h2.close()


def test_a_plain_request_to_a_websocket_route_gets_the_fallback():
    with running(application) as server:
        sock = connect(server)
        sock.sendall(b"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = read_until_closed(sock)
    assert data.startswith(b"HTTP/1.1 426 ")
    assert b"fallback: no WebSocket on this host\n" in data


@pytest.mark.parametrize("path", ["/ws", "/served"])
def test_graceful_shutdown_closes_websockets_with_1001(path):
    """A session on the blocking API, or handed to a handler (its count
    ends with it)."""
    with running(application) as server:
        ws = websocket.create_connection("ws://%s%s" % (server.url, path),
                                         timeout=WAIT)
        ws.send(u"ping")
        assert ws.recv() == u"ping"
        stopper = threading.Thread(target=server.shutdown)
        stopper.start()
        opcode, data = ws.recv_data(control_frame=True)
        assert opcode == websocket.ABNF.OPCODE_CLOSE and data[:2] == b"\x03\xe9"
        ws.close()
        stopper.join(WAIT)
        assert server.wait_stopped(WAIT)
        assert server.sessions == 0


FIVE_MIB = os.urandom(5 * 1024 * 1024)


@pytest.mark.parametrize("framework", ["django", "flask"])
def test_legacy_framework_over_http2_gets_a_body_without_length(
        framework, request):
    pytest.importorskip(framework, reason="pip install %s" % framework)
    app = request.getfixturevalue(framework + "_app")
    with running(app, ng=None) as server:  # detected as legacy: contained
        h2 = H2Client(connect(server), server.url)
        reply = h2.response(h2.request("POST", "/upload", body=FIVE_MIB))
        h2.close()
    assert reply.status == 200, reply.body
    assert json.loads(reply.body.decode()) == {
        "length": len(FIVE_MIB), "sha256": hashlib.sha256(FIVE_MIB).hexdigest()}


def test_sigterm_style_shutdown_lets_a_request_in_flight_finish():
    apps.ENTERED.clear()
    apps.RELEASE.clear()
    with running(application, graceful_timeout=WAIT) as server:
        sock = connect(server)
        sock.sendall(b"GET /held HTTP/1.1\r\nHost: x\r\n\r\n")
        assert apps.ENTERED.wait(WAIT)  # the request is in the app now
        stopper = threading.Thread(target=server.shutdown)
        stopper.start()
        stopper.join(WAIT)
        apps.RELEASE.set()  # the request finishes after shutdown began
        data = read_until_closed(sock)
        sock.close()
    assert data.startswith(b"HTTP/1.1 200 ") and b"finished" in data


def test_shutdown_answers_a_request_still_arriving():
    """A connection whose request has begun to arrive when shutdown starts
    gets its answer: closed with those bytes unread, it would get a reset
    (seen under --reload, whose old server stops as the next request
    comes)."""
    with running(application, graceful_timeout=WAIT) as server:
        sock = connect(server)
        sock.sendall(b"GET /info HTTP/1.1\r\nHost: x\r\n")  # not ended yet
        idle = connect(server)  # nothing sent: closed at once, with a FIN
        deadline = time.time() + WAIT
        while len(server._open()) < 2 or not any(
                getattr(connection, "_head_began", None)
                for connection in server._open()):  # both taken, one read
            assert time.time() < deadline
            time.sleep(0.01)
        server.shutdown()
        assert read_until_closed(idle) == b""
        sock.sendall(b"\r\n")
        data = read_until_closed(sock)
        sock.close()
        idle.close()
    assert data.startswith(b"HTTP/1.1 200 ") and data.endswith(b"\r\n0\r\n\r\n")
