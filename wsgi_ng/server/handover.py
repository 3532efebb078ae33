"""gunicorn's raw-socket handover, for legacy apps that do WebSocket
themselves.

flask-sock, simple-websocket and python-socketio (Flask-SocketIO in
threading mode) find the client's socket in ``environ["gunicorn.socket"]``,
write the ``101`` and every frame on it themselves, and end the request by
raising ``StopIteration`` -- gunicorn's word for "the connection is gone",
after which it writes nothing and closes the connection.  The reference
server makes a contained app the same offer on an HTTP/1.1 WebSocket
handshake, so such apps run unchanged:

* ``gunicorn.socket`` is a stand-in for the connection's socket
  (``HandedSocket``): every call reaches the real one, and the first that
  does more than look at it makes the connection the app's.  The server
  needs to know that -- it cannot tell an app that took the connection from
  one that only looked -- because from then on it must write nothing there.
  ``close()`` on it shuts the connection down; the server releases the
  descriptor once the app's call has ended.
* A connection taken over is a WebSocket session to the server: it holds
  its thread (it leaves the request pool), counts against
  ``max_websockets`` and not as a slow app call, and loses the server's
  time limits: the app's own library keeps the session alive and decides
  when it ends.
* The app's call ends the session however it ends: ``StopIteration`` and
  socket errors quietly, any other exception with its traceback in the
  log; what it returns is closed unread.  The access log shows the status
  the app wrote (``101``).
* The connection is then closed cleanly.  A library may still be
  finishing the closing handshake on a thread of its own (simple-websocket
  answers the client's closing frame there, and closes the socket after):
  the server waits for that close, at most ``LINGER`` seconds, then shuts
  its write side down, reads away what the client still sends until it
  closes too (within the same bound), and releases the socket.

Over HTTP/2 there is no socket to hand over (the connection carries other
streams): such an app answers with its own fallback, and ``from_wsgi``
says why in the log, once.
"""
import logging
import socket
import threading

from wsgi_ng import keys
from wsgi_ng._compat import monotonic, wait_readable
from wsgi_ng.iterables import close_iterable
from wsgi_ng.server.exchange import ClientGone
from wsgi_ng.shims.contained import is_contained

log = logging.getLogger("wsgi_ng.server")

#: Seconds the server reads away what a client sends after the app's
#: session ended, before it closes the connection (gunicorn's 2 s).
LINGER = 2.0
_DRAIN_LIMIT = 64 * 1024
#: Calls on the stand-in that only look at the socket: no takeover.
_LOOKING = frozenset([
    "family", "type", "proto", "getpeername", "getsockname", "getsockopt",
    "gettimeout", "getpeercert", "cipher", "version", "compression",
    "selected_alpn_protocol",
])


def offer(connection, environ):
    """The ``Handover`` for this HTTP/1.1 WebSocket handshake when the
    server's app is a contained legacy app; else None (a wsgi-ng app
    accepts through ``ng.websocket``)."""
    if not is_contained(connection.server.app):
        return None
    return Handover(connection, environ)


class Handed(ClientGone):
    """The app took the connection over: the exchange must send nothing."""


class Handover(object):
    """One handshake's offer of the socket, and what the app made of it."""

    def __init__(self, connection, environ):
        self.connection = connection
        self.environ = environ
        #: True once the connection is the app's (used, or ended by it).
        self.taken = False
        self._session = False  # used: it counts as a WebSocket session
        self.status = None  # the status of the head the app wrote
        self.released = threading.Event()  # the app closed the socket

    def app(self, environ, start_response):
        """The server's app, called with ``gunicorn.socket`` offered."""
        environ[keys.HANDOVER_SOCKET] = HandedSocket(self, self.connection.sock)
        try:
            result = self.connection.server.app(environ, start_response)
        except StopIteration:  # gunicorn's "the connection is mine"
            self.taken = True
            raise Handed("the app ended the connection")
        except Exception as error:
            if not self.taken:
                raise  # an ordinary app error: the server answers 500
            if not isinstance(error, socket.error):
                log.exception("error in app for %s after it took the "
                              "connection over", environ["PATH_INFO"])
            raise Handed("the app's session ended: %s" % error)
        if self.taken:
            close_iterable(result)
            raise Handed("the app's session ended")
        return result

    def take(self):
        """The app uses the socket: the connection is its own from now."""
        if not self.taken:
            self.taken = self._session = True
            server = self.connection.server
            server.request_pool.detach()
            server.session_began(self.environ, http1=True)
            self.connection.io.release()

    def wrote(self, data):
        """Note the status of the first head the app writes, for the log."""
        if self.status is None:
            parts = bytes(data[:16]).split(b" ")
            if len(parts) > 1 and parts[0].startswith(b"HTTP/") \
                    and parts[1][:3].isdigit():
                self.status = int(parts[1][:3])

    def finish(self):
        """Log the session and close the connection cleanly; the server
        writes nothing more on it."""
        server = self.connection.server
        if self._session:
            server.session_ended(http1=True)
        server.access_log(self.environ, self.status, 0)
        deadline = monotonic() + LINGER
        self.released.wait(LINGER)
        sock = self.connection.sock
        try:
            sock.shutdown(socket.SHUT_WR)
        except socket.error:
            return  # gone already
        drained = 0
        try:
            while drained < _DRAIN_LIMIT and wait_readable(
                    sock, max(0.0, deadline - monotonic())):
                data = sock.recv(65536)
                if not data:
                    break
                drained += len(data)
        except socket.error:
            pass  # reset: nothing more to read
        _shut(sock)  # wakes a reader the app may still have on it


def _shut(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except socket.error:
        pass  # already disconnected


class HandedSocket(object):
    """``environ["gunicorn.socket"]``: the connection's socket, noting when
    the app takes it over (see the module's doc)."""

    def __init__(self, handover, sock):
        self._handover = handover
        self._sock = sock

    def __getattr__(self, name):
        if name not in _LOOKING:
            self._handover.take()
        return getattr(self._sock, name)

    def send(self, data, *flags):
        self._handover.take()
        self._handover.wrote(data)
        return self._sock.send(data, *flags)

    def sendall(self, data, *flags):
        self._handover.take()
        self._handover.wrote(data)
        return self._sock.sendall(data, *flags)

    def close(self):
        """Shut the connection down; the server releases the descriptor
        when the app's call is over."""
        self._handover.take()
        _shut(self._sock)
        self._handover.released.set()

    def __repr__(self):
        return "<HandedSocket %r>" % (self._sock,)
