"""The event-driven form of a WebSocket session: ``ws.serve(handler)``.

The app accepts, hands the session a handler and returns its empty
iterable; from then on the host calls the handler for each message.  So a
session that waits for its peer holds no thread -- on a host that reads
sessions from an event loop (the reference server, ``to_asgi``).  Other
hosts run the very same handler on the request's own thread
(``run_blocking``), so one app runs everywhere.

``Served`` is the host's side of one served session, written once for
every host: it calls ``on_message`` for the messages the host passes in,
in order, and ``on_close`` once at the end; a handler that raises is
logged with its traceback and its session closed with 1011.  Hosts make
the calls one at a time per session; which thread makes them is theirs to
choose (the spec says which).
"""
import logging
import sys
import threading

from wsgi_ng.errors import ConnectionClosed, LocalProtocolError, MessageTooBig

log = logging.getLogger("wsgi_ng.websocket")

#: The close code for a handler that raised.
_INTERNAL_ERROR = 1011


def _name(fn):
    """How a log line names a handler function."""
    owner = getattr(fn, "__self__", None)
    name = getattr(fn, "__name__", None) or type(fn).__name__
    if owner is not None:
        return "%s.%s" % (type(owner).__name__, name)
    return name


def handler_calls(handler, on_close=None):
    """``(on_message, on_close)`` of what an app gives ``serve()``: an
    object with ``on_message(ws, message)`` (and, when *on_close* is not
    given, maybe ``on_close(ws, code, reason)``), or a callable taking
    ``(ws, message)``; *on_close* may be None."""
    on_message = getattr(handler, "on_message", None)
    if on_message is None:
        on_message = handler
    if not callable(on_message):
        raise LocalProtocolError(
            "serve() takes an object with on_message(ws, message), or a "
            "callable taking (ws, message); got %r" % (handler,))
    if on_close is None:
        on_close = getattr(handler, "on_close", None)
    if on_close is not None and not callable(on_close):
        raise LocalProtocolError("on_close must be callable, got %r"
                                 % (on_close,))
    return on_message, on_close


class Served(object):
    """The handler of one session (see ``handler_calls``), as hosts call
    it."""

    def __init__(self, session, handler, on_close=None):
        on_message, on_close = handler_calls(handler, on_close)
        self.session = session
        self.on_message = on_message
        self.on_close = on_close
        #: ``sys.exc_info()`` of the first handler call that raised, if any
        #: (the test client raises it in the test).
        self.error = None
        self._ended = False
        self._end_lock = threading.Lock()

    def deliver(self, messages):
        """Call ``on_message`` for each of *messages*, in order; returns
        False once the session takes no more (the app closed it, or a call
        raised and it was closed with 1011)."""
        session, channel = self.session, self.session._channel
        on_message = self.on_message
        for message in messages:
            if channel.closing:  # closed by the app: no more
                return False
            try:
                on_message(session, message)
            except Exception:
                self._failed(on_message)
                return False
        return not channel.closing

    def end(self):
        """The session is over: ``on_close(ws, code, reason)``, once."""
        with self._end_lock:
            if self._ended:
                return
            self._ended = True
        if self.on_close is None:
            return
        session = self.session
        try:
            self.on_close(session, session.close_code, session.close_reason)
        except Exception:
            self._failed(self.on_close)

    def _failed(self, fn):
        if self.error is None:
            self.error = sys.exc_info()
        log.exception("error in WebSocket handler %s; the session is closed "
                      "with 1011", _name(fn))
        self.session.close(_INTERNAL_ERROR)


class PoolDriver(object):
    """Runs a served session's work on a pool thread whenever ``wake()`` is
    called (from any thread), never twice at once: a wake that comes while
    it runs makes it look once more when it is done.  A subclass gives
    ``step()``, which does what there is to do now and returns True to
    wait for the next wake, False when the session is over."""

    def __init__(self, pool):
        self.pool = pool
        self._lock = threading.Lock()
        self._running = False
        self._again = False  # woken while running: look once more

    def wake(self):
        with self._lock:
            if self._running:
                self._again = True
                return
            self._running = True
        self.pool.submit(self.run)

    def run(self):
        while self.step():
            with self._lock:
                if not self._again:
                    self._running = False
                    return
                self._again = False

    def step(self):
        raise NotImplementedError


def run_blocking(session):
    """Serve *session*'s handler on this thread until the session ends:
    the form for hosts that cannot read sessions without a thread (a plain
    WSGI server through ``to_wsgi``, the test client)."""
    served, channel = session.served, session._channel
    while True:
        try:
            message = channel.receive()
        except (ConnectionClosed, MessageTooBig):
            break
        if not served.deliver([message]):
            break
    served.end()
