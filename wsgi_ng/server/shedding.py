"""Saying no under load, and saying it once.

Past a limit -- open connections, WebSocket sessions, the time a request
may wait for a thread -- a client gets ``503 Service Unavailable`` with a
``Retry-After`` (over HTTP/2, its stream is refused), never a silent close
or a wait without end.  The log gets one line per limit and interval with
a count, never a line per refusal: under attack a line per refusal is
itself the outage.
"""
import logging
import threading

from wsgi_ng._compat import monotonic

log = logging.getLogger("wsgi_ng.server")

#: Seconds between two log lines about the same limit.
INTERVAL = 10.0
#: What a refused HTTP/1.1 client is told to wait before trying again.
RETRY_AFTER = "1"
_BUSY_TEXT = b"503 Service Unavailable: the server is busy, try again\n"
#: The answer to an HTTP/1.1 client refused before its request was read.
BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: " +
        RETRY_AFTER.encode("ascii") + b"\r\nContent-Type: text/plain; "
        b"charset=utf-8\r\nContent-Length: " +
        str(len(_BUSY_TEXT)).encode("ascii") + b"\r\nConnection: close\r\n"
        b"\r\n" + _BUSY_TEXT)


class Tally(object):
    """Counts refusals for one limit and logs them at most once an
    *interval*: ``"max_connections=1000 reached: 57 refused in the last
    10 s (answered 503)"``.  A limit that makes clients wait rather than
    refuses them says so in *doing* and *done*."""

    def __init__(self, what, interval=INTERVAL, doing="refusing with 503",
                 done="refused in the last %.0f s (answered 503)"):
        self.what = what
        self.interval = interval
        self.doing, self.done = doing, done
        self.count = 0  # refused since the last line
        self.total = 0
        self._since = None
        self._lock = threading.Lock()

    def refused(self, now=None):
        """Count one; log when the interval is up.  The connections that
        are refused at once come from many threads: under the lock one of
        them takes the count, so the interval gets one line (it got one per
        thread that looked before the first had logged)."""
        now = monotonic() if now is None else now
        with self._lock:
            self.count += 1
            self.total += 1
            first = self._since is None
            if not first and now - self._since < self.interval:
                return
            count, since = self.count, self._since
            self.count, self._since = 0, now
        if first:
            log.warning("%s reached: %s (counted, logged at most every %g "
                        "s)", self.what, self.doing, self.interval)
        else:
            log.warning("%s reached: %d %s", self.what, count,
                        self.done % (now - since))
