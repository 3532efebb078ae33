"""A bound on the partial WebSocket messages all sessions of a host hold
together.

One session holds at most one partial message (up to its
``max_message_size``) and what one read brought: a host reads a session's
stream only while its app waits for a message (``receive()``) or while no
handler of it runs (``serve()``), so a busy app means a full TCP window
(an HTTP/2 stream without flow-control credit) for its client, not memory.
Across thousands of sessions those partial messages could still add up,
so a host gives its sessions one ``Budget``: once they hold ``limit``
bytes together, a session in the middle of a message stops reading -- its
client feels back-pressure -- until others complete theirs.  Two
exceptions keep it fair and free of deadlock: a session with no partial
message may always read (small messages, the common case, usually arrive
whole in one read and are never held), and the session whose message
began first may always go on, so some message always completes.  What all
sessions hold stays under ``limit``, plus one message finishing, plus one
read per session reading.  The host may ask to hear of each wait
(*on_wait*), to tell its operator that the bound is being felt.
"""
import collections
import threading

from wsgi_ng._compat import Condition, monotonic
from wsgi_ng.errors import Timeout


class Budget(object):
    """``hold(channel, size)`` as a partial message grows, ``release(channel)``
    when it completes or the session ends; ``allows(channel)`` before a
    read.  A session driven by events that may not read ``park``s with a
    callback to resume it; a receiving thread ``wait_to_read``s.
    *on_wait()*, if given, is called each time a session is made to wait
    (under the budget's lock: it must be quick and must not call back)."""

    def __init__(self, limit, on_wait=None):
        self.limit = limit
        self._on_wait = on_wait or (lambda: None)
        self.used = 0
        #: The most ever held at once (for tests and operators).
        self.peak = 0
        self.cond = Condition(threading.Lock())
        self._held = collections.OrderedDict()  # channel -> bytes; oldest first
        self._parked = collections.OrderedDict()  # channel -> resume()

    @property
    def parked(self):
        """How many event-driven sessions wait for room now."""
        return len(self._parked)

    def _allows(self, channel):
        if channel not in self._held or self.used < self.limit:
            return True
        return next(iter(self._held)) is channel

    def allows(self, channel):
        with self.cond:
            return self._allows(channel)

    def hold(self, channel, size):
        with self.cond:
            self._held[channel] = self._held.get(channel, 0) + size
            self.used += size
            self.peak = max(self.peak, self.used)

    def release(self, channel):
        """*channel*'s partial message completed or was dropped."""
        with self.cond:
            size = self._held.pop(channel, 0)
            self._parked.pop(channel, None)
            if not size:
                return
            self.used -= size
            resumed = [(parked, resume) for parked, resume
                       in self._parked.items() if self._allows(parked)]
            for parked, _ in resumed:
                del self._parked[parked]
            self.cond.notify_all()
        for _, resume in resumed:
            resume()

    def park(self, channel, resume):
        """An event-driven session that may not read: ``resume()`` is
        called once it may (from the thread that made room).  Returns False
        when it may read already."""
        with self.cond:
            if self._allows(channel):
                return False
            self._parked[channel] = resume
            self.cond.notify_all()  # for tests waiting to see it parked
            self._on_wait()
            return True

    def wait_to_read(self, channel, deadline=None):
        """Block a receiving thread until *channel* may read; ``Timeout`` at
        *deadline* (``monotonic()`` time)."""
        with self.cond:
            if not self._allows(channel):
                self._on_wait()
            while not self._allows(channel):
                remaining = None if deadline is None else deadline - monotonic()
                if remaining is not None and remaining <= 0:
                    raise Timeout("no room for more of the message in time")
                self.cond.wait(remaining)
