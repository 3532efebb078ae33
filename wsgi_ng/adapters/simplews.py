"""simple-websocket's server API over ``ng.websocket``, for the flask-sock
drop-in (``wsgi_ng.adapters.flask``).

flask-sock hands each view a ``simple_websocket.Server``.  What apps use of
it, this gives them over the host's WebSocket session, so it works on
every wsgi-ng host and over HTTP/2 too:

* ``send(data)``: bytes are a binary message, anything else is sent as
  text (``str(data)``); ``ConnectionClosed`` once the session is over;
* ``receive(timeout=None)``: the next message, ``None`` when *timeout*
  seconds pass without one (``0``: do not wait); buffered messages are
  still returned after the client closed, then ``ConnectionClosed``;
* ``close(reason=None, message=None)``: close with code *reason* (1000)
  and text *message*; ``ConnectionClosed`` when already closed;
* ``connected``, ``subprotocol``, ``close_reason`` (the code) and
  ``close_message``, ``environ``; and wsgi-ng's ``send_text()``,
  ``send_bytes()``, ``ping()`` and iteration.

As in simple-websocket, a thread of the session's own reads all the time:
it answers pings, sees the client's close at once -- so ``connected``
turns False and a view that only sends learns it from ``send()`` -- and
queues messages for ``receive()``.  ``ping_interval`` sends a ping that
often (keeping proxies from dropping an idle connection); a client that
stops answering is dropped by the host's send time limit rather than by a
pong deadline.  ``max_message_size`` closes the session with 1009 past its
size, on top of the host's own limit.
"""
import threading

from six.moves import queue

from wsgi_ng import errors
from wsgi_ng._compat import text_type
from wsgi_ng.wschannel import DEFAULT_CLOSE_TIMEOUT

try:  # apps written for flask-sock catch simple-websocket's exception
    from simple_websocket import ConnectionClosed as _SimpleClosed
except ImportError:  # Python 2.7, or not installed
    class _SimpleClosed(Exception):
        """Stands in for simple-websocket's exception where it is absent."""

NORMAL_CLOSURE = 1000
NO_STATUS_RECEIVED = 1005
MESSAGE_TOO_BIG = 1009
_CLOSED = object()  # queued by the reader when the session ends


class ConnectionClosed(errors.ConnectionClosed, _SimpleClosed):
    """The session is over.  As in simple-websocket, ``reason`` is the
    close code and ``message`` its text (``code`` is the code as well).
    Also a ``wsgi_ng.ConnectionClosed`` and, where simple-websocket is
    installed, a ``simple_websocket.ConnectionClosed``."""

    def __init__(self, reason=NO_STATUS_RECEIVED, message=None):
        errors.ConnectionClosed.__init__(self, reason, message or "")
        self.reason = reason
        self.message = message


class Server(object):
    """simple-websocket's ``Server`` for the pending *session* of this
    request: accepts it, choosing the first subprotocol the client offered
    that is in *subprotocols*.  The other keyword arguments are
    simple-websocket's; those about its own socket handling
    (``receive_bytes``, ``selector_class``) have nothing to do here."""

    def __init__(self, session, environ, subprotocols=None, receive_bytes=4096,
                 ping_interval=None, max_message_size=None, thread_class=None,
                 event_class=None, selector_class=None):
        self.environ = environ
        if isinstance(subprotocols, (str, text_type)):
            subprotocols = [subprotocols]
        wanted = list(subprotocols or [])
        chosen = [name for name in session.subprotocols if name in wanted]
        session.accept(chosen[0] if chosen else None)
        self.subprotocol = session.subprotocol
        self.ping_interval = ping_interval
        self.max_message_size = max_message_size
        self.connected = True
        self.close_reason = NO_STATUS_RECEIVED
        self.close_message = None
        self._session = session
        self._messages = queue.Queue()
        self._reader = (thread_class or threading.Thread)(target=self._read)
        self._reader.daemon = True
        self._reader.start()

    # -- the reader thread --------------------------------------------------
    def _read(self):
        session = self._session
        try:
            while True:
                try:
                    message = session.receive(timeout=self.ping_interval)
                except errors.Timeout:  # only with a ping_interval
                    session.ping()
                    continue
                if self._too_big(message):
                    session.close(MESSAGE_TOO_BIG, "Message is too big")
                    break
                self._messages.put(message)
        except (errors.ConnectionClosed, errors.MessageTooBig):
            pass  # how a session ends; its close code says how
        finally:
            self._ended()
            self._messages.put(_CLOSED)

    def _ended(self):
        """The session is over: say how, as simple-websocket does."""
        self.connected = False
        if self._session.close_code is not None:
            self.close_reason = self._session.close_code
            self.close_message = self._session.close_reason or None
        return ConnectionClosed(self.close_reason, self.close_message)

    def _too_big(self, message):
        if not self.max_message_size:
            return False
        size = len(message.encode("utf-8") if isinstance(message, text_type)
                   else message)
        return size > self.max_message_size

    # -- simple-websocket's API ----------------------------------------------
    def _closed(self):
        return ConnectionClosed(self.close_reason, self.close_message)

    def send(self, data):
        """Send *data*: bytes as a binary message, anything else as text."""
        if not self.connected:
            raise self._closed()
        try:
            if isinstance(data, (bytes, bytearray, memoryview)):
                self._session.send_bytes(data)
            else:
                self._session.send_text(
                    data if isinstance(data, text_type) else text_type(data))
        except errors.ConnectionClosed:
            raise self._ended()

    def receive(self, timeout=None):
        """The next message; None after *timeout* seconds without one."""
        try:
            message = self._messages.get(timeout=timeout)
        except queue.Empty:
            return None
        if message is _CLOSED:
            self._messages.put(_CLOSED)  # for the next call too
            raise self._closed()
        return message

    def close(self, reason=None, message=None):
        """Close with code *reason* (1000) and the text *message*."""
        if not self.connected:
            raise self._closed()
        self.connected = False
        self.close_reason, self.close_message = reason or NORMAL_CLOSURE, message
        self._session.close(self.close_reason, message or "")

    # -- wsgi-ng's additions ---------------------------------------------------
    def send_text(self, text):
        """Send a text message (a 2.7 ``str`` is taken as UTF-8 text)."""
        self._checked(self._session.send_text, text)

    def send_bytes(self, data):
        """Send a binary message."""
        self._checked(self._session.send_bytes, data)

    def ping(self, data=b""):
        self._checked(self._session.ping, data)

    def _checked(self, method, argument):
        if not self.connected:
            raise self._closed()
        try:
            method(argument)
        except errors.ConnectionClosed:
            raise self._ended()

    def __iter__(self):
        """Messages until the session ends."""
        while True:
            try:
                yield self.receive()
            except ConnectionClosed:
                return

    def end(self):
        """What flask-sock does after the view: close the session if the
        view did not, and wait (boundedly) until the closing handshake is
        over, so the host's end of the session finds nothing running."""
        try:
            self.close()
        except ConnectionClosed:
            pass  # closed already, by either side
        self._reader.join(DEFAULT_CLOSE_TIMEOUT + 1.0)
