"""Reads and writes with a time limit, in as few system calls as possible.

Python's socket timeout polls before every ``recv`` and every ``send``: two
system calls, and two releases of the GIL, each a chance for a thread
switch.  With dozens of busy connections those switches cost more than
parsing HTTP.  On a plain socket the kernel can keep the time limit itself
(``SO_RCVTIMEO``/``SO_SNDTIMEO``): the socket stays in blocking mode and a
call that runs out of time fails with ``EAGAIN``.  Measured on the
hello-world benchmark: 290 -> 180 microseconds of server CPU per request.

TLS sockets keep Python's timeout, because CPython's TLS read retries a
blocking socket's ``EAGAIN`` for ever.  There one timeout, ``send_timeout``,
serves every thread (HTTP/2 writes from many), and a read with its own limit
first waits with ``poll``.
"""
import errno
import socket
import ssl
import struct

from wsgi_ng._compat import monotonic, wait_readable

RECV_SIZE = 65536
_AGAIN = (errno.EAGAIN, errno.EWOULDBLOCK)
#: A read that returns at once even on a socket with a time limit.
_DONT_WAIT = getattr(socket, "MSG_DONTWAIT", 0)


class ReadTimeout(Exception):
    """Nothing arrived within the time given to ``recv``."""


def _timeval(seconds):
    """``struct timeval`` for SO_RCVTIMEO/SO_SNDTIMEO; all zeros means
    "no limit" to the kernel, so None maps there and 0 does not."""
    if seconds is None:
        return struct.pack("ll", 0, 0)
    micros = max(1, int(seconds * 1e6))
    return struct.pack("ll", micros // 1000000, micros % 1000000)


class TimedSocket(object):
    """*sock* with ``recv(timeout)`` and ``sendall(data)``; every send may
    stall at most *send_timeout* seconds."""

    def __init__(self, sock, send_timeout):
        self.sock = sock
        self.send_timeout = send_timeout
        self.kernel = not isinstance(sock, ssl.SSLSocket)
        self._recv_timeout = object()  # as last given to the kernel
        if self.kernel:
            # no TLS layer, so never bytes decrypted and unread: bool() is
            # False, a C call where the method is a Python frame (asked
            # three times a request)
            self.buffered = bool
            sock.settimeout(None)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO,
                            _timeval(send_timeout))
        else:
            sock.settimeout(send_timeout)

    def buffered(self):
        """True when TLS has decrypted bytes not yet read: ``poll`` cannot
        see them (a plain socket replaces this, see ``__init__``)."""
        return bool(self.sock.pending())

    def recv(self, timeout):
        """The next bytes, ``b""`` when the peer closed or reset the
        connection; ``ReadTimeout`` after *timeout* seconds (None: wait for
        ever)."""
        if timeout is not None and timeout <= 0:
            raise ReadTimeout()
        if self.kernel:
            if timeout != self._recv_timeout:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO,
                                     _timeval(timeout))
                self._recv_timeout = timeout
        elif timeout is not None and not self.buffered() and \
                not wait_readable(self.sock, timeout):
            raise ReadTimeout()
        try:
            return self.sock.recv(RECV_SIZE)
        except socket.timeout:  # TLS: a record cut off for send_timeout
            return b""
        except socket.error as error:
            if self.kernel and error.args[0] in _AGAIN:
                raise ReadTimeout()
            return b""  # reset by the peer: the same as a close

    def recv_ready(self):
        """What has arrived, without waiting: the poller said the socket is
        readable (or TLS holds decrypted bytes).  ``b""`` when the peer
        closed; None when nothing is there after all (TLS: only part of a
        record came)."""
        if self.kernel:
            try:  # (not waiting even when the readiness was stale)
                return self.sock.recv(RECV_SIZE, _DONT_WAIT)
            except socket.error as error:
                return None if error.args[0] in _AGAIN else b""
        self.sock.setblocking(False)
        try:
            return self.sock.recv(RECV_SIZE)
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return None
        except (ssl.SSLError, socket.error):
            return b""
        finally:
            self.sock.settimeout(self.send_timeout)

    def sendall(self, data):
        """Send all of *data*; ``socket.error`` when the peer is gone or
        stopped reading for ``send_timeout``."""
        if not self.kernel:
            self.sock.sendall(data)
            return
        view = memoryview(data)
        while True:
            started = monotonic()
            sent = self.sock.send(view)  # EAGAIN: no progress in time
            if sent == len(view):
                return
            # a short send is the kernel's time limit cutting in after some
            # progress (or a signal): a stall only when the time is over
            if monotonic() - started >= self.send_timeout:
                raise socket.timeout("the client stopped reading")
            view = view[sent:]

    def release(self):
        """Hand the socket on without time limits (a WebSocket session
        keeps its own)."""
        if self.kernel:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO,
                                 _timeval(None))
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO,
                                 _timeval(None))
        self.sock.settimeout(None)


class Lingering(object):
    """A connection the server closes while its client may still be
    sending: a request it refused, a GOAWAY it sent.  Closing a socket with
    unread data makes the kernel send a reset, which can destroy the answer
    still in flight to the client.  So the server stops writing (a FIN),
    and the poller reads and discards what arrives until the client's EOF
    or *deadline*: a lingering connection holds no thread."""

    def __init__(self, connection, deadline):
        # a TLS socket owns the descriptor; its shutdown also ends TLS, so
        # what is read afterwards is discarded as it came, encrypted
        self.server = connection.server
        self.sock, self.raw = connection.sock, connection.raw
        self.peer = connection.peer
        self.deadline = deadline
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except socket.error:
            pass

    def fileno(self):
        return self.sock.fileno()

    def on_readable(self):
        """Throw away what arrived; closed at the client's EOF."""
        try:
            done = not self.sock.recv(RECV_SIZE, socket.MSG_DONTWAIT)
        except socket.error as error:
            done = error.args[0] not in _AGAIN
        if done:
            self.server.close(self)
        else:
            self.server.watch(self)

    def on_expired(self):
        self.server.close(self)

    def stop(self):
        if self.server.poller.forget(self):
            self.server.close(self)

    kill = stop


#: Seconds a lingering close waits at most for the client's EOF.
LINGER = 2.0
