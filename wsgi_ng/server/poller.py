"""The server's one event loop: sockets waiting to be read, without a
thread each.

Everything that waits for a client waits here -- listening sockets, request
heads still arriving (a slow client costs a buffer, not a thread), idle
keep-alive connections, HTTP/2 connections between frames, closes that
linger -- and a deadline can come with each wait (``header_timeout``,
``keep_alive_timeout``).  A *waiter* is any object with ``fileno()``; when
its socket turns readable (or its deadline passes) it is taken out and
returned by ``poll()``, and whoever handles it registers it again to wait
more: a socket is handled by one thread at a time.

On epoll a socket stays in the epoll set, level-triggered, while it is
handled, and waiting again costs no system call: a keep-alive request or a
WebSocket message saves the re-arm a one-shot registration needs (an
``epoll_ctl`` per request).  A socket that turns readable while nobody
waits for it (its handler is still busy) is taken out of the set there and
then, and put back by its next wait; level-triggered, the bytes that came
meanwhile are reported by the next poll, so no wake-up is lost.  The server
takes a socket out of the set before closing it (``drop``): a descriptor a
child process inherited would otherwise keep firing for a number that is
no longer ours.

``poll()`` runs on one thread at a time -- the server's poll task, which
any pool thread may run -- while ``wait()`` may be called from any thread.
"""
import errno
import heapq
import itertools
import os
import select
import socket
import threading

from wsgi_ng._compat import monotonic

_READABLE = select.POLLIN | select.POLLPRI | select.POLLHUP | select.POLLERR
#: Longest poll, seconds, however far the next deadline is: bounds how late
#: a deadline set during a poll can be noticed.
_MAX_WAIT = 1.0


class Poller(object):
    """``wait(waiter, deadline)``; ``poll(timeout)`` -> ``(ready, expired)``
    lists of waiters; ``wake()`` makes a blocked ``poll`` return."""

    def __init__(self):
        self._lock = threading.Lock()
        self._waiting = {}  # fd -> (waiter, deadline or None)
        self._deadlines = []  # heap of (deadline, seq, fd, waiter)
        self._planned = {}  # fd -> its entry in the heap (see wait())
        self._seq = itertools.count()
        self._poll = _Epoll() if hasattr(select, "epoll") else _Poll()
        self._wake_r, self._wake_w = os.pipe()
        self._poll.register_always(self._wake_r)
        self._blocked_until = None  # when a poll in progress will return

    def wait(self, waiter, deadline=None):
        """Wait for *waiter*'s socket to be readable, or *deadline*
        (``monotonic()`` time) to pass, whichever comes first."""
        fd = waiter.fileno()
        # the map and the epoll set change together, under the lock: a
        # waiter seen in the map but not yet registered was forgotten by
        # another thread, which registered the socket for its lingering
        # close -- and then this register failed with EEXIST (a CI run)
        with self._lock:
            self._waiting[fd] = (waiter, deadline)
            if deadline is not None:
                self._plan(fd, waiter, deadline)
            blocked = self._blocked_until  # (poll() clears it unlocked)
            early = deadline is not None and blocked is not None \
                and deadline < blocked
            self._poll.arm(fd, waiter)
        if early or self._poll.needs_wake:
            self.wake()

    def forget(self, waiter):
        """Stop waiting for *waiter*; True when it was waiting (the caller
        has it now), False when it is being handled elsewhere."""
        try:
            fd = waiter.fileno()
        except (socket.error, ValueError):  # closed
            return False
        with self._lock:
            known = self._waiting.get(fd)
            if known is None or known[0] is not waiter:
                return False
            del self._waiting[fd]
            self._poll.unregister(fd)
        return True

    def drop(self, fd):
        """*fd* is about to be closed: out of the poll set for good."""
        with self._lock:
            self._poll.unregister(fd)

    def wake(self):
        try:
            os.write(self._wake_w, b"x")
        except OSError:  # the pipe is full: it will wake anyway
            pass

    def _plan(self, fd, waiter, deadline):
        """Have the heap hold a deadline no later than *deadline* for
        *waiter* (the lock is held).  An entry of the waiter's that is due
        no later stands for this one too: a keep-alive connection waits
        with a later deadline after every request, and its entry is
        planned anew only when it comes due (``_next_deadline``), not
        pushed and popped once a request."""
        planned = self._planned.get(fd)
        if planned is None or planned[3] is not waiter or \
                planned[0] > deadline:
            entry = (deadline, next(self._seq), fd, waiter)
            heapq.heappush(self._deadlines, entry)
            self._planned[fd] = entry

    def _next_deadline(self, now):
        """The earliest deadline to wake for, or None (the lock is held):
        one that has come (*now*) is a waiter's real one, a later one may
        stand for a later deadline (see ``_plan``), which it becomes once
        it comes."""
        deadlines, planned = self._deadlines, self._planned
        while deadlines:
            entry = deadlines[0]
            deadline, _, fd, waiter = entry
            current = planned.get(fd) is entry
            if current and deadline > now:
                return deadline
            known = self._waiting.get(fd) if current else None
            if known is not None and known[0] is waiter and \
                    known[1] == deadline:
                return deadline  # due
            heapq.heappop(deadlines)  # replaced, or come but not meant now:
            if current:  # served, forgotten, or waiting for longer
                del planned[fd]
                if known is not None and known[0] is waiter and \
                        known[1] is not None:
                    self._plan(fd, waiter, known[1])
        return None

    def poll(self, timeout):
        """Wait at most *timeout* seconds (None: until something happens);
        returns ``(ready, expired)``: waiters whose socket is readable and
        waiters whose deadline passed, all taken out."""
        wait = _MAX_WAIT if timeout is None else min(timeout, _MAX_WAIT)
        # the deadline and the poll's end under one turn of the lock: a
        # wait() with an earlier deadline either came before (and is
        # counted here) or sees the end and wakes this poll
        with self._lock:
            now = monotonic()
            deadline = self._next_deadline(now)
            if deadline is not None:
                wait = max(0.0, min(wait, deadline - now))
            self._blocked_until = now + wait
        try:
            fds = self._poll.poll(wait)
        finally:
            self._blocked_until = None  # (seen late, it wakes a poll less)
        ready = []
        for fd in fds:
            if fd == self._wake_r:
                try:
                    os.read(self._wake_r, 4096)
                except OSError:
                    pass
                continue
            waiter = self._take(fd, armed=False)
            if waiter is not None:
                ready.append(waiter)
        # (a deadline set during the poll and passed already is the next
        # turn's: that poll returns at once)
        if deadline is None or deadline > monotonic():
            return ready, ()
        return ready, self._expired()

    def _take(self, fd, armed):
        """Take *fd*'s waiter out; *armed*: it did not fire (a deadline)."""
        with self._lock:
            known = self._waiting.pop(fd, None)
            if known is None:  # handled elsewhere: out until it waits again
                if not armed:
                    self._poll.unregister(fd)
                return None
            if armed or self._poll.one_shot:
                self._poll.unregister(fd)
        return known[0]

    def _expired(self):
        now, expired = monotonic(), []
        while True:
            with self._lock:
                deadline = self._next_deadline(now)
                if deadline is None or deadline > now:
                    return expired
                _, _, fd, waiter = heapq.heappop(self._deadlines)
                del self._planned[fd]
            if self._take(fd, armed=True) is waiter:
                expired.append(waiter)

    def waiters(self):
        """Every waiter waiting now (for shutdown)."""
        with self._lock:
            return [waiter for waiter, _ in self._waiting.values()]

    def close(self):
        self._poll.close()
        os.close(self._wake_r)
        os.close(self._wake_w)


class _Epoll(object):
    """``epoll`` with level-triggered registrations kept while their socket
    is handled (see the module's doc): ``arm`` makes a system call only for
    a socket out of the set or a new owner of its number."""

    needs_wake = False  # epoll sees a registration made during a wait
    one_shot = False  # a fired socket stays in the set (see the doc)

    def __init__(self):
        self._epoll = select.epoll()
        self._owners = {}  # fd -> the waiter it is in the epoll set for

    def register_always(self, fd):
        self._epoll.register(fd, select.EPOLLIN)

    def arm(self, fd, owner):
        known = self._owners.get(fd)
        if known is owner:
            return  # in the set still: what came meanwhile is reported
        self._owners[fd] = owner
        if known is not None:  # another waiter on this socket -- or on a
            try:  # number closed and reused, no longer in the set
                self._epoll.modify(fd, select.EPOLLIN)
                return
            except (IOError, OSError):
                pass
        self._epoll.register(fd, select.EPOLLIN)

    def unregister(self, fd):
        """Take *fd* out of the set (it may be closed and its number
        reused)."""
        if self._owners.pop(fd, None) is not None:
            try:
                self._epoll.unregister(fd)
            except (IOError, OSError, ValueError):  # closed already
                pass

    def poll(self, timeout):
        try:
            return [fd for fd, _ in self._epoll.poll(timeout)]
        except (IOError, OSError) as error:
            if error.args[0] == errno.EINTR:  # Python 2: a signal
                return []
            raise

    def close(self):
        self._epoll.close()


class _Poll(object):
    """``poll`` where there is no epoll: a registration made while another
    thread polls counts from its next poll, so the poll is woken."""

    needs_wake = True
    one_shot = True  # level-triggered: taken out when it fires, by hand

    def __init__(self):
        self._poll = select.poll()

    def register_always(self, fd):
        self._poll.register(fd, _READABLE)

    def arm(self, fd, owner):
        self._poll.register(fd, _READABLE)

    def unregister(self, fd):
        try:
            self._poll.unregister(fd)
        except (KeyError, ValueError):
            pass

    def poll(self, timeout):
        try:
            return [fd for fd, _ in self._poll.poll(
                None if timeout is None else int(timeout * 1000) + 1)]
        except (select.error, OSError) as error:
            if error.args[0] == errno.EINTR:
                return []
            raise

    def close(self):
        pass
