"""The only module that knows whether this is Python 2 or 3.

Everything else imports the names it needs from here, so the 2/3 split has
one home and disappears with one commit when 2.7 support ends.  Coverage is
combined across 2.7 and 3.x, so both branches below are measured.
"""
import errno
import math
import os
import select
import socket
import threading
import time

import six

PY2 = six.PY2
text_type = six.text_type
reraise = six.reraise

if PY2:
    monotonic = time.time
    process_time = time.clock  # CPU seconds of all threads, on Unix

    def to_native(value, encoding="latin-1"):
        """Return *value* as a native ``str`` (bytes on 2.7)."""
        return value if isinstance(value, str) else value.encode(encoding)

    #: HTTP's bytes as a native str: the very object on 2.7.
    bytes_to_native = str
else:
    monotonic = time.monotonic
    process_time = time.process_time

    def to_native(value, encoding="latin-1"):
        """Return *value* as a native ``str`` (text on 3.x).

        PEP 3333 carries HTTP's bytes in native strings as latin-1.
        """
        return value if isinstance(value, str) else value.decode(encoding)

    def bytes_to_native(value):
        """HTTP's bytes as a native str, latin-1 (PEP 3333): ``to_native``
        for what is bytes for sure -- the server calls it for every field
        of every request.  (A frame here is half the cost of an
        ``operator.methodcaller``, which looks ``decode`` up on every call;
        and "latin1" takes the codec's short cut.)"""
        return value.decode("latin1")


def to_bytes(value, encoding="latin-1"):
    """Return *value* as bytes; text is encoded, bytes pass unchanged."""
    return value if isinstance(value, bytes) else value.encode(encoding)


if hasattr(str, "isascii"):  # 3.7+: a flag of the string, no scan
    def utf8_length(text):
        """How many bytes *text* takes in UTF-8."""
        return len(text) if text.isascii() else len(text.encode("utf-8"))
else:
    def utf8_length(text):
        """How many bytes *text* takes in UTF-8."""
        return len(text.encode("utf-8"))


def is_native(value):
    """True when *value* is a native ``str``, the type PEP 3333 asks for."""
    return type(value) is str


def wait_readable(sock, timeout):
    """Block until *sock* is readable (data or EOF), at most *timeout* s.

    Returns False on timeout.  ``poll`` has no descriptor-number limit, so it
    is preferred; Python 2 does not retry on EINTR by itself (PEP 475), so
    the loop does.
    """
    deadline = None if timeout is None else monotonic() + timeout
    while True:
        remaining = None if deadline is None else max(0.0, deadline - monotonic())
        try:
            if hasattr(select, "poll"):
                poller = select.poll()
                poller.register(sock, select.POLLIN | select.POLLPRI)
                wait_ms = None if remaining is None else int(remaining * 1000)
                return bool(poller.poll(wait_ms))
            readable, _, _ = select.select([sock], [], [], remaining)
            return bool(readable)
        except (select.error, OSError) as exc:  # pragma: no cover - signals
            if exc.args[0] != errno.EINTR:
                raise


# The builtin exceptions framework code already catches for a timed-out
# wait and for a connection that ended (see ``errors``); the Python 3 names
# are unknown to 2.7 (and to flake8 there).
if PY2:
    TimeoutBase, ConnectionErrorBase = socket.timeout, IOError
else:
    ConnectionErrorBase = ConnectionError  # noqa: F821
    if socket.timeout is TimeoutError:  # noqa: F821 (3.10+)
        TimeoutBase = socket.timeout
    else:
        class TimeoutBase(socket.timeout, TimeoutError):  # noqa: F821
            """``socket.timeout`` and ``TimeoutError``, one since 3.10."""

if PY2:
    from urllib import unquote as _unquote_to_native
else:
    from urllib.parse import unquote_to_bytes as _unquote_bytes

    def _unquote_to_native(path):
        return _unquote_bytes(path).decode("latin-1")


def path_to_environ(path):
    """Percent-decode a request path into ``PATH_INFO``'s native string
    (raw bytes as latin-1 on Python 3, as PEP 3333 says)."""
    return _unquote_to_native(path)


def socket_from_fd(fd):
    """A socket object for an inherited listening descriptor *fd*, of
    whatever address family it has."""
    if PY2:
        probe = socket.fromfd(fd, socket.AF_INET, socket.SOCK_STREAM)
        family = socket.AF_INET6 if len(probe.getsockname()) == 4 \
            else socket.AF_INET
        probe.close()
        return socket.socket(_sock=socket.fromfd(fd, family, socket.SOCK_STREAM))
    return socket.socket(fileno=fd)


def socket_object(sock):
    """*sock* as a full socket object.  Python 2's ``socket.fromfd`` makes
    a bare ``_socket.socket`` (gunicorn 19 makes its socket-activated
    listeners so), which ``ssl`` cannot wrap, and whose ``accept()`` gives
    bare sockets too."""
    if PY2 and not isinstance(sock, socket.socket):
        return socket.socket(_sock=sock)
    return sock


def make_inheritable(sock):
    """Let a child process inherit *sock* (Python 3 closes descriptors on
    exec by default; Python 2 does not)."""
    if not PY2:
        sock.set_inheritable(True)


if PY2:
    import pkgutil

    def module_exists(name):
        """True when *name* can be imported (without importing it)."""
        return pkgutil.find_loader(name) is not None
else:
    import importlib.util

    def module_exists(name):
        """True when *name* can be imported (without importing it)."""
        return importlib.util.find_spec(name) is not None


def own_session():
    """``Popen`` options that start the child in a session (and so a
    process group) of its own, which can then be ended as a whole."""
    return {"preexec_fn": os.setsid} if PY2 else {"start_new_session": True}


def keeping_fds(*fds):
    """``Popen`` options that let the child inherit *fds* (Python 3 closes
    descriptors on exec by default; Python 2 keeps them all)."""
    return {"close_fds": False} if PY2 else {"pass_fds": list(fds)}


if PY2:
    # Daemon threads (the pool's watcher, HTTP/2 readers) may still run
    # while Python 2 tears its modules down, setting their globals to None:
    # what these classes call is bound at definition time, as defaults, so
    # such a thread ends quietly instead of with "'NoneType' object has no
    # attribute 'read'".
    class _Waiter(object):
        """A pipe to be woken through (see ``Condition``), waited on with
        ``poll`` where there is one: ``select`` refuses descriptors past
        1023, which a server with 1,000 connections passes (a graceful
        shutdown then died with "filedescriptor out of range in
        select()")."""

        def __init__(self):
            self.read_fd, self.write_fd = os.pipe()
            self._poll = select.poll() if hasattr(select, "poll") else None
            if self._poll is not None:
                self._poll.register(self.read_fd, select.POLLIN)

        def wait(self, timeout, _select=select.select, _ceil=math.ceil):
            """Until woken (the pipe is readable) or *timeout* s passed."""
            if self._poll is None:  # pragma: no cover - Windows
                _select([self.read_fd], [], [], timeout)
            else:
                self._poll.poll(None if timeout is None else
                                max(0, int(_ceil(timeout * 1000))))

        def close(self):
            os.close(self.read_fd)
            os.close(self.write_fd)

    #: Waiters between waits, taken by the next.  Not one per thread in a
    #: ``threading.local`` closed by its ``__del__``: that ran as a thread
    #: ended, while 2.7 cleared the thread's state, and released the GIL
    #: (``os.close``) -- another thread then ran the same frame, and the
    #: process crashed, 1 exit in 40 of a server started by --reload.
    _idle_waiters = []
    _IDLE_WAITERS = 64  # more are closed after their wait

    class _PipeCondition(object):
        """``threading.Condition`` whose timed ``wait`` blocks on a pipe
        (``_Waiter``).  Python 2.7's own polls, sleeping up
        to 50 ms between looks, so a notified thread slept on: HTTP/2
        full-duplex round trips took 12 ms instead of 0.8 ms."""

        def __init__(self, lock):
            self._lock = lock
            self._pending = []  # the waiters not yet notified
            self.acquire, self.release = lock.acquire, lock.release

        def __enter__(self):
            return self._lock.__enter__()

        def __exit__(self, *exc_info):
            return self._lock.__exit__(*exc_info)

        def wait(self, timeout=None, _read=os.read, _error=select.error,
                 _eintr=errno.EINTR, _idle=_idle_waiters, _new=_Waiter,
                 _keep=_IDLE_WAITERS, _len=len):
            try:
                waiter = _idle.pop()
            except IndexError:
                waiter = _new()
            self._pending.append(waiter)
            saved = self._release_all()
            try:
                while True:
                    try:
                        waiter.wait(timeout)
                        break
                    except _error as exc:  # a signal: wait again
                        if exc.args[0] != _eintr:
                            raise
            finally:
                self._acquire_all(saved)
            notified = waiter not in self._pending
            if notified:
                # its byte was written under the lock we now hold, even if
                # poll gave up just before: take it, and the pipe is empty
                _read(waiter.read_fd, 1)
            else:  # the time ran out
                self._pending.remove(waiter)
            if _len(_idle) < _keep:
                _idle.append(waiter)
            else:
                waiter.close()
            return notified

        def wait_for(self, predicate, timeout=None, _clock=monotonic):
            """Wait until *predicate()* is true or *timeout* has passed;
            returns its last value (as on Python 3)."""
            deadline = None if timeout is None else _clock() + timeout
            result = predicate()
            while not result:
                remaining = None if deadline is None else deadline - _clock()
                if remaining is not None and remaining <= 0:
                    break
                self.wait(remaining)
                result = predicate()
            return result

        def _release_all(self):
            if hasattr(self._lock, "_release_save"):  # an RLock, maybe held
                return self._lock._release_save()  # more than once
            self._lock.release()
            return None

        def _acquire_all(self, saved):
            if saved is not None:
                self._lock._acquire_restore(saved)
            else:
                self._lock.acquire()

        def notify(self, n=1, _write=os.write):
            for waiter in self._pending[:n]:
                self._pending.remove(waiter)
                _write(waiter.write_fd, b"x")

        def notify_all(self):
            self.notify(len(self._pending))

    class _GreenCondition(threading._Condition):
        """Python 2.7's own, for a process gevent or eventlet patched: its
        waits take their locks from the patched module, so they switch
        greenlets, where the unpatched ``poll`` above would block them
        all (with the waiter pipes of one thread shared by its greenlets)."""

        wait_for = _PipeCondition.wait_for.__func__

    _UNPATCHED_LOCK = threading.Lock

    def Condition(lock):
        """A condition on *lock* (see ``_PipeCondition``), chosen when
        made: an app may import wsgi_ng before gevent patches threading."""
        if threading.Lock is _UNPATCHED_LOCK:
            return _PipeCondition(lock)
        return _GreenCondition(lock)
else:
    Condition = threading.Condition
