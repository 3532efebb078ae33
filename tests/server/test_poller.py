"""The poller's map of waiters and its epoll (or poll) set change together:
a thread that forgets a waiter another thread is still registering must
not leave the socket registered twice."""
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
