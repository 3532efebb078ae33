"""A thread pool that grows on demand up to a cap and shrinks when idle.

The server runs every connection (HTTP/1.1: the whole conversation;
HTTP/2: the frame loop) and every HTTP/2 stream's app call on threads from
two such pools.  Growing to a cap instead of a fixed size means a quiet
server holds few threads, and a burst of WebSocket sessions -- each of
which holds its thread for its lifetime -- takes new threads instead of
starving ordinary requests, until the cap says no.
"""
import collections
import logging
import threading

from wsgi_ng._compat import monotonic

log = logging.getLogger("wsgi_ng.server")


class ThreadPool(object):
    """``submit(fn, *args)`` runs *fn* on a pooled thread.  When all
    ``max_threads`` threads are busy it either queues the task until one is
    free (``queue=True``) or returns False and runs nothing.

    A task that turns out to hold its thread for long (a WebSocket session,
    an HTTP/2 connection's reader) calls ``detach()``: its thread stops
    counting toward ``max_threads`` and ends with the task, so the pool
    keeps ``max_threads`` threads for short work.
    """

    def __init__(self, max_threads, name, idle_timeout=30.0, queue=False):
        self.max_threads = max_threads
        self.queue = queue
        self.name = name
        self.idle_timeout = idle_timeout
        self._cond = threading.Condition(threading.Lock())
        self._tasks = collections.deque()
        self._threads = 0
        self._idle = 0
        self._closed = False
        self._local = threading.local()

    @property
    def busy(self):
        """Threads of the pool running a task now (detached ones aside)."""
        with self._cond:
            return self._threads - self._idle

    def submit(self, fn, *args):
        with self._cond:
            if self._closed:
                return False
            if self._idle <= len(self._tasks) and \
                    self._threads >= self.max_threads and not self.queue:
                return False
            self._tasks.append((fn, args))
            self._cond.notify()
            self._spawn_if_needed()
        return True

    def _spawn_if_needed(self):
        """Start a thread when queued tasks outnumber idle threads and the
        cap allows (the condition is held)."""
        if self._idle >= len(self._tasks) or self._threads >= self.max_threads:
            return
        self._threads += 1
        thread = threading.Thread(target=self._work,
                                  name="%s-%d" % (self.name, self._threads))
        thread.daemon = True  # a stuck app must not keep the process alive
        thread.start()

    def detach(self):
        """Called from a task: its thread leaves the pool (see above)."""
        local = self._local
        if not getattr(local, "member", False):
            return
        local.member = False
        with self._cond:
            self._threads -= 1
            self._cond.notify_all()
            if not self._closed:
                self._spawn_if_needed()

    def _next_task(self):
        """The next task, or None when this thread should retire."""
        with self._cond:
            self._idle += 1
            deadline = monotonic() + self.idle_timeout
            try:
                while not self._tasks:
                    remaining = deadline - monotonic()
                    if self._closed or remaining <= 0:
                        self._threads -= 1
                        self._cond.notify_all()
                        return None
                    self._cond.wait(remaining)
                return self._tasks.popleft()
            finally:
                self._idle -= 1

    def _work(self):
        self._local.member = True
        task = self._next_task()
        while task is not None:
            fn, args = task
            try:
                fn(*args)
            except Exception:  # the task's own handler failed: keep the pool
                log.exception("unhandled error in %s thread", self.name)
            # drop the finished task's objects before waiting: on Python 2 a
            # socket is only closed when its last reference goes
            task = fn = args = None
            if not self._local.member:
                return  # detached: the thread ends with its task
            task = self._next_task()

    def shutdown(self, timeout):
        """Stop taking tasks; wait up to *timeout* s for running ones."""
        deadline = monotonic() + timeout
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            while self._threads:
                remaining = deadline - monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True
