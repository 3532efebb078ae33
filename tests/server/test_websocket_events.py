"""WebSocket sessions on the reference server beyond the blocking API:
sessions handed to a handler (``ws.serve()``) over HTTP/1.1 and HTTP/2,
and holding no thread while they wait (in this process, and counted in a
server process's /proc tasks); keepalive closing a silent peer;
the bound on the partial messages all sessions hold.  Real clients over
real sockets: websocket-client, wsproto on a raw socket, an h2 client."""
import collections
import os
import threading

import pytest
from six import text_type
from six.moves import queue
from wsproto.events import CloseConnection, Ping, TextMessage

from serving import (
    WAIT, events_until_closed, raw_session, running, serve_command,
)
from test_websocket_and_legacy import session_over_http2

websocket = pytest.importorskip("websocket", reason="pip install websocket-client")
TEXT = websocket.ABNF.OPCODE_TEXT
SERVER_TESTS = os.path.dirname(os.path.abspath(__file__))
#: Where a server in a child process listens, as the helpers want it.
Address = collections.namedtuple("Address", "port url")

#: The close code of each session that ended, as its app saw it.
CLOSED = queue.Queue()


class Echo(object):
    """The echo as a handler; ``close:CODE`` closes."""

    def on_message(self, ws, message):
        if isinstance(message, text_type) and message.startswith(u"close:"):
            ws.close(int(message[6:]))
        else:
            ws.send(message)

    def on_close(self, ws, code, reason):
        CLOSED.put(code)


def plain(start_response):
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", "3")])
    return [b"ok\n"]


def served(environ, start_response):
    ws = environ.get("ng.websocket")
    if ws is None:
        return plain(start_response)
    ws.accept()
    ws.serve(Echo())
    return []


def blocking(environ, start_response):
    ws = environ.get("ng.websocket")
    if ws is None:
        return plain(start_response)
    ws.accept()
    for message in ws:
        ws.send(message)
    CLOSED.put(ws.close_code)
    return []


def closed_code():
    return CLOSED.get(timeout=WAIT)


@pytest.fixture(autouse=True)
def no_close_left_over():
    """A failed test's sessions may close after it ended."""
    while not CLOSED.empty():
        CLOSED.get()


def test_a_served_session_over_http1_echoes_and_its_handler_sees_the_close():
    with running(served) as server:
        ws = websocket.create_connection("ws://%s/" % server.url, timeout=WAIT)
        ws.send(u"h\u00e9llo")
        assert ws.recv_data() == (TEXT, u"h\u00e9llo".encode("utf-8"))
        big = os.urandom(256 * 1024)
        ws.send_binary(big)
        assert ws.recv_data() == (websocket.ABNF.OPCODE_BINARY, big)
        ws.send(u"close:4001")
        opcode, data = ws.recv_data(control_frame=True)
        assert opcode == websocket.ABNF.OPCODE_CLOSE and data[:2] == b"\x0f\xa1"
        ws.close()
        assert closed_code() == 4001
        other = websocket.create_connection("ws://%s/" % server.url,
                                            timeout=WAIT)
        other.send(u"again")
        assert other.recv() == u"again"
        other.close()  # the client closes: on_close gets its code
        assert closed_code() == 1000


def test_a_served_session_over_http2():
    with running(served) as server:
        h2, stream, client, events = session_over_http2(server, "/", u"two")
        assert events[0].data == u"two"
        h2.send(stream, client.send(CloseConnection(code=4002)))
        assert closed_code() == 4002
        h2.response(stream)
        h2.close()


def sessions_open(server, count):
    """*count* sessions, each with one message echoed (so its app call has
    returned, for a served session)."""
    sessions = []
    for number in range(count):
        ws = websocket.create_connection("ws://%s/" % server.url, timeout=WAIT)
        sessions.append(ws)
        ws.send(u"%d" % number)
        assert ws.recv() == u"%d" % number
    return sessions


@pytest.mark.parametrize("app", [served, blocking])
def test_idle_served_sessions_hold_no_thread(app):
    """16 idle sessions handed to a handler add no thread of their own
    (the pool may grow to its cap of 4); on the blocking API (the check
    that this could fail) each holds one."""
    count = 16
    with running(app, threads=4) as server:
        sessions_open(server, 1)[0].close()  # the pool and the clock are up
        assert closed_code() == 1000
        before = threading.active_count()
        sessions = sessions_open(server, count)
        added = threading.active_count() - before
        for ws in sessions:
            ws.close()
        for _ in sessions:
            assert closed_code() == 1000
    if app is served:  # at most the pool's 4 threads and its reserve,
        # started when a loaded machine made calls look blocked
        assert added <= 5, "%d idle served sessions added %d threads" % (
            count, added)
    else:  # (threads of earlier tests' servers may end meanwhile)
        assert added > count // 2


@pytest.mark.parametrize("app", [served, blocking])
def test_a_silent_peer_is_closed_with_1011_after_the_ping_timeout(app):
    """The client takes the session and then never reads nor answers: the
    server pings it, and after ping_timeout closes with 1011 -- the
    blocking app's receive ends, a handler's on_close is called."""
    with running(app, ws_ping_interval=0.2, ws_ping_timeout=0.3) as server:
        sock, client = raw_session(server.port)
        assert closed_code() == 1011  # the app's side ended: the thread free
        events = events_until_closed(sock, client)  # read only now
        sock.close()
    assert any(isinstance(event, Ping) for event in events)
    closes = [event for event in events if isinstance(event, CloseConnection)]
    assert closes and closes[0].code == 1011, events  # (then wsproto's 1006
    assert closes[0].reason == u"keepalive ping timeout"  # at the end)


def test_a_peer_that_answers_pings_stays_open_past_the_timeout():
    with running(served, ws_ping_interval=0.2, ws_ping_timeout=0.3) as server:
        sock, client = raw_session(server.port)
        pings = 0
        while pings < 4:  # four pings: well past one ping_timeout
            data = sock.recv(65536)
            assert data, "the server closed a peer that answers its pings"
            client.receive_data(data)
            for event in client.events():
                assert isinstance(event, Ping), event
                pings += 1
                sock.sendall(client.send(event.response()))
        sock.sendall(client.send(TextMessage(data=u"still here")))
        echoed = []
        while not echoed:
            client.receive_data(sock.recv(65536))
            echoed = [event for event in client.events()
                      if isinstance(event, TextMessage)]
        assert echoed[0].data == u"still here"
        sock.sendall(client.send(CloseConnection(code=1000)))
        assert closed_code() == 1000
        sock.close()


def fragment(ws, data, opcode=websocket.ABNF.OPCODE_BINARY, fin=False):
    ws.send_frame(websocket.ABNF.create_frame(data, opcode, fin=int(fin)))


def test_partial_messages_over_the_budget_stop_reading_until_room_comes():
    """Two sessions each in the middle of a message, together over
    ws_buffer_limit: one is parked (its socket not read) until the other
    completes its message; then both complete, nothing lost."""
    limit = 64 * 1024
    with running(served, ws_buffer_limit=limit) as server:
        budget = server.ws_budget
        first, second = (websocket.create_connection("ws://%s/" % server.url,
                                                     timeout=WAIT)
                         for _ in range(2))
        head_one, head_two = os.urandom(100 * 1024), os.urandom(10 * 1024)
        fragment(first, head_one)
        fragment(second, head_two)
        with budget.cond:
            assert budget.cond.wait_for(lambda: budget.parked == 1, WAIT)
            assert budget.used >= limit
        fragment(second, b"two", websocket.ABNF.OPCODE_CONT, fin=True)
        fragment(first, b"one", websocket.ABNF.OPCODE_CONT, fin=True)
        assert first.recv() == head_one + b"one"
        assert second.recv() == head_two + b"two"
        assert budget.used == 0 and budget.parked == 0
        for ws in (first, second):
            ws.close()
            assert closed_code() == 1000


def test_a_message_over_the_size_limit_still_closes_a_served_session_1009():
    with running(served, max_message_size=1024) as server:
        ws = websocket.create_connection("ws://%s/" % server.url, timeout=WAIT)
        ws.send_binary(b"x" * 2048)
        opcode, data = ws.recv_data(control_frame=True)
        assert opcode == websocket.ABNF.OPCODE_CLOSE and data[:2] == b"\x03\xf1"
        ws.close()
        assert closed_code() == 1009
        assert server.ws_budget.used == 0


@pytest.mark.parametrize("app", [served, blocking])
def test_a_silent_peer_over_http2_is_closed_with_1011(app):
    """The HTTP/2 form of the test above: the client's stream echoes once,
    then the client neither reads nor answers."""
    with running(app, ws_ping_interval=0.2, ws_ping_timeout=0.3) as server:
        h2, stream, client, _ = session_over_http2(server, "/", u"hello")
        assert closed_code() == 1011  # the app's side ended
        events = h2.websocket_events(stream, client, lambda events: any(
            isinstance(event, CloseConnection) for event in events))
        h2.close()
    assert any(isinstance(event, Ping) for event in events)
    closes = [event for event in events if isinstance(event, CloseConnection)]
    assert closes[0].code == 1011, events
    assert closes[0].reason == u"keepalive ping timeout"


def threads_of(process):
    """How many threads *process* runs now (Linux: its /proc tasks)."""
    return len(os.listdir("/proc/%d/task" % process.pid))


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"),
                    reason="counts threads in /proc (Linux)")
@pytest.mark.parametrize("path", ["/served", "/ws"])
def test_idle_served_sessions_over_http2_hold_no_thread(path):
    """100 idle sessions over cleartext HTTP/2 (one connection each, which
    waits in the poller) handed to a handler add no thread to the server
    process beyond its pool's 4 and their reserve; on the blocking API
    (``/ws``, the check that this could fail) each holds one."""
    count = 100
    with serve_command(["serve", "apps:application", "--threads", "4"],
                       SERVER_TESTS) as (process, port, log):
        server = Address(port, "127.0.0.1:%d" % port)
        first = session_over_http2(server, path, u"warm-up")[0]
        before = threads_of(process)
        opened = [session_over_http2(server, path, u"%d" % number)
                  for number in range(count)]
        added = threads_of(process) - before
        first.close()
        for h2, _, _, _ in opened:
            h2.close()
    assert all(events[0].data == u"%d" % number
               for number, (_, _, _, events) in enumerate(opened))
    # the pool's 4 threads and its reserve, idle before, may take sessions
    # without a new thread: a margin of 5 either way
    if path == "/served":
        assert added <= 5, "%d idle served sessions added %d threads" % (
            count, added)
    else:
        assert added >= count - 5, "%d blocking sessions added %d threads" % (
            count, added)
