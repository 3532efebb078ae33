"""The poller's map of waiters and its epoll (or poll) set change together:
a thread that forgets a waiter another thread is still registering must
not leave the socket registered twice."""
import select
import socket
import threading

import pytest

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
