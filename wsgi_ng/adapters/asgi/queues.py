"""The two bounded hand-overs between an app's thread and an ASGI event
loop, the bridges' only way across.

* ``Outbox``: from a thread to the coroutine that sends.  At most *depth*
  batches wait; the thread blocks for room, so a slow client slows the
  app down instead of filling memory.  A WebSocket handler run on the
  loop itself (``served.py``) posts without waiting: the loop cannot wait
  for itself, and its session reads nothing more until the handler is
  done.
* ``Inbox``: from the coroutine that receives to a thread.  The loop side
  stops receiving (``await room()``) while *limit* bytes wait, so the
  server stops reading the socket until the app catches up.

Every message of a WebSocket echo crosses both, so their cost counts: the
``Outbox``'s room is a ``queue.SimpleQueue`` of tokens (C code) rather
than a ``Semaphore`` (Python code on every call), and the thread wakes the
loop only when the loop waits for it.  The ``Inbox`` keeps a
``Condition``: one on a ``SimpleQueue`` measured slower under uvicorn.
The hand-over itself costs context switches whatever carries it (see
bench/README.md, "ASGI bridges").
"""
import collections
import queue
import threading

from wsgi_ng._compat import monotonic
from wsgi_ng.errors import Timeout
from wsgi_ng.server.exchange import ClientGone

#: A queue in C where there is one (3.7+), for the hot paths.
SimpleQueue = getattr(queue, "SimpleQueue", queue.Queue)
#: ``Outbox.put``'s *last*: the response ended normally, or was broken off,
#: or (a WebSocket session) the app handed the session to a handler.
END, ABORT, SERVE = "end", "abort", "serve"
#: ``Inbox.take``'s answer when nothing waits yet.
EMPTY = object()


class Outbox(object):
    """Batches of ASGI messages from an app's thread to the coroutine.

    *waiting* is the thread pool's network-wait marker (see
    ``wsgi_ng.server.pool``): a thread waiting for room does not count as
    working, so a slow client cannot take the pool's threads.
    """

    def __init__(self, loop, depth, waiting):
        self._loop = loop
        self._items = collections.deque()
        self._waiter = None  # the loop's future while it waits for items
        self._room = SimpleQueue()  # one token per batch that may wait
        for _ in range(depth):
            self._room.put(None)
        self._depth = depth
        self._waiting = waiting
        self._token = False  # the batch being sent took a room token
        #: True while a ``drain`` sends.
        self.draining = False
        #: True once the coroutine stopped sending (the client has gone).
        self.closed = False

    # -- the app's thread ---------------------------------------------------
    def put(self, batch, last=None):
        """Queue *batch* (a list of messages); raise ``ClientGone`` once the
        client has gone.  The final batch (*last* is ``END`` or ``ABORT``)
        never waits and never raises."""
        if last is None:
            try:
                self._room.get_nowait()
            except queue.Empty:
                with self._waiting:
                    self._room.get()
            if self.closed:
                raise ClientGone("the ASGI server says the client has gone")
        self._items.append((batch, last, last is None))
        if self._waiter is not None:  # else the loop finds it by itself
            self._loop.call_soon_threadsafe(self.wake)

    def put_nowait(self, batch, wake=True):
        """Queue *batch* from the loop's own thread, without room; with
        *wake* False the caller sends it (``drain``) or calls ``wake()``."""
        if self.closed:
            raise ClientGone("the ASGI server says the client has gone")
        self._items.append((batch, None, False))
        if wake:
            self.wake()

    # -- the loop -------------------------------------------------------------
    def wake(self):
        """Wake the coroutine waiting for batches (the loop)."""
        if self._waiter is not None:
            resolve(self._waiter)

    def take(self):
        """The next ``(batch, last)`` if one waits, else None."""
        if not self._items:
            return None
        batch, last, self._token = self._items.popleft()
        return batch, last

    async def wait(self):
        """Until batches wait that no ``drain`` is sending."""
        while not self._items or self.draining:
            self._waiter = self._loop.create_future()
            if not self._items or self.draining:  # else put() came first
                await self._waiter
            self._waiter = None

    async def drain(self, send, upto_last=False):
        """Send the batches waiting with ``await send(batch)``, until none
        is left; returns the *last* of the final batch sent, if it had one.
        One drain at a time: while one runs, another returns None at once
        (the running one sends what comes meanwhile).  With *upto_last*, a
        final batch is left for another drain: a handler run on the loop
        sends what it posted at once, without waking the sending coroutine,
        which alone ends the call."""
        if self.draining:
            return None
        self.draining = True
        try:
            while self._items:
                if upto_last and self._items[0][1] is not None:
                    return None
                batch, last = self.take()
                if not self.closed:
                    await send(batch)
                self.sent()
                if last is not None:
                    return last
            return None
        finally:
            self.draining = False
            if self._items:  # for the other drain
                self.wake()

    def sent(self):
        """One batch has gone out: room for the next."""
        if self._token:
            self._room.put(None)

    def close(self):
        """Stop: the thread's next ``put`` raises ``ClientGone``."""
        self.closed = True
        for _ in range(self._depth + 1):  # wake a thread waiting for room
            self._room.put(None)


class Inbox(object):
    """Items from the loop to one thread, at most about *limit* bytes
    waiting; ``end(error)`` after the last (*error* is raised by ``get``
    once the items are taken, else ``get`` returns None)."""

    def __init__(self, loop, limit, waiting):
        self._loop = loop
        self._limit = limit
        self._waiting = waiting
        self._cond = threading.Condition(threading.Lock())
        self._items = collections.deque()
        self._size = 0
        self._room = None  # the loop's future while it waits for room
        self._ended = False
        self._error = None
        #: Called (on the loop) as items or the end arrive, for a session
        #: whose handler runs on pool threads (``served.py``).
        self.wake = None

    # -- the loop -------------------------------------------------------------
    def put(self, item, size):
        """Queue *item*; returns whether the inbox is full now (then the
        loop should ``await room()`` before receiving more)."""
        with self._cond:
            self._items.append((item, size))
            self._size += size
            self._cond.notify()
            full = self._size >= self._limit
        if self.wake is not None:
            self.wake()
        return full

    async def room(self):
        """Wait while the thread has *limit* bytes or more to take."""
        with self._cond:
            if self._size < self._limit:
                return
            room = self._room = self._loop.create_future()
        await room

    def end(self, error=None):
        with self._cond:
            if not self._ended:
                self._ended, self._error = True, error
                self._cond.notify()
        if self.wake is not None:
            self.wake()

    # -- the thread -------------------------------------------------------
    def get(self, timeout=None):
        """The next item; None (or the ``end`` error) after the last;
        ``Timeout`` when nothing came within *timeout* seconds."""
        with self._cond:
            if not self._items and not self._ended:
                deadline = None if timeout is None else monotonic() + timeout
                with self._waiting:
                    while not self._items and not self._ended:
                        remaining = None if deadline is None \
                            else deadline - monotonic()
                        if remaining is not None and remaining <= 0:
                            raise Timeout("no data within %.3gs" % timeout)
                        self._cond.wait(remaining)
            if not self._items:
                if self._error is not None:
                    raise self._error
                return None
            return self._pop()

    def take(self):
        """The next item without waiting: ``EMPTY`` when none waits yet,
        None after the last (an ``end`` error is not raised: the session
        reports it)."""
        with self._cond:
            if self._items:
                return self._pop()
            return None if self._ended else EMPTY

    def _pop(self):
        """The first item; the loop may receive again when there is room
        (the lock is held)."""
        item, size = self._items.popleft()
        self._size -= size
        room = self._room
        if room is not None and self._size < self._limit:
            self._room = None
            self._loop.call_soon_threadsafe(resolve, room)
        return item

    def unget(self, item, size):
        """Put back what the thread could not use yet (a partial read)."""
        with self._cond:
            self._items.appendleft((item, size))
            self._size += size


def resolve(future, value=None):
    """Set the loop *future*'s result unless it is settled already (the
    waiter may have been cancelled meanwhile)."""
    if not future.done():
        future.set_result(value)


def cancelled(task):
    """Cancel the loop *task* (if any) without waiting for it."""
    if task is not None and not task.done():
        task.cancel()
