"""The WebSocket session an app finds in ``environ["ng.websocket"]``.

Three layers, so the app sees one API whatever carries the frames:

* ``WebSocket`` is what the app holds: the offered subprotocols, ``accept()``
  and then ``send``/``receive``/``ping``/``close``.  It knows nothing about
  wire formats; after ``accept()`` it delegates to a *channel*.
* A channel moves whole messages.  ``wsgi_ng.wschannel.FrameChannel`` is
  the one for byte transports (a taken-over socket, an HTTP/2 stream, the
  test client's socket pair), framed by ``wsgi_ng.wsframes``.  Hosts whose
  platform already speaks WebSocket (uWSGI, ASGI) provide their own
  channel with the same four methods.
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
from wsgi_ng._compat import PY2, text_type
from wsgi_ng.errors import (
    BodyError, ConnectionClosed, LocalProtocolError, MessageTooBig,
    StateError,
)
from wsgi_ng.iterables import close_iterable
from wsgi_ng.validate import clean_headers
from wsgi_ng.wshandler import Served, run_blocking


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
        """Return the next message; see ``wschannel.FrameChannel.receive``."""
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
