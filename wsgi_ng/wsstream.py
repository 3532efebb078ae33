"""``SocketStream``: the bytes of a WebSocket session over a connected
socket -- the stream under ``wschannel.FrameChannel`` wherever a session
owns a socket (a connection taken over, the test client's socket pair).
POSIX only (``FIONREAD`` counts the unread bytes), as the server is."""
import errno
import fcntl
import select
import socket
import struct
import termios

from wsgi_ng._compat import wait_readable
from wsgi_ng.errors import ConnectionClosed, Timeout
from wsgi_ng.wschannel import ABNORMAL_CLOSURE

_RECV_SIZE = 65536
_CONNECTION_LOST = (errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED,
                    errno.ESHUTDOWN, errno.EBADF)


class SocketStream(object):
    """A byte stream over a connected socket.

    With ``owned=False`` (a socket taken over from a WSGI server), closing
    only shuts the connection down: the server still holds the socket
    object and releases it itself, quietly, when it sees the EOF.
    """

    def __init__(self, sock, owned=True):
        self._sock = sock
        self._owned = owned

    def recv(self, timeout=None):
        """Return the next bytes, ``b""`` at EOF; raise ``Timeout`` when
        nothing arrived within *timeout* seconds."""
        if timeout is not None and not wait_readable(self._sock, timeout):
            raise Timeout("no data within %.3gs" % timeout)
        try:
            return self._sock.recv(_RECV_SIZE)
        except socket.error as exc:
            if exc.args and exc.args[0] in _CONNECTION_LOST:
                return b""
            raise

    def send(self, data):
        """Write all of *data*; raise ``ConnectionClosed`` if the peer left."""
        try:
            self._sock.sendall(data)
        except socket.error as exc:
            if exc.args and exc.args[0] in _CONNECTION_LOST:
                raise ConnectionClosed(ABNORMAL_CLOSURE, "connection lost")
            raise

    def unread(self):
        """Bytes that arrived and wait to be read (the kernel's buffer,
        and what TLS decrypted already)."""
        try:
            count = struct.unpack("i", fcntl.ioctl(
                self._sock.fileno(), termios.FIONREAD, b"\0\0\0\0"))[0]
        except (IOError, OSError, ValueError):  # closed meanwhile
            return 0
        pending = getattr(self._sock, "pending", None)
        return count + (pending() if pending else 0)

    def writable(self):
        """True when a small write would not wait (the kernel has room)."""
        try:
            poller = select.poll()
            poller.register(self._sock.fileno(), select.POLLOUT)
            return any(event & select.POLLOUT for _, event in poller.poll(0))
        except (IOError, OSError, ValueError):  # closed meanwhile
            return False

    def close(self):
        """Shut the socket down in both directions; release it if owned."""
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except socket.error:
            pass  # already disconnected: nothing left to shut down
        if self._owned:
            self._sock.close()
