"""The poller's map of waiters and its epoll (or poll) set change together:
a thread that forgets a waiter another thread is still registering must
not leave the socket registered twice.  On epoll a socket stays in the set
while it is handled, so waiting again costs no system call, and nothing
that arrives meanwhile is lost."""
import os
import select
import socket
import threading

import pytest

from wsgi_ng._compat import monotonic
from wsgi_ng.server.poller import Poller

WAIT = 10.0


class Waiter(object):
    def __init__(self, sock):
        self.sock = sock

    def fileno(self):
        return self.sock.fileno()


class HeldUp(object):
    """The real epoll, whose ``register`` on the thread named "reader"
    waits a moment first: the other thread's turn, if it can take it."""

    def __init__(self, epoll, registering, go_on):
        self._epoll, self._registering, self._go_on = \
            epoll, registering, go_on

    def register(self, fd, flags):
        if threading.current_thread().name == "reader":
            self._registering.set()
            self._go_on.wait(0.2)
        self._epoll.register(fd, flags)

    def __getattr__(self, name):
        return getattr(self._epoll, name)


@pytest.mark.skipif(not hasattr(select, "epoll"), reason="epoll is Linux's")
def test_a_waiter_forgotten_while_it_registers_leaves_one_registration():
    """The CI failure: a connection waited again (the reader's thread) while
    its last stream ended (a pool thread), which forgot it and waited with
    its lingering close on the same socket -- and one of the two registers
    failed with EEXIST.  Here the first register is held up, the other
    thread forgets and waits meanwhile, and both must succeed."""
    poller = Poller()
    server_sock, client_sock = socket.socketpair()
    first, lingering = Waiter(server_sock), Waiter(server_sock)
    registering, go_on = threading.Event(), threading.Event()
    poller._poll._epoll = HeldUp(poller._poll._epoll, registering, go_on)
    errors = []

    def reader():
        try:
            poller.wait(first)
        except Exception as error:
            errors.append(error)
    thread = threading.Thread(target=reader, name="reader")
    try:
        thread.start()
        assert registering.wait(WAIT)
        if poller.forget(first):  # the stream's end took it over
            poller.wait(lingering)
        go_on.set()
        thread.join(WAIT)
        assert not errors, errors
        client_sock.sendall(b"x")
        ready, _ = poller.poll(WAIT)
        assert len(ready) == 1
    finally:
        go_on.set()
        poller.close()
        server_sock.close()
        client_sock.close()


class Entered(object):
    """The real epoll, whose ``poll`` says when it begins."""

    def __init__(self, epoll, entered):
        self._epoll, self._entered = epoll, entered

    def poll(self, timeout):
        self._entered.set()
        return self._epoll.poll(timeout)

    def __getattr__(self, name):
        return getattr(self._epoll, name)


@pytest.mark.skipif(not hasattr(select, "epoll"), reason="epoll is Linux's")
def test_a_deadline_earlier_than_a_poll_in_progress_wakes_it():
    """The poll computes its end and publishes it under one turn of the
    lock, and clears it unlocked: a waiter registered during the poll with
    an earlier deadline must wake it, and be expired."""
    poller = Poller()
    server_sock, client_sock = socket.socketpair()
    waiter = Waiter(server_sock)
    entered, woken = threading.Event(), []
    poller._poll._epoll = Entered(poller._poll._epoll, entered)
    wake = poller.wake
    poller.wake = lambda: (woken.append(True), wake())
    polled = []
    thread = threading.Thread(target=lambda: polled.append(poller.poll(WAIT)))
    try:
        thread.start()
        assert entered.wait(WAIT)
        poller.wait(waiter, deadline=0.0)  # long past: it expires at once
        thread.join(WAIT)
        assert woken and polled
        # expired by the woken poll or, at the latest, by the next one
        assert list(polled[0][1]) + list(poller.poll(0)[1]) == [waiter]
    finally:
        poller.close()
        server_sock.close()
        client_sock.close()


def test_a_deadline_to_come_keeps_its_waiter_waiting():
    """A poll that ends before the earliest deadline expires nothing (it
    skips the deadlines then); the waiter is still the poller's."""
    poller = Poller()
    server_sock, client_sock = socket.socketpair()
    waiter = Waiter(server_sock)
    try:
        poller.wait(waiter, deadline=monotonic() + 3600)
        ready, expired = poller.poll(0)
        assert not ready and not list(expired)
        assert poller.forget(waiter)
    finally:
        poller.close()
        server_sock.close()
        client_sock.close()


def _with_waiter(test):
    """Run *test(poller, waiter)* on a fresh poller and socket pair."""
    poller = Poller()
    server_sock, client_sock = socket.socketpair()
    try:
        test(poller, Waiter(server_sock))
    finally:
        poller.close()
        server_sock.close()
        client_sock.close()


def test_waiting_again_for_longer_outlives_the_first_deadline():
    """A keep-alive connection waits with a later deadline after each
    request; its first deadline, passed, expires nothing: the entry that
    stood for it is planned anew for the later one."""
    def test(poller, waiter):
        poller.wait(waiter, deadline=monotonic() - 1)
        poller.wait(waiter, deadline=monotonic() + 3600)
        ready, expired = poller.poll(0)
        assert not ready and not list(expired)
        assert poller.forget(waiter)  # still waiting
    _with_waiter(test)


def test_waiting_again_for_less_time_expires_at_the_earlier_deadline():
    def test(poller, waiter):
        poller.wait(waiter, deadline=monotonic() + 3600)
        poller.wait(waiter, deadline=monotonic() - 1)
        assert list(poller.poll(0)[1]) == [waiter]
    _with_waiter(test)


def test_keep_alive_waits_do_not_grow_the_deadline_heap():
    """Each wait with a later deadline is covered by the entry there is:
    no heap push per request (one entry per connection, not one per
    request, until it comes due)."""
    def test(poller, waiter):
        start = monotonic() + 3600
        for step in range(100):
            poller.wait(waiter, deadline=start + step)
        assert len(poller._deadlines) == 1
        poller.poll(0)
        assert poller.forget(waiter)
    _with_waiter(test)


class Counted(object):
    """The real epoll, counting the calls that change its set."""

    def __init__(self, epoll):
        self._epoll = epoll
        self.changes = []

    def register(self, fd, flags):
        self.changes.append("register")
        self._epoll.register(fd, flags)

    def modify(self, fd, flags):
        self.changes.append("modify")
        self._epoll.modify(fd, flags)

    def unregister(self, fd):
        self.changes.append("unregister")
        self._epoll.unregister(fd)

    def __getattr__(self, name):
        return getattr(self._epoll, name)


def _counted_poller():
    poller = Poller()
    counted = poller._poll._epoll = Counted(poller._poll._epoll)
    return poller, counted


needs_epoll = pytest.mark.skipif(not hasattr(select, "epoll"),
                                 reason="epoll is Linux's")


@needs_epoll
def test_waiting_again_after_a_read_changes_nothing_in_the_set():
    """A keep-alive request or a WebSocket message: read, answered, wait
    again -- with no epoll_ctl after the first registration."""
    poller, counted = _counted_poller()
    server_sock, client_sock = socket.socketpair()
    waiter = Waiter(server_sock)
    try:
        for message in (b"one", b"two", b"three"):
            poller.wait(waiter)
            client_sock.sendall(message)
            ready, _ = poller.poll(WAIT)
            assert ready == [waiter]
            assert server_sock.recv(100) == message
        assert counted.changes == ["register"]
    finally:
        poller.close()
        server_sock.close()
        client_sock.close()


@needs_epoll
def test_bytes_that_came_while_it_was_handled_are_reported_when_it_waits():
    """Readable while nobody waits for it (its handler is busy): out of the
    set, so polls do not spin on it -- and the bytes are reported once it
    waits again, not lost."""
    poller, counted = _counted_poller()
    server_sock, client_sock = socket.socketpair()
    fd = server_sock.fileno()
    waiter = Waiter(server_sock)
    try:
        poller.wait(waiter)
        client_sock.sendall(b"first")
        assert poller.poll(WAIT)[0] == [waiter]
        # handled, not read yet; more comes
        client_sock.sendall(b"second")
        assert poller.poll(0)[0] == []
        assert counted.changes == ["register", "unregister"]
        assert fd not in [each for each, _ in counted.poll(0)]
        poller.wait(waiter)
        assert poller.poll(WAIT)[0] == [waiter]
        assert server_sock.recv(100) == b"firstsecond"
    finally:
        poller.close()
        server_sock.close()
        client_sock.close()


@needs_epoll
def test_a_socket_dropped_before_its_close_is_not_reported_through_a_copy():
    """A child process that inherited the descriptor keeps the socket open
    after the server closed it: dropped first, it is out of the set, and
    its old number is not reported (it may be a new connection's now)."""
    poller = Poller()
    server_sock, client_sock = socket.socketpair()
    fd = server_sock.fileno()
    waiter = Waiter(server_sock)
    copy = os.dup(fd)  # the child's
    try:
        poller.wait(waiter)
        client_sock.sendall(b"x")
        assert poller.poll(WAIT)[0] == [waiter]
        poller.drop(fd)
        server_sock.close()
        client_sock.sendall(b"more")
        assert fd not in [each for each, _ in poller._poll._epoll.poll(0)]
    finally:
        os.close(copy)
        poller.close()
        client_sock.close()
