"""The only module that knows whether this is Python 2 or 3.

Everything else imports the names it needs from here, so the 2/3 split has
one home and disappears with one commit when 2.7 support ends.  Coverage is
combined across 2.7 and 3.x, so both branches below are measured.
"""
import errno
import select
import time

import six

PY2 = six.PY2
text_type = six.text_type
reraise = six.reraise

#: ``Condition.wait(timeout)`` on 2.7 polls, sleeping up to 50 ms between
#: looks: a notified thread may sleep on for that long.  A plain ``wait()``
#: blocks properly, so a wait that need not time out is better made so.
TIMED_WAIT_POLLS = PY2

if PY2:
    monotonic = time.time
    process_time = time.clock  # CPU seconds of all threads, on Unix

    def to_native(value, encoding="latin-1"):
        """Return *value* as a native ``str`` (bytes on 2.7)."""
        return value if isinstance(value, str) else value.encode(encoding)
else:
    monotonic = time.monotonic
    process_time = time.process_time

    def to_native(value, encoding="latin-1"):
        """Return *value* as a native ``str`` (text on 3.x).

        PEP 3333 carries HTTP's bytes in native strings as latin-1.
        """
        return value if isinstance(value, str) else value.decode(encoding)


def to_bytes(value, encoding="latin-1"):
    """Return *value* as bytes; text is encoded, bytes pass unchanged."""
    return value if isinstance(value, bytes) else value.encode(encoding)


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
        import socket
        probe = socket.fromfd(fd, socket.AF_INET, socket.SOCK_STREAM)
        family = socket.AF_INET6 if len(probe.getsockname()) == 4 \
            else socket.AF_INET
        probe.close()
        return socket.socket(_sock=socket.fromfd(fd, family, socket.SOCK_STREAM))
    import socket
    return socket.socket(fileno=fd)


def make_inheritable(sock):
    """Let a child process inherit *sock* (Python 3 closes descriptors on
    exec by default; Python 2 does not)."""
    if not PY2:
        sock.set_inheritable(True)
