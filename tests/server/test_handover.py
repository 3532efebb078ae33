"""gunicorn's raw-socket handover (``wsgi_ng.server.handover``): apps that
already do WebSocket on WSGI -- flask-sock, simple-websocket, Flask-SocketIO
in threading mode -- run unchanged on the reference server over HTTP/1.1,
driven by clients nobody here wrote; after the app's session the server
writes nothing more and closes the connection cleanly.  Over HTTP/2 such an
app answers with its own fallback and the log says why, once."""
import logging
import sys

import pytest
from six.moves import http_client
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection, CloseConnection, Request, TextMessage,
)

from h2client import H2Client, H2WebSocket
from legacyws import raw_socket
from serving import WAIT, connect, read_until_closed, running

websocket = pytest.importorskip("websocket", reason="pip install websocket-client")
HANDSHAKE = {"Upgrade": "websocket", "Connection": "Upgrade",
             "Sec-WebSocket-Version": "13",
             "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
TEXT, BINARY = websocket.ABNF.OPCODE_TEXT, websocket.ABNF.OPCODE_BINARY


#: flask-sock, simple-websocket and python-engineio's threading-mode
#: WebSocket (which is simple-websocket) need Python 3.
PY3_ONLY = pytest.mark.skipif(sys.version_info[0] < 3, reason=(
    "flask-sock, simple-websocket and Flask-SocketIO's threading-mode "
    "WebSocket run on Python 3 only; raw_socket covers the handover on 2.7"))


def flask_sock_app():
    pytest.importorskip("flask_sock", reason="pip install flask-sock "
                        "(tox installs it on py311 and py313 only)")
    from legacyws.flask_sock_echo import app
    return app


def access_lines(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "wsgi_ng.access"]


@PY3_ONLY
def test_flask_sock_quickstart_echoes_for_websocket_client(caplog):
    caplog.set_level(logging.INFO, logger="wsgi_ng.access")
    with running(flask_sock_app(), ng=None) as server:
        ws = websocket.create_connection("ws://%s/echo" % server.url,
                                         timeout=WAIT)
        ws.send(u"h\u00e9llo")
        assert ws.recv_data() == (TEXT, u"h\u00e9llo".encode("utf-8"))
        ws.send_binary(b"\x00\x01\xff")
        assert ws.recv_data() == (BINARY, b"\x00\x01\xff")
        ws.close()
    assert [line for line in access_lines(caplog)
            if '"GET /echo HTTP/1.1" 101 ' in line], access_lines(caplog)


@pytest.mark.skipif(sys.version_info < (3, 8), reason="websockets needs 3.8+")
def test_flask_sock_quickstart_echoes_for_the_websockets_library():
    sync_client = pytest.importorskip("websockets.sync.client",
                                      reason="pip install websockets")
    with running(flask_sock_app(), ng=None) as server:
        with sync_client.connect("ws://%s/echo" % server.url,
                                 open_timeout=WAIT, close_timeout=WAIT) as ws:
            ws.send(u"from websockets")
            assert ws.recv(timeout=WAIT) == u"from websockets"
            ws.send(b"\x01\x02")
            assert ws.recv(timeout=WAIT) == b"\x01\x02"
        assert ws.protocol.close_code == 1000  # websockets 13 (3.8) has no
        # ws.close_code


@PY3_ONLY
def test_flask_socketio_threading_mode_exchanges_events():
    pytest.importorskip("flask_socketio", reason="pip install flask-socketio "
                        "(tox installs it on py311 and py313 only)")
    socketio = pytest.importorskip("socketio",
                                   reason="pip install python-socketio[client]")
    from six.moves import queue
    from legacyws.socketio_chat import app
    with running(app, ng=None) as server:
        got = queue.Queue()
        client = socketio.Client()
        client.on("my response", got.put)
        client.on("heard", got.put)
        client.connect("http://%s" % server.url, transports=["websocket"],
                       wait_timeout=WAIT)
        try:
            assert client.transport() == "websocket"
            client.emit("my event", {"data": "hello"})
            assert got.get(timeout=WAIT) == {"got": {"data": "hello"}}
            client.emit("shout", "hi all")
            assert got.get(timeout=WAIT) == "HI ALL"
        finally:
            client.disconnect()


def handshake(sock, path):
    """Open a WebSocket on *sock* with wsproto; returns the client's
    connection and the bytes that followed the 101."""
    client = WSConnection(ConnectionType.CLIENT)
    sock.sendall(client.send(Request(host="127.0.0.1", target=path)))
    while True:
        data = sock.recv(65536)
        assert data, "the server closed before answering the handshake"
        client.receive_data(data)
        events = list(client.events())
        if events:
            assert isinstance(events[0], AcceptConnection), events
            return client, events[1:]


def test_after_the_session_the_server_writes_nothing_and_closes_cleanly():
    with running(raw_socket.application, ng=None) as server:
        sock = connect(server)
        client, early = handshake(sock, "/echo")
        assert early == []
        sock.sendall(client.send(TextMessage(data=u"once")))
        sock.sendall(client.send(CloseConnection(code=1000)))
        client.receive_data(read_until_closed(sock))  # an EOF, not a reset
        events = list(client.events())
        assert [type(e) for e in events] == [TextMessage, CloseConnection]
        assert events[0].data == u"once" and events[1].code == 1000
        sock.close()


def test_a_session_that_ends_by_returning_ends_the_same(caplog):
    caplog.set_level(logging.INFO, logger="wsgi_ng.access")
    with running(raw_socket.application, ng=None) as server:
        sock = connect(server)
        client, _ = handshake(sock, "/returns")
        sock.sendall(client.send(CloseConnection(code=1000)))
        client.receive_data(read_until_closed(sock))
        assert [type(e) for e in client.events()] == [CloseConnection]
        sock.close()
    assert [line for line in access_lines(caplog)
            if '"GET /returns HTTP/1.1" 101 ' in line], access_lines(caplog)


def test_an_app_failing_after_the_takeover_is_logged_and_nothing_written(
        caplog):
    with running(raw_socket.application, ng=None) as server:
        sock = connect(server)
        handshake(sock, "/crash")
        assert read_until_closed(sock) == b""  # no 500 after the 101
        sock.close()
    assert "after it took the connection over" in caplog.text
    assert "ValueError: the app failed" in caplog.text


def test_an_app_that_only_looks_at_the_socket_answers_as_usual():
    with running(raw_socket.application, ng=None) as server:
        http = http_client.HTTPConnection("127.0.0.1", server.port,
                                          timeout=WAIT)
        answers = []
        for _ in range(2):  # the connection stays the server's: keep-alive
            http.request("GET", "/look", headers=HANDSHAKE)
            response = http.getresponse()
            answers.append((response.status, response.read()))
        http.close()
    assert answers == [(200, b"peer 127.0.0.1\n")] * 2


def test_a_wsgi_ng_app_gets_no_socket():
    with running(raw_socket.application, ng=True) as server:
        with pytest.raises(websocket.WebSocketBadStatusException) as answer:
            websocket.create_connection("ws://%s/echo" % server.url,
                                        timeout=WAIT)
        assert answer.value.status_code == 426


@PY3_ONLY
def test_over_http2_the_app_answers_its_own_way_and_the_log_says_why_once(
        caplog):
    with running(flask_sock_app(), ng=None) as server:
        h2 = H2Client(connect(server), server.url)
        answers = [H2WebSocket(h2, "/echo").status for _ in range(2)]
        h2.close()
    assert answers == [500, 500]  # flask-sock: no socket in the environ
    told = [r for r in caplog.records if "No socket is handed over" in
            r.getMessage()]
    assert len(told) == 1 and told[0].levelno == logging.WARNING
    assert "wsgi_ng.adapters.flask" in told[0].getMessage()
    assert "over HTTP/2" in told[0].getMessage()


def test_without_a_handover_the_same_app_fails_as_it_did():
    """What the handover fixes: the raw app answers 426 (no socket) when
    the server offers none -- here over HTTP/2."""
    with running(raw_socket.application, ng=None) as server:
        h2 = H2Client(connect(server), server.url)
        assert H2WebSocket(h2, "/echo").status == 426
        h2.close()


def test_on_shutdown_a_taken_over_session_is_cut_off_after_the_grace():
    with running(raw_socket.application, ng=None,
                 graceful_timeout=0.2) as server:
        sock = connect(server)
        client, _ = handshake(sock, "/echo")
        sock.sendall(client.send(TextMessage(data=u"still open")))
        client.receive_data(sock.recv(65536))
        assert [e.data for e in client.events()] == [u"still open"]
        server.shutdown()
        # cut off: no close frame of the server's own, nothing at all
        assert read_until_closed(sock) == b""
        sock.close()
