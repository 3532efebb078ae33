"""The event loop ``from_asgi`` runs ASGI apps on: one per process, on a
thread of its own, started by the first request (or the host's lifespan
call) in the process that serves.

Pre-fork servers (gunicorn) import the app in the master and fork: a loop
thread started there would not exist in the workers, so the owner's pid
is checked on every use and a forked child starts its own.  The loop stops
at interpreter exit, after the exit handlers registered later (the ASGI
lifespan shutdown) have used it.
"""
import asyncio
import atexit
import os
import threading

#: Seconds to wait for the loop thread to start, and to stop.
_START_TIMEOUT = _STOP_TIMEOUT = 5.0


class LoopThread(object):
    """``run(coroutine)`` -> ``concurrent.futures.Future``; ``call(fn,
    *args)`` runs *fn* on the loop soon; ``loop`` is the running loop."""

    def __init__(self):
        self._lock = threading.Lock()
        self._pid = None
        self._loop = None
        self._thread = None

    @property
    def loop(self):
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    self._start()
        return self._loop

    def _start(self):
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        thread = threading.Thread(target=self._run, args=(loop, ready),
                                  name="wsgi-ng-asgi-loop")
        thread.daemon = True  # a stuck app must not keep the process alive
        thread.start()
        if not ready.wait(_START_TIMEOUT):  # a loop that cannot even start
            raise RuntimeError("the ASGI event loop thread did not start "
                               "within %gs" % _START_TIMEOUT)
        self._loop, self._thread, self._pid = loop, thread, os.getpid()
        atexit.register(self.stop)

    @staticmethod
    def _run(loop, ready):
        asyncio.set_event_loop(loop)
        loop.call_soon(ready.set)
        try:
            loop.run_forever()
        finally:
            loop.close()

    def run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    def call(self, fn, *args):
        self.loop.call_soon_threadsafe(fn, *args)

    def stop(self):
        """Stop this process's loop (tasks still running are dropped)."""
        with self._lock:
            if self._pid != os.getpid() or self._thread is None:
                return
            loop, thread, self._pid = self._loop, self._thread, None
        loop.call_soon_threadsafe(loop.stop)
        thread.join(_STOP_TIMEOUT)


#: The process's loop, shared by every ``from_asgi`` app.
LOOP = LoopThread()
