"""The timed duties of WebSocket sessions, for every session of a process
on one thread: keepalive pings, the wait for the peer to answer them, and
the wait for the peer's closing frame after ours.

A session that only waits for its peer must cost no thread of its own, so
no session sleeps on a timer: each tells this clock when it next has
something to do (``schedule(channel, when)``) and the clock calls
``channel.tick(now)`` then, which does it without blocking -- a ping that
cannot be written at once is not waited for -- and returns when to call
again (None: never).  The clock's thread starts with the first session of
a process (pre-fork servers fork after import: the pid is checked) and
ends with the process.

Its lock is made then too, not at import: an app that imports wsgi_ng
before ``gevent.monkey.patch_all()`` (or eventlet's) would otherwise hold
the unpatched lock, and the clock's greenlet waiting on it would block
every greenlet of the process -- every WebSocket session hung.
"""
import atexit
import heapq
import itertools
import logging
import os
import threading

from wsgi_ng._compat import Condition, monotonic

log = logging.getLogger("wsgi_ng.websocket")

#: Held only while a process's clock is set up (never across a wait), so
#: it may be the unpatched lock under gevent.
_FIRST_USE = threading.Lock()


class Clock(object):
    """``schedule(channel, when)``: call ``channel.tick(now)`` at *when*
    (``monotonic()`` time), or at once if it has passed.  A channel has one
    call pending at a time: scheduling an earlier one replaces it, a later
    one waits for the tick to ask for it."""

    def __init__(self):
        self._cond = None  # made in each process by its first session
        self._heap = []  # (when, seq, channel)
        self._seq = itertools.count()
        self._pid = None
        self._thread = None
        self._stopped = False

    def schedule(self, channel, when):
        if self._pid != os.getpid():
            self._begin()
        with self._cond:
            pending = channel.tick_at
            if pending is not None and pending <= when:
                return
            seq = next(self._seq)
            channel.tick_at, channel.tick_seq = when, seq
            heapq.heappush(self._heap, (when, seq, channel))
            if self._heap[0][1] == seq:  # the clock may sleep past it
                self._cond.notify()

    def _begin(self):
        """This process's lock and thread, at its first session.  The
        parent's timers (a fork) are not this process's to keep."""
        with _FIRST_USE:
            if self._pid == os.getpid():
                return
            self._cond = Condition(threading.Lock())
            self._heap = []
            thread = threading.Thread(target=self._run, name="wsgi-ng-ws-clock")
            thread.daemon = True
            thread.start()
            self._thread = thread
            self._pid = os.getpid()

    def _due(self):
        """The next channel whose time has come; None once stopped."""
        with self._cond:
            while not self._stopped:
                if not self._heap:
                    self._cond.wait()
                    continue
                when, seq, channel = self._heap[0]
                delay = when - monotonic()
                if delay > 0:
                    self._cond.wait(delay)
                    continue
                heapq.heappop(self._heap)
                if channel.tick_seq == seq:  # else replaced by an earlier one
                    channel.tick_at = channel.tick_seq = None
                    return channel
        return None

    def _run(self):
        while True:
            channel = self._due()
            if channel is None:
                return
            try:
                again = channel.tick(monotonic())
            except Exception:  # one session's failure must not stop the clock
                log.exception("error in a WebSocket session's timer")
                again = None
            if again is not None:
                self.schedule(channel, again)
            channel = None  # a closed session is not kept alive here

    def stop(self):
        """End the thread and wait for it (at exit: Python 2 tears modules
        down under daemon threads, and one still waking then crashed the
        interpreter, 1 exit in 3 of a 2.7 test run)."""
        if self._pid != os.getpid():
            return  # no session here: no thread to end
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not threading.current_thread():
            thread.join(1.0)


#: The process's clock, shared by every session.
CLOCK = Clock()
atexit.register(CLOCK.stop)
