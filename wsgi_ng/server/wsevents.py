"""WebSocket sessions served by a handler (``ws.serve()``), without a
thread each.

When an app that accepted a session hands it to a handler and returns,
the thread that ran it goes back to the pool, and the session waits like
an idle connection:

* over HTTP/1.1 its socket waits in the server's poller; what arrives is
  read there and handed to the handler as a pool task queued ahead of the
  next poll -- run by the thread that polled, as a request would be --
  and the socket waits again once the handler returned;
* over HTTP/2 (RFC 8441) the connection's reader -- the poller on
  cleartext, the connection's thread on TLS -- wakes the stream's driver
  as DATA arrives, and the driver feeds the handler on a pool task, one
  at a time per stream, giving flow-control credit back as it goes.

A handler that blocks holds its pool thread and no more: the pool's
watcher hands the poller to another thread (leader/followers), and the
session's own stream is not read meanwhile, which is its back-pressure.
Nor is it read while the host's budget of partial messages is spent
(``wsgi_ng.wsbudget``): the session is parked and resumed by whoever
makes room.  Keepalive pings and the close deadline are the clock's
(``wsgi_ng.keepalive``), for blocking sessions too.
"""
import socket

from wsgi_ng.websocket import end_session
from wsgi_ng.wshandler import PoolDriver


def session_options(server):
    """The ``FrameChannel`` settings of the server's sessions."""
    config = server.config
    return {"max_message_size": config.max_message_size,
            "ping_interval": config.ws_ping_interval,
            "ping_timeout": config.ws_ping_timeout,
            "budget": server.ws_budget, "evented": True}


def serve_http1(connection):
    """*connection*'s app handed its session to a handler: the session
    takes the connection's place in the server, and this (pool) thread
    goes on with its first turn and then other work."""
    server = connection.server
    server.request_pool.attach()
    waiter = SessionWaiter(connection)
    task = server.begin(waiter, replacing=connection)
    if task is None:  # the server stopped meanwhile: no more turns
        waiter.ended()
    else:
        task()


class SessionWaiter(object):
    """An HTTP/1.1 session served by a handler, as a waiter of the
    server's poller (``poller.py``)."""

    linger = False  # a session's close is its closing handshake
    deadline = None  # its timers are the clock's

    def __init__(self, connection):
        self.server = connection.server
        self.sock, self.raw, self.peer = connection.sock, connection.raw, \
            connection.peer
        self.fileno = connection.fileno  # (the socket's own: see there)
        self.io = connection.io
        self._tls = not connection.io.kernel
        self.poller = self.server.poller
        self.session = connection.session
        self.channel = self.session._channel
        self._data = None  # read by the poller, for the next turn

    def start(self):
        """The first turn: what was read already (left over from the
        handshake, or from receive() calls before serve())."""
        return self.turn

    def on_readable(self):
        self._data = self.io.recv_ready()
        self.channel.heard()  # before the turn: the pool may be slow
        if self._data is None:  # TLS: only part of a record came
            self.poller.wait(self)
            return None
        return self.turn

    def turn(self):
        """Hand the handler what arrived; then wait again, or finish."""
        data, self._data = self._data, None
        while True:
            self.session.served.deliver(self.channel.feed(data))
            if self.channel.finished:
                self.ended()
                self.server.close(self)
                return
            if not (self._tls and self.io.buffered()):
                break
            data = self.io.recv_ready()  # TLS decrypted more than was taken
            if data is None:
                break
        if self.channel.may_read() or not self.channel.park(self.resume):
            self.poller.wait(self)  # (the server counts it already)

    def ended(self):
        """The session is over: ``on_close``, and it stops counting."""
        try:
            self.session.served.end()
        finally:
            self.server.session_ended(http1=True)

    def resume(self):
        """The budget has room again (called by whoever made it)."""
        self.poller.wait(self)

    def on_expired(self):  # pragma: no cover - it has no deadline
        self.poller.wait(self)

    def stop(self):
        """Shutdown: close with 1001; the peer's answer (or the clock,
        after the close timeout) ends the session."""
        end_session(self.session, 1001)

    def kill(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except socket.error:
            pass


class StreamDriver(PoolDriver):
    """An HTTP/2 WebSocket stream served by a handler: ``wake()`` (any
    thread) when DATA, the stream's end or its reset arrived; the
    handler runs on a pool task, one at a time."""

    def __init__(self, stream):
        PoolDriver.__init__(self, stream.connection.server.request_pool)
        self.stream = stream
        self.session = stream.session
        self.channel = self.session._channel

    def start(self):
        """Called on the pool thread that ran the app."""
        self.pool.attach()
        self.stream.input.wake = self.wake
        self.stream.disconnected.add_callback(self.wake)
        self.wake()

    def step(self):
        while True:
            data = self._take()
            if data is None:
                return True
            self.session.served.deliver(self.channel.feed(data))
            if self.channel.finished:
                self._ended()
                return False

    def _ended(self):
        connection = self.stream.connection
        try:
            self.session.served.end()
        finally:
            connection.server.session_ended(http1=False)
            connection.stream_done(self.stream)

    def _take(self):
        """The next bytes of the stream (its flow-control credit given
        back), ``b""`` at its end, None when there are none now -- or no
        room in the budget, which wakes this driver when there is."""
        if not self.channel.may_read() and self.channel.park(self.wake):
            return None
        connection = self.stream.connection
        with connection.lock:
            return self.stream.input.take()
