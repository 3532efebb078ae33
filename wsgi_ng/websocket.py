"""The WebSocket session an app finds in ``environ["ng.websocket"]``.

Three layers, so the app sees one API whatever carries the frames:

* ``WebSocket`` is what the app holds: the offered subprotocols, ``accept()``
  and then ``send``/``receive``/``ping``/``close``.  It knows nothing about
  wire formats; after ``accept()`` it delegates to a *channel*.
* A channel moves whole messages.  ``FrameChannel`` is the one for byte
  transports (a taken-over socket, an HTTP/2 stream, the test client's
  socket pair): wsproto does the framing, this module adds message
  reassembly, automatic pongs, the close handshake, a message size limit,
  receive timeouts and thread-safe sending.  Hosts whose platform already
  speaks WebSocket (uWSGI, ASGI) provide their own channel with the same
  four methods.
* A stream moves bytes: ``wsgi_ng.wsstream.SocketStream`` wraps a socket;
  an HTTP/2 server provides one per stream.

The host creates ``WebSocket(subprotocols, handshake)`` where
``handshake(subprotocol, headers)`` sends the protocol's success response
(101 or an HTTP/2 200) and returns the channel.

A session is used in one of two forms (the spec's "WebSocket"): the app
pulls messages (``receive()``, iteration) on a thread of its own, or it
hands the session a handler (``serve()``, ``wsgi_ng.wshandler``) and the
host pushes each message to it.  For the second form a host that reads
the stream itself -- from its event loop, without a thread per session --
feeds ``FrameChannel.feed()`` what it read; hosts that cannot run the
handler on the request's thread instead.  Either way a channel can be
kept alive (pings, ``wsgi_ng.keepalive``) and can share a bound on held
message bytes with its host's other sessions (``wsgi_ng.wsbudget``).
"""
import threading
from collections import deque

from wsproto.connection import Connection, ConnectionState, ConnectionType
from wsproto.events import (
    BytesMessage, CloseConnection, Message, Ping, TextMessage,
)

from wsgi_ng._compat import (
    PY2, monotonic, text_type, utf8_length,
)
from wsgi_ng.errors import (
    BodyError, ConnectionClosed, LocalProtocolError, MessageTooBig,
    StateError, Timeout,
)
from wsgi_ng.iterables import close_iterable
from wsgi_ng.keepalive import CLOCK
from wsgi_ng.validate import clean_headers
from wsgi_ng import wsframes
from wsgi_ng.wshandler import Served, run_blocking

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
        role = ConnectionType.CLIENT if client else ConnectionType.SERVER
        #: The common frames framed here (``wsgi_ng.wsframes``): a server's,
        #: without extensions, on Python 3.
        self._splitter = wsframes.Splitter() if wsframes.FAST and \
            not client and not extensions else None
        self._conn = Connection(role, extensions,
                                b"" if self._splitter else trailing_data)
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
            if self._splitter is not None:
                self._receive(trailing_data)
            else:
                self._events.extend(self._conn.events())

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
        """Encode *event* (or write the *frame* ``wsframes`` encoded) if the
        connection is in an *allowed* state; returns whether it went out.
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
                if self._conn.state not in allowed:
                    return False
                data = frame if event is None else \
                    bytes(self._conn.send(event))
                if isinstance(event, CloseConnection) and self.close_code is None:
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
        if self._splitter is not None:  # framed here (wsgi_ng.wsframes)
            if opcode == wsframes.TEXT:
                payload = payload.encode("utf-8")
            self._send_event(None, wsframes.encode(opcode, payload))
        elif opcode == wsframes.TEXT:
            self._send_event(TextMessage(data=payload))
        else:
            self._send_event(BytesMessage(data=payload))

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
            if self._conn.state is ConnectionState.CLOSED:
                self._events.append(CloseConnection(code=ABNORMAL_CLOSURE))
                return
            if self._splitter is None:
                self._conn.receive_data(data or None)
                self._events.extend(self._conn.events())
            else:
                self._receive(data)

    def _receive(self, data):
        """*data* through the splitter: its messages, and wsproto's events
        for the frames it passes on, in the order the frames came (the
        proto lock is held, or the channel is being made)."""
        splitter, conn, events = self._splitter, self._conn, self._events
        if not data or conn.state is not ConnectionState.OPEN:
            held = splitter.stop()  # wsproto takes all from here
            if held:
                conn.receive_data(held)
            conn.receive_data(data or None)
            events.extend(conn.events())
            return
        through = False  # wsproto takes the rest of this read
        for kind, payload, frame in splitter.split(data):
            if kind is wsframes.WSPROTO or through:
                conn.receive_data(frame)
                events.extend(conn.events())
                # a close frame, or a frame wsproto refused (it closes)
                if not through and events and isinstance(events[-1],
                                                         CloseConnection):
                    through = True
                    conn.receive_data(splitter.stop())
            else:  # a whole message, text or bytes
                events.append(payload)

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
            state = self._conn.state
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


class WebSocket(object):
    """The app-facing session.  Same API on every host and Python version.

    Before ``accept()`` the opening handshake is pending: the app may accept
    it, or deny it -- by calling ``start_response`` with an HTTP status, or
    by calling ``close()``, which the host answers with a 403.  After
    ``accept()`` the app returns an empty iterable when done; the one
    ``start_response`` it may still make is a ``101``, which is how
    frameworks (Django, werkzeug) answer every view, and which the host
    ignores.  Hosts pass every ``start_response`` of the app through
    ``on_start_response``.

    ``serve(handler)`` is the event-driven form: the host calls the handler
    for each message (``wsgi_ng.wshandler``), and ``served`` is set.
    """

    PENDING, ACCEPTED, DENIED = "pending", "accepted", "denied"

    def __init__(self, subprotocols, handshake, extra=None):
        self.subprotocols = tuple(subprotocols)
        self.subprotocol = None
        self.state = self.PENDING
        #: True when the app closed the session before accepting it and
        #: gave no HTTP answer: the host sends a 403.
        self.refused = False
        self._handshake = handshake
        self._channel = None
        self._framework_answer = False  # the 101 after accept() was made
        #: Host-specific details (e.g. the HTTP version); informational.
        self.extra = dict(extra or {})
        #: The handler's side of the session once the app called serve().
        self.served = None

    @classmethod
    def connected(cls, channel, subprotocol=None):
        """A session whose handshake is already done (e.g. a client's)."""
        session = cls((), None)
        session.state, session._channel = cls.ACCEPTED, channel
        session.subprotocol = subprotocol
        return session

    def accept(self, subprotocol=None, headers=None):
        """Complete the opening handshake, choosing one offered subprotocol."""
        if self.state is not self.PENDING:
            raise StateError("accept() on a session that is already %s"
                             % self.state)
        if subprotocol is not None and subprotocol not in self.subprotocols:
            raise LocalProtocolError(
                "subprotocol %r was not offered by the client (offered: %s)"
                % (subprotocol, ", ".join(self.subprotocols) or "none"))
        headers = clean_headers(list(headers or []))
        self._channel = self._handshake(subprotocol, headers)
        self._handshake = None  # what it holds (the request) is done with
        self.state, self.subprotocol = self.ACCEPTED, subprotocol

    def on_start_response(self, status):
        """Host hook for each ``start_response`` call the app makes while
        this session exists.  Returns True when the host must ignore the
        call: the single ``101`` a framework answers with after ``accept()``
        (or after ``close()`` before it); False when *status* denies the
        handshake and the host sends it as an ordinary response.  Raises
        ``StateError`` for any other call after ``accept()``."""
        switching = status[:4] == "101 "
        if self.state is self.ACCEPTED or (self.refused and switching):
            if not switching or self._framework_answer:
                raise StateError(
                    "start_response(%r) after accept(): an accepted WebSocket "
                    "has no HTTP response; the only call allowed is one "
                    "101, as frameworks make" % (status,))
            self._framework_answer = True
            return True
        self.state, self.refused = self.DENIED, False
        return False

    def _open_channel(self):
        if self._channel is None:
            raise StateError("the WebSocket session is %s; call accept() "
                             "first" % self.state)
        return self._channel

    def send(self, message):
        """Send a text (``unicode``/``str``) or binary (``bytes``) message."""
        self._open_channel().send(message)

    def receive(self, timeout=None):
        """Return the next message; see ``FrameChannel.receive``."""
        channel = self._open_channel()
        if self.served is not None:
            raise StateError("receive() after serve(): the session's "
                             "messages go to its handler")
        return channel.receive(timeout)

    def serve(self, handler, on_close=None):
        """Hand the session to *handler* and return: the host calls
        ``handler.on_message(ws, message)`` (or ``handler(ws, message)``)
        for each message, one at a time, and ``on_close(ws, code, reason)``
        (or ``handler.on_close``) once when the session ends.  The app then
        returns its empty iterable; see the spec for which thread calls."""
        channel = self._open_channel()
        if self.served is not None:
            raise StateError("serve() was called already for this session")
        served = Served(self, handler, on_close)
        channel.begin_serving()
        self.served = served

    @property
    def finished(self):
        """True once the session is over (its transport closed)."""
        return self._channel is not None and self._channel.finished

    def ping(self, data=b""):
        """Send a ping frame; the peer's pong is handled for you."""
        self._open_channel().ping(data)

    def send_text(self, text):
        """Send a text message.  A native ``str`` on 2.7 is taken as UTF-8
        text, which ``send()`` would send as binary."""
        if PY2 and isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError:
                raise BodyError("send_text() got bytes that are not UTF-8")
        if not isinstance(text, text_type):
            raise BodyError("send_text() takes text, got %s"
                            % type(text).__name__)
        self._open_channel().send(text)

    def send_bytes(self, data):
        """Send a binary message (``bytes``, ``bytearray`` or
        ``memoryview``); text is refused rather than encoded."""
        if isinstance(data, memoryview):
            data = data.tobytes()
        if not isinstance(data, (bytes, bytearray)):
            raise BodyError("send_bytes() takes bytes, got %s"
                            % type(data).__name__)
        self._open_channel().send(bytes(data))

    def close(self, code=1000, reason=""):
        """Close the session with *code* and *reason*; idempotent.  Before
        ``accept()`` this denies the handshake (the host answers 403)."""
        if self.state is self.PENDING:
            self.state, self.refused = self.DENIED, True
            return
        if self.state is self.DENIED:
            return
        self._open_channel().close(code, reason)

    def __iter__(self):
        """Yield messages until the session closes, however it closes (the
        peer's close, a lost connection, a message over the size limit)."""
        while True:
            try:
                yield self.receive()
            except (ConnectionClosed, MessageTooBig):
                return

    @property
    def closed(self):
        """True once the session has closed (either side) or was denied."""
        if self._channel is None:
            return self.state is self.DENIED
        return self._channel.closed

    @property
    def close_code(self):
        """The close code, or ``None`` while open."""
        return None if self._channel is None else self._channel.close_code

    @property
    def close_reason(self):
        """The close reason text (``""`` when none was given)."""
        return "" if self._channel is None else self._channel.close_reason


def refuse_body(block):
    """The ``write()`` a host returns for a ``start_response`` it ignores
    (``WebSocket.on_start_response``): there is no body to write."""
    if block:
        raise StateError("an app that accepted (or closed) a WebSocket has "
                         "no response body to write")


def end_session(session, code):
    """Close an accepted *session* with *code* unless it is closed already;
    a handler's ``on_close`` runs once the session is over."""
    if session is None or session.state is not WebSocket.ACCEPTED:
        return
    if not session.closed:
        session.close(code)
    if session.served is not None and session.finished:
        session.served.end()


def finish_session(session, result, event_driven=False):
    """A host's duty once an app that accepted *session* returned *result*:
    the result must be empty, ``close()`` is called on it, and the session
    ends with 1000, or 1011 when the app failed.  When the app handed the
    session to a handler (``serve()``), a host that reads sessions itself
    (*event_driven*) gets True and drives it from now on; any other host
    runs the handler here, on the request's thread, until the session ends
    (``wshandler.run_blocking``)."""
    try:
        for block in result:
            if block:
                raise StateError("an app that accepted a WebSocket must "
                                 "return an empty iterable")
    except BaseException:
        end_session(session, 1011)
        raise
    finally:
        close_iterable(result)
    if session.served is not None:
        if event_driven:
            return True
        run_blocking(session)
    end_session(session, 1000)
    return False
