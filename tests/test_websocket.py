"""The WebSocket session over a real socket pair, peers speaking raw wsproto.

Each test plays the client by hand so it controls the exact frames: that is
how fragmentation, pings, protocol violations and limits are checked on the
wire rather than through our own client.
"""
import socket
import sys
import threading

import pytest
from wsproto.connection import Connection, ConnectionType
from wsproto.events import (
    BytesMessage, CloseConnection, Ping, Pong, TextMessage,
)

from process import run_bounded
from wsgi_ng.errors import (
    BodyError, ConnectionClosed, LocalProtocolError, MessageTooBig,
    StateError, Timeout,
)
from wsgi_ng.websocket import WebSocket
from wsgi_ng.wschannel import FrameChannel
from wsgi_ng.wsstream import SocketStream

WAIT = 5.0  # bound on every wait in this file


class RawPeer(object):
    """A hand-driven wsproto client on one end of the socket pair."""

    def __init__(self, sock):
        self.sock = sock
        self.sock.settimeout(WAIT)
        self.conn = Connection(ConnectionType.CLIENT)

    def send(self, event):
        self.sock.sendall(bytes(self.conn.send(event)))

    def events(self):
        """Read until at least one event arrives (or EOF)."""
        while True:
            data = self.sock.recv(65536)
            self.conn.receive_data(data or None)
            events = list(self.conn.events())
            if events or not data:
                return events


@pytest.fixture
def pair():
    server_sock, client_sock = socket.socketpair()
    channel = FrameChannel(SocketStream(server_sock), max_message_size=1024,
                           close_timeout=WAIT)
    session = WebSocket.connected(channel)
    yield session, RawPeer(client_sock)
    server_sock.close()
    client_sock.close()


def test_text_and_binary_messages_keep_their_type(pair):
    session, peer = pair
    peer.send(TextMessage(data=u"caf\u00e9"))
    peer.send(BytesMessage(data=b"\x00\x01"))
    assert session.receive(WAIT) == u"caf\u00e9"
    binary = session.receive(WAIT)
    assert binary == b"\x00\x01" and type(binary) is bytes
    session.send(u"\u2603")
    session.send(b"raw")
    events = peer.events()
    while len(events) < 2:
        events += peer.events()
    assert [(type(e), e.data) for e in events] == [
        (TextMessage, u"\u2603"), (BytesMessage, b"raw")]


def test_fragments_are_reassembled_into_one_message(pair):
    session, peer = pair
    peer.send(TextMessage(data=u"frag", message_finished=False))
    peer.send(TextMessage(data=u"men", message_finished=False))
    peer.send(TextMessage(data=u"ted"))
    assert session.receive(WAIT) == u"fragmented"


def test_pings_are_answered_without_the_app(pair):
    session, peer = pair
    peer.send(Ping(payload=b"are you there"))
    peer.send(TextMessage(data=u"after ping"))
    assert session.receive(WAIT) == u"after ping"
    events = peer.events()
    assert isinstance(events[0], Pong) and events[0].payload == b"are you there"


def test_app_ping_reaches_the_peer_and_the_pong_is_absorbed(pair):
    session, peer = pair
    session.ping(b"p1")
    ping = peer.events()[0]
    assert isinstance(ping, Ping) and ping.payload == b"p1"
    peer.send(ping.response())
    peer.send(TextMessage(data=u"next"))
    assert session.receive(WAIT) == u"next"


def test_peer_close_is_answered_and_reported_with_code_and_reason(pair):
    session, peer = pair
    peer.send(CloseConnection(code=4001, reason=u"bye now"))
    with pytest.raises(ConnectionClosed) as closed:
        session.receive(WAIT)
    assert (closed.value.code, closed.value.reason) == (4001, u"bye now")
    assert session.closed and session.close_code == 4001
    reply = peer.events()[0]
    assert isinstance(reply, CloseConnection) and reply.code == 4001
    assert peer.sock.recv(10) == b""  # the server closed the transport


def test_app_close_sends_code_and_reason_and_waits_for_the_reply(pair):
    session, peer = pair

    def answer_close():
        event = peer.events()[0]
        peer.send(event.response())
        answered.append(event)
    answered = []
    thread = threading.Thread(target=answer_close)
    thread.start()
    session.close(1001, u"going away")
    thread.join(WAIT)
    assert (answered[0].code, answered[0].reason) == (1001, u"going away")
    assert session.closed and session.close_code == 1001
    session.close()  # idempotent


def test_send_on_a_closed_session_raises_connection_closed(pair):
    session, peer = pair
    peer.send(CloseConnection(code=1000))
    with pytest.raises(ConnectionClosed):
        session.receive(WAIT)
    with pytest.raises(ConnectionClosed) as closed:
        session.send(u"too late")
    assert closed.value.code == 1000
    assert "1000" in str(closed.value)


def test_oversize_message_closes_with_1009_and_raises(pair):
    session, peer = pair
    peer.send(BytesMessage(data=b"x" * 600, message_finished=False))
    peer.send(BytesMessage(data=b"x" * 600))
    with pytest.raises(MessageTooBig) as too_big:
        session.receive(WAIT)
    assert "1024" in str(too_big.value)
    assert session.close_code == 1009
    close = peer.events()[0]
    assert isinstance(close, CloseConnection) and close.code == 1009


def test_text_size_is_counted_in_utf8_bytes(pair):
    session, peer = pair
    peer.send(TextMessage(data=u"\u2603" * 342))  # 1026 bytes, 342 chars
    with pytest.raises(MessageTooBig):
        session.receive(WAIT)


def test_receive_timeout_loses_nothing(pair):
    session, peer = pair
    peer.send(TextMessage(data=u"part one, ", message_finished=False))
    with pytest.raises(Timeout):
        session.receive(0.05)
    peer.send(TextMessage(data=u"part two"))
    assert session.receive(WAIT) == u"part one, part two"


def test_send_from_another_thread_while_receiving(pair):
    session, peer = pair
    received = []
    receiver = threading.Thread(
        target=lambda: received.append(session.receive(WAIT)))
    receiver.start()
    senders = [threading.Thread(target=session.send, args=(b"%d" % i * 100,))
               for i in range(8)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(WAIT)
    got = []
    while len(got) < 8:
        got += [e.data for e in peer.events()]
    assert sorted(got) == sorted(b"%d" % i * 100 for i in range(8))
    peer.send(TextMessage(data=u"done"))
    receiver.join(WAIT)
    assert received == [u"done"]


def test_abrupt_disconnect_is_1006(pair):
    session, peer = pair
    peer.sock.close()
    with pytest.raises(ConnectionClosed) as closed:
        session.receive(WAIT)
    assert closed.value.code == 1006


def test_protocol_violation_closes_with_1002():
    server_sock, client_sock = socket.socketpair()
    client_sock.settimeout(WAIT)
    session = WebSocket.connected(FrameChannel(SocketStream(server_sock)))
    # An unmasked text frame from a client breaks RFC 6455 section 5.1.
    client_sock.sendall(b"\x81\x02hi")
    with pytest.raises(ConnectionClosed) as closed:
        session.receive(WAIT)
    assert closed.value.code == 1002
    assert client_sock.recv(2)[:1] == b"\x88"  # a close frame came back
    client_sock.close()


def test_messages_must_be_text_or_bytes(pair):
    session, _ = pair
    with pytest.raises(BodyError):
        session.send(42)


def test_iteration_stops_at_close(pair):
    session, peer = pair
    peer.send(TextMessage(data=u"a"))
    peer.send(TextMessage(data=u"b"))
    peer.send(CloseConnection(code=1000))
    assert list(session) == [u"a", u"b"]


def test_iteration_stops_the_same_way_for_a_message_too_big(pair):
    session, peer = pair
    peer.send(TextMessage(data=u"a"))
    peer.send(BytesMessage(data=b"x" * 2048))  # the limit is 1024
    assert list(session) == [u"a"] and session.close_code == 1009


def test_send_text_and_send_bytes_never_mix_up_the_kinds(pair):
    session, peer = pair
    session.send_text(u"caf\u00e9")
    session.send_text("native")  # text on 3.x; UTF-8 bytes taken as text on 2.7
    session.send_bytes(b"\x00")
    session.send_bytes(bytearray(b"\x01"))
    session.send_bytes(memoryview(b"\x02"))
    kinds = []
    while len(kinds) < 5:
        kinds.extend((type(e).__name__, e.data) for e in peer.events())
    assert kinds == [("TextMessage", u"caf\u00e9"), ("TextMessage", u"native"),
                     ("BytesMessage", b"\x00"), ("BytesMessage", b"\x01"),
                     ("BytesMessage", b"\x02")]
    for wrong in (lambda: session.send_text(42),
                  lambda: session.send_bytes(u"text")):
        with pytest.raises(BodyError):
            wrong()


def test_timeout_and_connection_closed_are_also_builtin_errors(pair):
    """Framework code written for sockets catches these already."""
    session, peer = pair
    with pytest.raises(socket.timeout):
        session.receive(0.01)
    with pytest.raises(EnvironmentError):  # IOError / OSError
        peer.send(CloseConnection(code=1000))
        session.receive(WAIT)
    if str is not bytes:
        with pytest.raises(TimeoutError):  # noqa: F821 (Python 3)
            raise Timeout("x")
        with pytest.raises(ConnectionError):  # noqa: F821
            raise ConnectionClosed(1000)


class TestHandshake(object):
    def session(self, offered=("chat",)):
        self.calls = []

        def handshake(subprotocol, headers):
            self.calls.append((subprotocol, headers))
            return "channel"
        return WebSocket(offered, handshake)

    def test_accept_runs_the_hosts_handshake_once(self):
        session = self.session()
        session.accept("chat", [("X-Extra", "1")])
        assert self.calls == [("chat", [("X-Extra", "1")])]
        assert session.subprotocol == "chat" and session.state == "accepted"
        with pytest.raises(StateError):
            session.accept()

    def test_unoffered_subprotocol_is_refused(self):
        with pytest.raises(LocalProtocolError) as error:
            self.session().accept("mqtt")
        assert "not offered" in str(error.value) and self.calls == []

    def test_use_before_accept_is_a_state_error(self):
        session = self.session()
        for call in (lambda: session.send(u"x"), session.receive,
                     session.ping, lambda: session.send_text(u"x")):
            with pytest.raises(StateError):
                call()
        assert session.close_code is None and not session.closed

    def test_a_denial_by_status_then_accept_is_a_state_error(self):
        denied = self.session()
        assert denied.on_start_response("403 Forbidden") is False
        assert denied.closed and not denied.refused
        with pytest.raises(StateError):
            denied.accept()

    def test_close_before_accept_is_a_denial_the_host_answers(self):
        session = self.session()
        session.close(1008, "no")
        assert session.closed and session.refused and self.calls == []
        session.close()  # idempotent
        with pytest.raises(StateError):
            session.accept()
        # a framework's 101 is ignored: the host's 403 stands ...
        assert session.on_start_response("101 Switching Protocols") is True
        assert session.refused
        # ... while an HTTP answer of the app's own replaces it
        other = self.session()
        other.close()
        assert other.on_start_response("401 Unauthorized") is False
        assert not other.refused

    def test_after_accept_only_one_101_is_allowed(self):
        session = self.session()
        session.accept()
        assert session.on_start_response("101 Switching Protocols") is True
        for status in ("101 Switching Protocols", "200 OK", "403 Forbidden"):
            with pytest.raises(StateError) as error:
                session.on_start_response(status)
            assert "101" in str(error.value)

    def test_accept_headers_are_validated(self):
        with pytest.raises(LocalProtocolError):
            self.session().accept(headers=[("X-Bad", "a\r\nInjected: 1")])


def test_sending_to_a_vanished_peer_raises_connection_closed(pair):
    session, peer = pair
    peer.sock.close()
    with pytest.raises(ConnectionClosed) as closed:
        for _ in range(100):  # the first writes may still fit in the buffer
            session.send(b"x" * 65536)
    assert closed.value.code == 1006 and session.closed


def test_a_silent_peer_cannot_hold_the_receiver_after_our_close():
    """Shutdown closes sessions from another thread while the app receives;
    a peer that never answers the close frame releases it after
    close_timeout."""
    server_sock, client_sock = socket.socketpair()
    channel = FrameChannel(SocketStream(server_sock), close_timeout=0.3)
    outcome = []

    def app():
        try:
            channel.receive()
        except ConnectionClosed as closed:
            outcome.append(closed)
    receiver = threading.Thread(target=app)
    receiver.start()
    channel.close(1001)
    receiver.join(WAIT)
    assert not receiver.is_alive(), "the receiver is still waiting"
    assert len(outcome) == 1 and outcome[0].code in (1001, 1006)
    server_sock.close()
    client_sock.close()


class HandClock(object):
    """A clock the test turns by hand: it only notes what is scheduled."""

    def __init__(self):
        self.due = []

    def schedule(self, channel, when):
        self.due.append(when)


def pinged_channel(sock, clock):
    return FrameChannel(SocketStream(sock), ping_interval=20.0,
                        ping_timeout=10.0, clock=clock)


def test_keepalive_pings_and_closes_a_peer_silent_for_ping_timeout():
    server_sock, client_sock = socket.socketpair()
    clock = HandClock()
    channel = pinged_channel(server_sock, clock)
    ping_at = clock.due[0]
    assert channel.tick(ping_at - 1) == ping_at  # not yet
    assert channel.tick(ping_at) == ping_at + 10.0  # pinged: the deadline
    peer = RawPeer(client_sock)
    assert [type(event) for event in peer.events()] == [Ping]
    assert channel.tick(ping_at + 10.0) is None  # nothing came: silent
    assert channel.close_code == 1011 and channel.finished
    closes = [event for event in peer.events()
              if isinstance(event, CloseConnection)]
    assert closes[0].code == 1011
    client_sock.close()


def test_keepalive_keeps_a_peer_that_sent_anything_after_the_ping():
    server_sock, client_sock = socket.socketpair()
    clock = HandClock()
    channel = pinged_channel(server_sock, clock)
    ping_at = clock.due[0]
    channel.tick(ping_at)
    peer = RawPeer(client_sock)
    peer.send(TextMessage(data=u"busy, no pong yet"))
    # waiting unread in the socket counts, as does what was read
    assert channel.tick(ping_at + 10.0) == ping_at + 20.0
    assert channel.receive() == u"busy, no pong yet"
    assert not channel.closed
    server_sock.close()
    client_sock.close()


def test_a_ping_that_cannot_go_at_once_is_retried_then_given_up():
    """A send in progress: the ping waits for it instead of the peer being
    judged silent; a socket the peer stopped emptying: after ping_timeout
    the session is closed."""
    server_sock, client_sock = socket.socketpair()
    clock = HandClock()
    channel = pinged_channel(server_sock, clock)
    ping_at = clock.due[0]
    with channel._write_lock:  # another thread is sending
        retry = channel.tick(ping_at)
    assert ping_at < retry < ping_at + 1.0 and not channel.closed
    assert channel.tick(retry) == retry + 10.0  # the ping went now
    assert [type(event) for event in RawPeer(client_sock).events()] == [Ping]
    channel.tick(retry + 10.0)  # unanswered: closed
    assert channel.close_code == 1011
    client_sock.close()

    server_sock, client_sock = socket.socketpair()
    channel = pinged_channel(server_sock, clock)
    server_sock.setblocking(False)
    try:
        while True:  # fill the socket: the peer reads nothing
            server_sock.send(b"\x00" * 65536)
    except socket.error:
        pass
    server_sock.setblocking(True)
    ping_at = clock.due[-1]
    retry = channel.tick(ping_at)
    assert retry < ping_at + 1.0 and not channel.closed
    assert channel.tick(ping_at + 10.0) is None
    assert channel.close_code == 1011 and channel.finished
    client_sock.close()


def test_the_keepalive_clock_lets_the_process_exit_quietly():
    """Python 2.7 tears modules down under daemon threads: the clock's
    thread, busy at exit, raised into a torn-down module (2 exits in 6 of
    this child without the fix) or crashed the interpreter (1 in 3 of a
    2.7 test run) until exit waited for it."""
    child = (
        "import json, logging\n"
        "from wsgi_ng._compat import monotonic\n"
        "from wsgi_ng.keepalive import CLOCK\n"
        "class Busy(object):\n"
        "    tick_at = tick_seq = None\n"
        "    def tick(self, now):\n"
        "        json.dumps([now]); logging.getLogger('busy').debug('tick')\n"
        "        return now\n"
        "for _ in range(2000):\n"
        "    CLOCK.schedule(Busy(), monotonic())\n")
    for _ in range(4):  # the thread's timing varies: try it a few times
        code, output = run_bounded([sys.executable, "-c", child])
        assert code == 0 and output == "", output
