"""Saying no under load: past max_connections, max_websockets or
max_queue_time a client gets a 503 with Retry-After (HTTP/2: a GOAWAY or a
refused stream), the log says so once per interval, slow heads hold no
thread, and hung app calls are reported (WebSocket sessions are not app
calls) -- while the server goes on accepting and answering."""
import logging
import threading

import pytest
from wsproto.events import TextMessage

from apps import application
from h2client import H2Client
from legacyws import raw_socket
from serving import WAIT, connect, read_until_closed, running
from test_handover import handshake
from test_limits import goaway_code
from test_websocket_and_legacy import session_over_http2

websocket = pytest.importorskip("websocket", reason="pip install websocket-client")


class LogWatch(logging.Handler):
    """Records the server's warnings; ``wait_for(text)`` blocks (bounded)
    until one contains *text*."""

    def __init__(self):
        logging.Handler.__init__(self, logging.WARNING)
        self.lines = []
        self.changed = threading.Condition()

    def emit(self, record):
        with self.changed:
            self.lines.append(record.getMessage())
            self.changed.notify_all()

    def matching(self, text):
        return [line for line in self.lines if text in line]

    def wait_for(self, text):
        with self.changed:
            deadline = threading.Event()
            timer = threading.Timer(WAIT, deadline.set)
            timer.start()
            try:
                while not self.matching(text) and not deadline.is_set():
                    self.changed.wait(0.5)
            finally:
                timer.cancel()
            return self.matching(text)


@pytest.fixture
def warnings():
    watch = LogWatch()
    logger = logging.getLogger("wsgi_ng.server")
    logger.addHandler(watch)
    try:
        yield watch
    finally:
        logger.removeHandler(watch)


class Gate(object):
    """``/hang`` blocks until ``release`` is set; anything else is quick."""

    def __init__(self):
        self.entered = threading.Semaphore(0)
        self.release = threading.Event()

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] == "/hang":
            self.entered.release()
            self.release.wait(WAIT)
        start_response("200 OK", [("Content-Type", "text/plain"),
                                  ("Content-Length", "2")])
        return [b"ok"]

    def hang(self, server, count):
        """Send *count* requests to /hang; return once all are in the app."""
        socks = []
        for _ in range(count):
            sock = connect(server)
            sock.sendall(b"GET /hang HTTP/1.1\r\nHost: x\r\n\r\n")
            socks.append(sock)
        for _ in range(count):
            assert self.entered.acquire(True) if str is bytes else \
                self.entered.acquire(timeout=WAIT)
        return socks


def answer(server, request=b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close"
           b"\r\n\r\n"):
    sock = connect(server)
    sock.sendall(request)
    data = read_until_closed(sock)
    sock.close()
    return data


def test_over_max_connections_http1_gets_503_and_http2_a_goaway(warnings):
    with running(application, max_connections=2) as server:
        idle = [connect(server), connect(server)]
        try:
            refused = [answer(server) for _ in range(4)]
            h2 = connect(server)
            H2Client(h2, server.url)  # sends the preface
            h2_answer = read_until_closed(h2)
            h2.close()
        finally:
            for sock in idle:
                sock.close()
    for data in refused:
        assert data.startswith(b"HTTP/1.1 503 ") and b"Retry-After: 1" in data
    assert goaway_code(h2_answer) == 7  # REFUSED_STREAM: nothing was served
    lines = warnings.matching("max_connections=2 reached")
    assert len(lines) == 1, lines  # one line, not one per refusal


def test_over_max_websockets_a_handshake_gets_503():
    with running(application, max_websockets=1) as server:
        first = websocket.create_connection("ws://%s/ws" % server.url,
                                            timeout=WAIT)
        first.send(u"hold")
        assert first.recv() == u"hold"
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection("ws://%s/ws" % server.url,
                                        timeout=WAIT)
        assert refused.value.status_code == 503
        data = answer(server, b"GET /info HTTP/1.1\r\nHost: x\r\n"
                      b"Connection: close\r\n\r\n")
        assert data.startswith(b"HTTP/1.1 200 ")  # plain HTTP goes on
        first.close()


def test_with_every_thread_hung_requests_get_503_and_the_server_answers():
    gate = Gate()
    with running(gate, threads=2, max_queue_time=0.3,
                 graceful_timeout=WAIT) as server:
        hung = gate.hang(server, 2)  # both threads
        try:
            data = answer(server)  # accepted, read, then refused in time
            assert data.startswith(b"HTTP/1.1 503 ")
            assert b"Retry-After: 1" in data
            h2 = H2Client(connect(server), server.url)
            assert h2.get("/").reset == 7  # REFUSED_STREAM
            h2.close()
        finally:
            gate.release.set()
        for sock in hung:  # the hung calls finish and answer
            assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")
            sock.close()
        assert answer(server).startswith(b"HTTP/1.1 200 ")


def test_slow_heads_hold_no_thread():
    """Twenty clients sending their heads a byte at a time, two threads,
    heads allowed 30 s: a normal request is served all the same."""
    with running(application, threads=2, header_timeout=30) as server:
        slow = []
        for _ in range(20):
            sock = connect(server)
            sock.sendall(b"GET / HT")
            slow.append(sock)
        try:
            data = answer(server, b"GET /info HTTP/1.1\r\nHost: x\r\n"
                          b"Connection: close\r\n\r\n")
            assert data.startswith(b"HTTP/1.1 200 ")
        finally:
            for sock in slow:
                sock.close()


def no_session(server):
    return lambda: None


def opened_over_http1(server):
    ws = websocket.create_connection("ws://%s/ws" % server.url, timeout=WAIT)
    ws.send(u"accepted?")
    assert ws.recv() == u"accepted?"
    return ws.close


def opened_over_http2(server):
    h2, _, _, events = session_over_http2(server, "/ws", u"accepted?")
    assert events[0].data == u"accepted?"
    return h2.close


def handed_over(server):
    sock = connect(server)
    client, _ = handshake(sock, "/echo")
    sock.sendall(client.send(TextMessage(data=u"taken?")))
    events = []
    while not events:
        client.receive_data(sock.recv(65536))
        events = list(client.events())
    assert events[0].data == u"taken?"
    return sock.close


@pytest.mark.parametrize("session, sessions_app", [
    (no_session, application), (opened_over_http1, application),
    (opened_over_http2, application), (handed_over, raw_socket.application)])
def test_a_hung_app_call_is_reported_with_method_path_and_age(
        warnings, session, sessions_app):
    """... and a WebSocket session opened before it (accepted, or its
    socket taken by a legacy app) is not: it lives long by design."""
    gate = Gate()

    def app(environ, start_response):
        if environ["PATH_INFO"] == "/hang":
            return gate(environ, start_response)
        return sessions_app(environ, start_response)
    ng = None if sessions_app is raw_socket.application else True
    with running(app, ng=ng, slow_request_time=0.2,
                 graceful_timeout=WAIT) as server:
        close = session(server)
        hung = gate.hang(server, 1)
        try:
            lines = warnings.wait_for("running longer than 0.2 s")
        finally:
            gate.release.set()
        assert hung[0].recv(65536).startswith(b"HTTP/1.1 200 ")
        hung[0].close()
        close()
    assert lines and "1 app call running longer than 0.2 s: GET /hang (" \
        in lines[0], lines


def test_a_limit_reached_on_many_threads_is_logged_once_an_interval():
    """Two threads refuse as the interval ends, the second while the first
    is still writing its line: one line, and the second refusal counted
    towards the next (each thread wrote a line of its own)."""
    from wsgi_ng.server.shedding import Tally, log
    tally = Tally("max_connections=2")
    tally.refused(now=0.0)  # the first refusal's line
    lines, writing, second_done = [], threading.Event(), threading.Event()

    class SlowHandler(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())
            if threading.current_thread().name == "first":
                writing.set()
                second_done.wait(WAIT)

    handler = SlowHandler()
    log.addHandler(handler)
    try:
        first = threading.Thread(target=tally.refused, name="first",
                                 kwargs={"now": 20.0})
        first.start()
        assert writing.wait(WAIT)
        tally.refused(now=20.0)
        second_done.set()
        first.join(WAIT)
    finally:
        log.removeHandler(handler)
    assert lines == ["max_connections=2 reached: 1 refused in the last 20 s "
                     "(answered 503)"]
    assert tally.count == 1 and tally.total == 3
