"""A new connection, until it is known which protocol it speaks.

On TLS, ALPN picks ``h2`` or ``http/1.1`` during the handshake; on
cleartext, a connection that opens with the HTTP/2 preface is HTTP/2 (prior
knowledge) and anything else HTTP/1.1.  A listening socket and a cleartext
connection whose first bytes have not all come wait in the poller like any
other socket: a client that connects and sends nothing costs a socket.
"""
import errno
import logging
import socket
import ssl
import time

from h2.config import H2Configuration
from h2.errors import ErrorCodes

from wsgi_ng._compat import monotonic, socket_object
from wsgi_ng.server.environ import base_environ
from wsgi_ng.server.h2state import ServerConnection
from wsgi_ng.server.http1 import HTTP1Connection
from wsgi_ng.server.http2 import HTTP2Connection
from wsgi_ng.server.shedding import BUSY

log = logging.getLogger("wsgi_ng.server")

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#: Its first line: a connection opening with it is HTTP/2, and a wrong
#: preface after it is answered as HTTP/2 (GOAWAY), never parsed as HTTP/1.
PREFACE_LINE = PREFACE[:16]
#: Connections one poll accepts at most from one listener, so a burst
#: cannot keep the loop from everything else.
_ACCEPT_BATCH = 64
#: Seconds a busy process waits at most before accepting (accept_delay).
_MAX_ACCEPT_DELAY = 0.01
_AGAIN = (errno.EAGAIN, errno.EWOULDBLOCK)


class Listener(object):
    """A listening socket waiting in the poller for connections."""

    def __init__(self, server, sock):
        self.server = server
        self.sock = socket_object(sock)
        self.sock.setblocking(False)  # accept until there is no more
        self.local = self.sock.getsockname()

    def fileno(self):
        return self.sock.fileno()

    def on_readable(self):
        """Accept what has come (a TLS handshake is queued for the pool; a
        cleartext connection waits here for its first bytes).  A stopping
        server accepts nothing more: connections wait in the backlog (for
        the next process, under ``--reload`` or gunicorn)."""
        server = self.server
        if server.stopping:
            return None
        batch = _ACCEPT_BATCH
        if server.config.accept_delay:
            # every process sharing the socket woke for this connection:
            # the one with fewest open connections should take it, so one
            # at a time, after a wait that grows with this one's share
            batch = 1
            time.sleep(min(_MAX_ACCEPT_DELAY, server.open_connections *
                           server.config.accept_delay))
        for _ in range(batch):
            try:
                sock, peer = self.sock.accept()
            except socket.error as error:
                if error.args[0] not in _AGAIN + (errno.ECONNABORTED,):
                    log.warning("accept failed: %s", error)  # e.g. EMFILE
                break
            self.arrived(socket_object(sock), peer)
        server.poller.wait(self)
        return None

    def arrived(self, sock, peer):
        server = self.server
        admitted = server.admit(sock, peer)
        if admitted is None:  # refused at once
            return
        sock.setblocking(True)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if server.tls is not None:
            server.request_pool.submit(self.handshake, sock, peer, admitted)
        elif admitted:
            server.watch(Sniffer(server, sock, peer, self.local))
        else:
            server.watch(Refuser(server, sock, sock, peer))

    def on_expired(self):  # never: a listener waits without a deadline
        self.server.poller.wait(self)

    def handshake(self, sock, peer, admitted=True):
        """TLS (a pool thread): the handshake, at most ``header_timeout``
        long, then the protocol ALPN chose (or a refusal in it)."""
        server = self.server
        try:
            sock.settimeout(server.config.header_timeout)
            wrapped = server.tls.wrap_socket(sock, server_side=True)
        except (socket.error, ssl.SSLError) as error:
            log.debug("TLS handshake with %s failed: %s", peer[0], error)
            server.close_sockets(sock, sock)
            if not admitted:
                server.refused(None)
            return
        if not admitted:
            Refuser(server, wrapped, sock, peer).refuse(
                wrapped.selected_alpn_protocol() == "h2")
            return
        environ = base_environ(self.local[0], self.local[1], "https", peer)
        if wrapped.selected_alpn_protocol() == "h2":
            connection = HTTP2Connection(server, wrapped, peer, environ)
        else:
            connection = HTTP1Connection(server, wrapped, peer, environ)
        connection.raw = sock
        task = server.begin(connection)
        if task is not None:
            task()  # this is a pool thread already

    def stop(self):
        self.server.poller.forget(self)


class Refuser(object):
    """A connection over ``max_connections``: once its first bytes tell
    what it speaks it gets a 503 (HTTP/2: SETTINGS and a GOAWAY refusing
    every stream), then a lingering close.  A client that says nothing
    within ``_REFUSAL_WAIT`` seconds is just closed."""

    def __init__(self, server, sock, raw, peer):
        self.server = server
        self.sock, self.raw, self.peer = sock, raw, peer
        self.linger = True
        self.deadline = monotonic() + _REFUSAL_WAIT

    def fileno(self):
        return self.sock.fileno()

    def on_readable(self):
        try:
            data = self.sock.recv(len(PREFACE_LINE))
        except socket.error:
            data = b""
        self.refuse(data.startswith(PREFACE_LINE[:len(data)]) and bool(data))

    def refuse(self, http2):
        try:
            self.sock.sendall(_GOAWAY if http2 else BUSY)
        except (socket.error, ssl.SSLError):
            pass
        self.server.refused(self)

    def on_expired(self):
        self.linger = False
        self.server.refused(self)

    def stop(self):
        if self.server.poller.forget(self):
            self.server.refused(self)

    kill = stop


def _refusal_goaway():
    """A server's first bytes on an HTTP/2 connection it refuses: SETTINGS,
    then a GOAWAY that processed no stream (the client may retry)."""
    connection = ServerConnection(H2Configuration(client_side=False))
    connection.initiate_connection()
    connection.close_connection(ErrorCodes.REFUSED_STREAM, last_stream_id=0)
    return connection.data_to_send()


_GOAWAY = _refusal_goaway()
#: Seconds a refused connection may take to say what it speaks.
_REFUSAL_WAIT = 1.0


class Sniffer(object):
    """A cleartext connection until its first bytes tell its protocol."""

    def __init__(self, server, sock, peer, local):
        self.server = server
        self.sock = self.raw = sock
        self.peer = peer
        self.local = local
        self.data = b""
        self.linger = False
        self.deadline = monotonic() + server.config.header_timeout

    def fileno(self):
        return self.sock.fileno()

    def on_readable(self):
        try:
            chunk = self.sock.recv(65536)
        except socket.error:
            chunk = b""
        if not chunk:
            self.server.close(self)
            return None
        self.data += chunk
        if len(self.data) < len(PREFACE) and PREFACE.startswith(self.data):
            self.server.watch(self)  # the preface is still coming: wait
            return None  # (watch keeps self.deadline)
        environ = base_environ(self.local[0], self.local[1], "http",
                               self.peer)
        if self.data.startswith(PREFACE_LINE):
            connection = HTTP2Connection(self.server, self.sock, self.peer,
                                         environ, self.data)
        else:
            connection = HTTP1Connection(self.server, self.sock, self.peer,
                                         environ, self.data)
        connection.raw = self.raw
        return self.server.begin(connection, replacing=self)

    def on_expired(self):
        self.server.close(self)  # nothing (enough) came in time

    def stop(self):
        """The server stops: a request on its way is still served, if it
        comes within ``_STOP_GRACE`` seconds."""
        if self.server.poller.forget(self):
            self.deadline = min(self.deadline, monotonic() + _STOP_GRACE)
            self.server.watch(self)

    def kill(self):
        if self.server.poller.forget(self):
            self.server.close(self)


#: Seconds a connection that has sent nothing yet may still take to send
#: its request once the server stops.
_STOP_GRACE = 1.0
