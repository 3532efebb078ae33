"""App calls that run long, reported so an operator sees a hung app.

Every app call (an HTTP/1.1 request, an HTTP/2 stream) is noted while it
runs; the server's event loop asks ``report()`` now and then, which logs
one line, at most once an interval, naming the calls older than the
threshold -- method, path and age, oldest first -- however many there are:
a line per slow request would flood the log exactly when things go wrong.
A call that became a WebSocket session (accepted, or its socket handed
over) ends here as it does: a session legitimately lives long, and counts
as a session instead.

Under the gunicorn worker class, gunicorn's ``--timeout`` is a different
thing: it kills a worker whose heartbeat stops, and the wsgi-ng worker's
heartbeat runs on its own thread, so a hung app call does not stop it; this
report is how a hung call shows.
"""
import logging
import threading

from wsgi_ng._compat import monotonic

log = logging.getLogger("wsgi_ng.server")

#: Calls named in one line at most; the rest are counted.
_NAMED = 3


class SlowCalls(object):
    """``begin(environ)`` as a call starts, ``end(environ)`` when it
    returns or becomes a session; ``report()``."""

    def __init__(self, threshold, interval=None):
        self.threshold = threshold
        self.interval = threshold if interval is None else interval
        self._running = {}  # id(environ) -> (started, method, path)
        self._lock = threading.Lock()
        self._next_report = 0.0

    def begin(self, environ):
        self._running[id(environ)] = (monotonic(), environ["REQUEST_METHOD"],
                                      environ["PATH_INFO"])

    def end(self, environ):
        """The call with *environ* (the server's, alive until the call
        ends) returned or became a session; again later is a no-op."""
        self._running.pop(id(environ), None)

    @property
    def count(self):
        """App calls running now, sessions not included."""
        return len(self._running)

    def report(self):
        """Log the calls running longer than the threshold, if it is time."""
        now = monotonic()
        if now < self._next_report or not self.threshold:
            return
        with self._lock:
            if now < self._next_report:
                return
            self._next_report = now + min(self.interval, 1.0)
            slow = sorted(call for call in list(self._running.values())
                          if now - call[0] >= self.threshold)
            if not slow:
                return
            self._next_report = now + self.interval
        named = ", ".join("%s %s (%.0f s)" % (method, path, now - started)
                          for started, method, path in slow[:_NAMED])
        more = len(slow) - _NAMED
        log.warning("%d app call%s running longer than %g s: %s%s",
                    len(slow), "s" if len(slow) > 1 else "", self.threshold,
                    named, " and %d more" % more if more > 0 else "")
