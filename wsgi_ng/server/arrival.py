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

from wsgi_ng._compat import monotonic, socket_object
from wsgi_ng.server.environ import base_environ
from wsgi_ng.server.http1 import HTTP1Connection
from wsgi_ng.server.http2 import HTTP2Connection

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
        cleartext connection waits here for its first bytes)."""
        server = self.server
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
        if not server.admit(sock, peer):
            return
        sock.setblocking(True)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if server.tls is not None:
            server.request_pool.submit(self.handshake, sock, peer)
        else:
            server.watch(Sniffer(server, sock, peer, self.local))

    def on_expired(self):  # never: a listener waits without a deadline
        self.server.poller.wait(self)

    def handshake(self, sock, peer):
        """TLS (a pool thread): the handshake, at most ``header_timeout``
        long, then the protocol ALPN chose."""
        server = self.server
        try:
            sock.settimeout(server.config.header_timeout)
            wrapped = server.tls.wrap_socket(sock, server_side=True)
        except (socket.error, ssl.SSLError) as error:
            log.debug("TLS handshake with %s failed: %s", peer[0], error)
            server.close_sockets(sock, sock)
            return
        environ = base_environ(self.local[0], self.local[1], "https")
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
        environ = base_environ(self.local[0], self.local[1], "http")
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
        if self.server.poller.forget(self):
            self.server.close(self)

    def kill(self):
        self.stop()
