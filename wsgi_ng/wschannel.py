"""Whole WebSocket messages over a byte stream: ``FrameChannel``, the
channel of the byte transports (a taken-over socket, an HTTP/2 stream, the
test client's socket pair).  ``wsgi_ng.wsframes`` does the framing (wsproto,
with a fast path for the common frames); this adds message reassembly,
automatic pongs, the close handshake, a message size limit, receive
timeouts, keepalive pings and thread-safe sending.  ``wsgi_ng.websocket``
says how the layers fit.
"""
import threading
from collections import deque

from wsproto.connection import ConnectionState
from wsproto.events import CloseConnection, Message, Ping, TextMessage

from wsgi_ng import wsframes
from wsgi_ng._compat import monotonic, text_type, utf8_length
from wsgi_ng.errors import (
    BodyError, ConnectionClosed, MessageTooBig, StateError, Timeout,
)
from wsgi_ng.keepalive import CLOCK

#: Default cap on one reassembled message, in bytes (UTF-8 bytes for text).
DEFAULT_MAX_MESSAGE_SIZE = 16 * 1024 * 1024
#: How long ``close()`` waits for the peer's closing frame.
DEFAULT_CLOSE_TIMEOUT = 5.0
#: Close code for "no close frame was received" (never sent on the wire).
ABNORMAL_CLOSURE = 1006
MESSAGE_TOO_BIG = 1009
INTERNAL_ERROR = 1011
#: Keepalive defaults of the hosts that ping (the ``websockets`` library's):
#: a ping every 20 s, and the session closed with 1011 when nothing at all
#: arrived in the 20 s after one.
DEFAULT_PING_INTERVAL = DEFAULT_PING_TIMEOUT = 20.0
#: Seconds before a ping that could not be written at once is tried again.
_PING_RETRY = 0.05


class FrameChannel(object):
    """Whole messages over a byte stream, framed by wsproto.

    One thread may receive while others send: sends are serialised by a
    lock held across encoding and writing (so frames never interleave), and
    wsproto's state is only touched under a second, short-held lock.

    With *evented*, the host reads the stream itself once the app hands
    the session to a handler (``serve()``, the event-driven form): it
    passes what it read to ``feed()``; then nothing here ever waits for
    the peer, and the wait for the answer to a close frame is the clock's
    (``wsgi_ng.keepalive``).  With *ping_interval*
    the clock pings the peer, and closes the session with 1011 when
    nothing at all arrived within *ping_timeout* of a ping.  *budget* is
    the host's bound on partial messages held by all its sessions
    (``wsgi_ng.wsbudget``).
    """

    def __init__(self, stream, client=False, extensions=None,
                 trailing_data=b"", max_message_size=DEFAULT_MAX_MESSAGE_SIZE,
                 close_timeout=DEFAULT_CLOSE_TIMEOUT, ping_interval=None,
                 ping_timeout=None, budget=None, evented=False, clock=CLOCK):
        self._framing = wsframes.Framing(client, extensions)
        self._stream = stream
        self.max_message_size = max_message_size
        self.close_timeout = close_timeout
        self._proto_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._recv_lock = threading.Lock()
        self._events = deque()
        self._parts = []
        self._size = 0
        self._stream_closed = False
        self.close_code = None
        self.close_reason = ""
        #: True once this side started the closing handshake.
        self.closing = False
        #: True when the host reads the stream and calls ``feed()``.
        self.event_driven = False
        self._evented = evented
        self._budget = budget
        self._clock = clock
        self._reads = 0  # reads from the stream so far: signs of life
        self._close_deadline = None
        #: The clock's bookkeeping (``keepalive.Clock``).
        self.tick_at = self.tick_seq = None
        self.ping_interval = ping_interval or None
        self.ping_timeout = ping_timeout or None
        self._ping_at = self._pong_deadline = self._heard = None
        self._unsent_since = None  # since when a due ping could not go
        if self.ping_interval:
            self._ping_at = monotonic() + self.ping_interval
            clock.schedule(self, self._ping_at)
        if trailing_data:
            self._events.extend(self._framing.receive(trailing_data))

    @property
    def closed(self):
        """True once a close frame went either way or the stream ended."""
        return self.close_code is not None

    @property
    def finished(self):
        """True once the stream is closed: the session is over."""
        return self._stream_closed

    # -- sending ---------------------------------------------------------
    def _write(self, event, allowed=(ConnectionState.OPEN,), wait=True,
               frame=None):
        """Encode *event* (or write the message *frame* ``Framing`` made) if
        the connection is in an *allowed* state; returns whether it went out.
        Frames never interleave: the write lock is held across encoding
        and writing.  A close frame's
        code is recorded as it is encoded.  Raises ``ConnectionClosed`` if
        the peer is gone.  With *wait* False nothing is written when a
        write is in progress or the stream has no room now."""
        if not wait:
            if not self._write_lock.acquire(False):
                return False
        else:
            self._write_lock.acquire()
        try:
            if not wait and not self._stream.writable():
                return False
            with self._proto_lock:
                if self._framing.state not in allowed:
                    return False
                # a message comes framed already; only control frames are
                # events (wsproto's are ABCs: isinstance is slow on them)
                if event is None:
                    data = frame
                else:
                    data = self._framing.send(event)
                    if isinstance(event, CloseConnection) and \
                            self.close_code is None:
                        self.close_code = event.code
                        self.close_reason = event.reason or ""
            try:
                self._stream.send(data)
            except ConnectionClosed:
                self._lost()
                raise
        finally:
            self._write_lock.release()
        return True

    def _send_event(self, event, frame=None):
        if not self._write(event, frame=frame):
            raise ConnectionClosed(self.close_code or ABNORMAL_CLOSURE,
                                   self.close_reason)

    def send(self, message):
        """Send one text (``unicode``/``str``) or binary (``bytes``) message."""
        if isinstance(message, text_type):
            opcode, payload = wsframes.TEXT, message
        elif isinstance(message, (bytes, bytearray)):
            opcode, payload = wsframes.BINARY, bytes(message)
        else:
            raise BodyError("a WebSocket message must be text or bytes, got %s"
                            % type(message).__name__)
        self._send_event(None, self._framing.message(opcode, payload))

    def ping(self, data=b""):
        """Send a ping; the pong is absorbed by ``receive``."""
        self._send_event(Ping(payload=bytes(data)))

    def close(self, code=1000, reason=""):
        """Start (or finish) the closing handshake and release the stream.

        Waits up to ``close_timeout`` for the peer's close frame unless
        another thread is receiving (or the host reads, event-driven), in
        which case that one sees it; if it never comes, the clock closes
        the stream after ``close_timeout``.
        """
        self.closing = True
        try:
            self._write(CloseConnection(code=code, reason=reason))
        except ConnectionClosed:
            pass  # recorded as 1006; nothing left to wait for
        if not self.event_driven and self._recv_lock.acquire(False):
            try:
                self._drain_until_closed()
            finally:
                self._recv_lock.release()
        elif not self._stream_closed and self._close_deadline is None:
            self._close_deadline = monotonic() + self.close_timeout
            self._clock.schedule(self, self._close_deadline)

    def _drain_until_closed(self):
        deadline = monotonic() + self.close_timeout
        while not self._stream_closed:
            remaining = deadline - monotonic()
            try:
                if remaining <= 0:
                    raise Timeout("peer did not answer the close frame")
                self._next_message(remaining)
            except (ConnectionClosed, MessageTooBig):
                pass
            except Timeout:
                self._close_stream()

    # -- the clock (keepalive.Clock) ----------------------------------------
    def tick(self, now):
        """Do what is due -- ping, judge the peer silent, give up waiting
        for the answer to our close frame -- without waiting for anything;
        returns when to be called again, None when never."""
        if self._stream_closed:
            return None
        if self._close_deadline is not None:
            if now < self._close_deadline:
                return self._close_deadline
            self._close_stream()  # the peer never answered our close frame
            return None
        if self.closed or not self.ping_interval:
            return None
        if self._pong_deadline is None:
            if now < self._ping_at:
                return self._ping_at
            # noted before the write: the answer may come (on another
            # thread) before this one runs again
            self._heard = self._reads
            if not self._write(Ping(), wait=False):
                return self._ping_stuck(now)
            self._unsent_since = None
            self._ping_at = now + self.ping_interval
            if not self.ping_timeout:
                return self._ping_at
            self._pong_deadline = now + self.ping_timeout
            return self._pong_deadline
        if now < self._pong_deadline:
            return self._pong_deadline
        self._pong_deadline = None
        # anything that arrived since the ping proves the peer alive: read
        # already, or waiting to be read (the app is busy, the budget full)
        if self._reads > self._heard or self._stream.unread():
            return max(self._ping_at, now)
        self._give_up()
        return None

    def _ping_stuck(self, now):
        """The ping could not go at once -- a send in progress, or no room
        in the socket: try again soon; a peer that takes nothing for
        ping_timeout is as silent as one that never answers."""
        if self._unsent_since is None:
            self._unsent_since = now
        if self.ping_timeout and now - self._unsent_since >= self.ping_timeout:
            self._give_up()
            return None
        return now + _PING_RETRY

    def _give_up(self):
        """Nothing arrived within ping_timeout of a ping: close with 1011
        and release the stream, which ends a receive in progress."""
        reason = "keepalive ping timeout"
        self.closing = True
        try:
            self._write(CloseConnection(code=INTERNAL_ERROR, reason=reason),
                        wait=False)
        except ConnectionClosed:
            pass
        if self.close_code is None:
            self.close_code, self.close_reason = INTERNAL_ERROR, reason
        self._close_stream()

    # -- receiving -------------------------------------------------------
    def receive(self, timeout=None):
        """Return the next whole message (text or bytes).

        Raises ``Timeout`` after *timeout* seconds without a whole message
        (partial data is kept for the next call), ``ConnectionClosed`` once
        the session has ended, ``MessageTooBig`` after closing with 1009.
        """
        with self._recv_lock:
            return self._next_message(timeout)

    def begin_serving(self):
        """The app called ``serve()``: no thread may be receiving."""
        if not self._recv_lock.acquire(False):
            raise StateError("serve() while another thread is in receive()")
        self._recv_lock.release()
        self.event_driven = self._evented

    def may_read(self):
        """Event-driven: whether the host may read more now (the budget)."""
        return self._budget is None or not self._parts or \
            self._budget.allows(self)

    def park(self, resume):
        """Event-driven: wait for room in the budget; ``resume()`` is
        called once there is.  False when there is room already."""
        return self._budget.park(self, resume)

    def heard(self):
        """Event-driven: the host read from the stream, and will ``feed()``
        it later (its pool may be busy): the peer is alive meanwhile."""
        self._reads += 1

    def feed(self, data=None):
        """Event-driven: take the bytes the host read (``b""``: the peer
        closed; None: nothing new) and return the whole messages they
        completed, in order.  Pings are answered and a close frame is
        answered and ends the stream; a message over the limit closes the
        session with 1009 (the messages before it are returned)."""
        if data is not None:
            self._take(data)
        messages = []
        while self._events:
            try:
                message = self._handle(self._events.popleft())
            except MessageTooBig:
                self._events.clear()
                break
            if message is not None:
                messages.append(message)
        return messages

    def _take(self, data):
        """Take *data* read from the stream (``b""``: its end)."""
        self._reads += 1
        with self._proto_lock:
            if self._framing.state is ConnectionState.CLOSED:
                self._events.append(CloseConnection(code=ABNORMAL_CLOSURE))
                return
            self._events.extend(self._framing.receive(data))

    def _next_message(self, timeout):
        deadline = None if timeout is None else monotonic() + timeout
        while True:
            while self._events:
                message = self._handle(self._events.popleft())
                if message is not None:
                    return message
            if self._stream_closed:
                raise ConnectionClosed(self.close_code or ABNORMAL_CLOSURE,
                                       self.close_reason)
            if self._parts and self._budget is not None:
                self._budget.wait_to_read(self, deadline)
            remaining = None if deadline is None else max(0.0, deadline - monotonic())
            self._take(self._stream.recv(remaining))

    def _handle(self, event):
        if event.__class__ is bytes or event.__class__ is text_type:
            return self._whole(event)  # read by wsgi_ng.wsframes
        if isinstance(event, Message):
            return self._collect(event)
        if isinstance(event, Ping):
            try:
                self._write(event.response())
            except ConnectionClosed:
                pass  # the close that follows is reported instead
            return None
        if isinstance(event, CloseConnection):
            self._on_close(event)
        return None  # a Pong: nothing for the app (its bytes count as life)

    def _whole(self, data):
        """A message of one whole frame (no parts held before it)."""
        size = len(data) if data.__class__ is bytes else utf8_length(data)
        if size > self.max_message_size:
            self._too_big()
        return data

    def _too_big(self):
        limit, self._parts, self._size = self.max_message_size, [], 0
        self._release_budget()
        self.close(MESSAGE_TOO_BIG, "message too big")
        raise MessageTooBig("a WebSocket message exceeded %d bytes; the "
                            "session was closed with 1009" % limit)

    def _collect(self, event):
        data = event.data
        if isinstance(data, text_type):
            size = utf8_length(data)
        else:
            data = bytes(data)  # wsproto 0.14 gives bytearray
            size = len(data)
        self._size += size
        if self._size > self.max_message_size:
            self._too_big()
        self._parts.append(data)
        if not event.message_finished:
            if self._budget is not None:
                self._budget.hold(self, size)
            return None
        parts, self._parts, self._size = self._parts, [], 0
        if len(parts) == 1:
            return parts[0]
        self._release_budget()
        empty = u"" if isinstance(event, TextMessage) else b""
        return empty.join(parts)

    def _release_budget(self):
        if self._budget is not None:
            self._budget.release(self)

    def _on_close(self, event):
        with self._proto_lock:
            state = self._framing.state
        if state is ConnectionState.REMOTE_CLOSING:
            reply = event.response()
        elif state is ConnectionState.OPEN:  # a framing error
            reply = CloseConnection(code=event.code, reason=event.reason)
        else:
            reply = None  # the answer to our own close frame
        if self.close_code is None or reply is not None:
            self.close_code = int(event.code)
            self.close_reason = event.reason or ""
        if reply is not None:
            try:
                self._write(reply, (ConnectionState.REMOTE_CLOSING,
                                    ConnectionState.OPEN))
            except ConnectionClosed:
                pass  # the peer is gone already; closing anyway
        self._close_stream()

    def _lost(self):
        if self.close_code is None:
            self.close_code = ABNORMAL_CLOSURE
        self._close_stream()

    def _close_stream(self):
        if not self._stream_closed:
            self._stream_closed = True
            self._release_budget()
            self._stream.close()
