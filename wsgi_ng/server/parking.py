"""Connections waiting for their next request, without a thread each.

Between requests an HTTP/1.1 keep-alive connection is idle, often for
seconds.  Holding a thread per idle connection costs memory and, once many
of them wake at once, GIL contention that shows as long tail latency.  So
idle connections are *parked*: one thread polls all of them and hands a
connection back to the request pool when its next request starts to
arrive, or closes it when its keep-alive time is over.
"""
import errno
import os
import select
import threading

from wsgi_ng._compat import monotonic

_READABLE = select.POLLIN | select.POLLPRI | select.POLLHUP | select.POLLERR


class Parking(object):
    """``park(handler, timeout)``; *ready(handler)* is called (on the
    parking thread) when data arrives, *expired(handler)* when *timeout*
    passes first or the parking closes.  Handlers have ``fileno()``."""

    def __init__(self, ready, expired):
        self._ready = ready
        self._expired = expired
        self._lock = threading.Lock()
        self._arriving = []  # (handler, deadline) not yet registered
        self._parked = {}  # fd -> (handler, deadline)
        self._closed = False
        self._wake_r, self._wake_w = os.pipe()
        self._thread = threading.Thread(target=self._run, name="wsgi-ng-parking")
        self._thread.daemon = True
        self._thread.start()

    def park(self, handler, timeout):
        with self._lock:
            closed = self._closed
            if not closed:
                self._arriving.append((handler, monotonic() + timeout))
        if closed:
            self._expired(handler)
        else:
            self._wake()

    def _wake(self):
        try:
            os.write(self._wake_w, b"x")
        except OSError:  # pragma: no cover - the pipe is full: awake anyway
            pass

    def close(self):
        """Close every parked connection and stop the thread."""
        with self._lock:
            self._closed = True
        self._wake()
        self._thread.join()
        os.close(self._wake_r)
        os.close(self._wake_w)

    def _run(self):
        poller = select.poll()
        poller.register(self._wake_r, select.POLLIN)
        try:
            while True:
                with self._lock:
                    closed, arriving, self._arriving = (
                        self._closed, self._arriving, [])
                for handler, deadline in arriving:
                    self._parked[handler.fileno()] = (handler, deadline)
                    poller.register(handler.fileno(), _READABLE)
                if closed:
                    break
                self._wait(poller)
        finally:
            for fd, (handler, _) in list(self._parked.items()):
                poller.unregister(fd)
                self._expired(handler)
            self._parked.clear()

    def _wait(self, poller):
        deadlines = [deadline for _, deadline in self._parked.values()]
        timeout = None if not deadlines else max(
            0, int((min(deadlines) - monotonic()) * 1000) + 1)
        try:
            events = poller.poll(timeout)
        except (select.error, OSError) as error:  # pragma: no cover
            if error.args[0] == errno.EINTR:  # Python 2: a signal
                return
            raise
        for fd, _ in events:
            if fd == self._wake_r:
                os.read(self._wake_r, 4096)
                continue
            handler, _ = self._parked.pop(fd)
            poller.unregister(fd)
            self._ready(handler)
        now = monotonic()
        for fd, (handler, deadline) in list(self._parked.items()):
            if deadline <= now:
                del self._parked[fd]
                poller.unregister(fd)
                self._expired(handler)
