"""The reference server: listening sockets, the accept loop, and the choice
of protocol for each connection.

One port speaks everything: on TLS, ALPN picks ``h2`` or ``http/1.1``; on
cleartext, a connection that opens with the HTTP/2 preface is HTTP/2 (prior
knowledge), anything else is HTTP/1.1, which may still switch to HTTP/2
(``Upgrade: h2c``) or to a WebSocket.
"""
import errno
import logging
import os
import select
import socket
import ssl
import threading
import time

from wsgi_ng._compat import Condition, monotonic, socket_from_fd
from wsgi_ng.lifecycle import Lifespan
from wsgi_ng.server.apps import prepare_app
from wsgi_ng.server.config import Config
from wsgi_ng.server.environ import base_environ
from wsgi_ng.server.http1 import PARK, HTTP1Connection, Upgrade
from wsgi_ng.server.http2 import HTTP2Connection
from wsgi_ng.server.parking import Parking
from wsgi_ng.server.pool import ThreadPool
from wsgi_ng.server.sockio import LINGER, Lingering
from wsgi_ng.startup import parse_bind

log = logging.getLogger("wsgi_ng.server")
access_log = logging.getLogger("wsgi_ng.access")

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#: Its first line: a connection opening with it is HTTP/2, and a wrong
#: preface after it is answered as HTTP/2 (GOAWAY), never parsed as HTTP/1.
PREFACE_LINE = PREFACE[:16]
#: Seconds a busy process waits at most before accepting (accept_delay).
_MAX_ACCEPT_DELAY = 0.01


def listen(host, port, backlog=1024):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    return sock


def tls_context(certfile, keyfile):
    """A server TLS context offering ``h2`` and ``http/1.1`` by ALPN."""
    context = ssl.SSLContext(getattr(ssl, "PROTOCOL_TLS_SERVER",
                                     ssl.PROTOCOL_SSLv23))
    context.load_cert_chain(certfile, keyfile)
    context.set_alpn_protocols(["h2", "http/1.1"])
    return context


class Server(object):
    """``Server(app, binds=["127.0.0.1:8000"]).serve_forever()``.

    *ng*: True when the app is written for wsgi-ng, False for a legacy WSGI
    app (run through ``from_wsgi``), None to decide from the app itself.
    """

    def __init__(self, app, binds=(), fds=(), sockets=(), ng=None, config=None,
                 tls=None):
        self.config = config or Config()
        self.app = prepare_app(app, ng, self.config.max_body_size)
        self.lifespan = Lifespan(app)  # the spec's ng_lifespan, if any
        self.tls = tls
        self.listeners = list(sockets)
        self.listeners += [listen(*parse_bind(bind)) for bind in binds]
        self.listeners += [socket_from_fd(fd) for fd in fds]
        if not self.listeners:
            self.listeners.append(listen("127.0.0.1", 8000))
        # App calls (HTTP/1.1 requests, HTTP/2 streams) run on this pool;
        # past its cap they queue.  A WebSocket session and an HTTP/2
        # connection's reader detach from it: they hold their thread for
        # long and must never starve requests.
        self.request_pool = ThreadPool(self.config.threads, "wsgi-ng")
        self.parking = Parking(self._resume, self._close)
        self.stopping = False
        self._open = 0  # connections accepted and not yet closed
        self._live = set()  # the connection handlers running on a thread
        self._live_lock = Condition(threading.Lock())
        self._wake_r, self._wake_w = os.pipe()
        self._stopped = threading.Event()

    @property
    def addresses(self):
        return [sock.getsockname()[:2] for sock in self.listeners]

    def serve_forever(self):
        self.lifespan.start()  # raises LifespanError: nothing is served
        for host, port in self.addresses:
            log.info("wsgi-ng serving on %s://%s:%d", "https" if self.tls else
                     "http", "[%s]" % host if ":" in host else host, port)
        try:
            while not self.stopping:
                try:
                    ready, _, _ = select.select(self.listeners + [self._wake_r],
                                                [], [])
                except (select.error, OSError) as error:
                    if error.args[0] == errno.EINTR:  # Python 2: a signal
                        continue
                    raise
                for listener in ready:
                    if listener is not self._wake_r:
                        self.accept(listener)
        finally:
            for listener in self.listeners:
                listener.close()
            self._drain()
            self.lifespan.stop()
            os.close(self._wake_r)
            os.close(self._wake_w)
            self._stopped.set()

    def accept(self, listener):
        if self.config.accept_delay and self._open:
            # every process sharing the socket woke for this connection:
            # the one with fewest open connections should take it
            time.sleep(min(_MAX_ACCEPT_DELAY,
                           self._open * self.config.accept_delay))
        try:
            sock, peer = listener.accept()
        except socket.error as error:  # e.g. EMFILE: log, keep serving
            if error.args[0] not in (errno.EAGAIN, errno.ECONNABORTED):
                log.warning("accept failed: %s", error)
                time.sleep(0.1)  # out of descriptors: give threads a moment
            return
        with self._live_lock:
            full = self._open >= self.config.max_connections
            if not full:
                self._open += 1
        if full:
            log.warning("max_connections=%d reached; connection from %s "
                        "closed", self.config.max_connections, peer[0])
            sock.close()
            return
        if not self.request_pool.submit(self.serve_connection, sock, peer,
                                        listener.getsockname()):
            self._close_sockets(sock, sock)  # shutting down

    def shutdown(self):
        """Stop accepting; in-flight requests get ``graceful_timeout``.
        Safe to call from a signal handler or another thread."""
        self.stopping = True
        try:
            os.write(self._wake_w, b"x")
        except OSError:
            pass

    def _drain(self):
        """Graceful shutdown: idle connections close, HTTP/2 clients get a
        GOAWAY, WebSocket sessions are closed with 1001, in-flight requests
        get ``graceful_timeout`` seconds; then what is left is cut off."""
        deadline = monotonic() + self.config.graceful_timeout
        self.parking.close()
        for handler in self._handlers():  # all at once: a WebSocket's
            stopper = threading.Thread(target=handler.stop)  # close may wait
            stopper.daemon = True
            stopper.start()
        if not self._wait_for_handlers(deadline):
            log.warning("graceful_timeout=%gs over; closing %d connections",
                        self.config.graceful_timeout, len(self._handlers()))
            for handler in self._handlers():
                handler.kill()
            self._wait_for_handlers(monotonic() + 1.0)
        self.request_pool.shutdown(1.0)

    def _wait_for_handlers(self, deadline):
        with self._live_lock:
            return self._live_lock.wait_for(lambda: not self._live,
                                            deadline - monotonic())

    def _handlers(self):
        with self._live_lock:
            return list(self._live)

    def _run_handler(self, handler, *args):
        with self._live_lock:
            self._live.add(handler)
        try:
            if self.stopping:
                return None
            return handler.run(*args)
        finally:
            with self._live_lock:
                self._live.discard(handler)
                self._live_lock.notify_all()

    def wait_stopped(self, timeout):
        return self._stopped.wait(timeout)

    # -- one connection (a pool thread) ---------------------------------------
    def serve_connection(self, sock, peer, local):
        raw, handler = sock, None
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            scheme, protocol, initial = "http", None, b""
            if self.tls is not None:
                sock.settimeout(self.config.header_timeout)
                sock = self.tls.wrap_socket(sock, server_side=True)
                scheme, protocol = "https", sock.selected_alpn_protocol()
            if protocol is None:
                initial = self.sniff(sock)
                if initial is None:
                    return
                if initial.startswith(PREFACE_LINE):
                    protocol = "h2"
            environ = base_environ(local[0], local[1], scheme)
            if protocol == "h2":
                handler = HTTP2Connection(self, sock, peer, environ, initial)
            else:
                handler = HTTP1Connection(self, sock, peer, environ, initial)
            handler.raw = raw
        except (socket.error, ssl.SSLError) as error:
            log.debug("connection from %s ended: %s", peer[0], error)
        finally:
            if handler is None:
                self._close_sockets(sock, raw)
        if handler is not None:
            self._serve(handler)

    def _resume(self, handler):
        """The parked *handler*'s next request is arriving (on the parking
        thread); for a lingering close, more bytes to throw away."""
        if isinstance(handler, Lingering):
            remaining = handler.deadline - monotonic()
            if handler.discard() or remaining <= 0:
                self._close(handler)
            else:
                self.parking.park(handler, remaining)
            return
        if not self.request_pool.submit(self._serve, handler, True):
            self._close(handler)  # shutting down

    def _serve(self, handler, resumed=False):
        """Run *handler* until it closes, parks or switches to HTTP/2."""
        try:
            if isinstance(handler, HTTP2Connection):
                self.request_pool.detach()  # the reader lives as long as it
                self._run_handler(handler)
            else:
                outcome = self._run_handler(handler, resumed)
                if outcome is PARK:
                    self.parking.park(handler, self.config.keep_alive_timeout)
                    return
                if isinstance(outcome, Upgrade):
                    self.request_pool.detach()
                    upgraded = HTTP2Connection(
                        self, handler.sock, handler.peer, handler.base_environ,
                        upgrade=outcome)
                    self._run_handler(upgraded)
                    handler.linger = upgraded.linger
        except (socket.error, ssl.SSLError) as error:
            log.debug("connection from %s ended: %s", handler.peer[0], error)
        self._close(handler)

    def _close(self, handler):
        """Close *handler*'s connection; lingering (see ``Lingering``) when
        the server answered and the client may still be sending."""
        if getattr(handler, "linger", False):
            lingering = Lingering(handler)
            lingering.deadline = monotonic() + LINGER
            self.parking.park(lingering, LINGER)  # closed at once if stopped
            return
        self._close_sockets(handler.sock, handler.raw)

    def _close_sockets(self, sock, raw):
        """Close a connection (a TLS wrapper, then the socket itself)."""
        for each in (sock, raw):
            try:
                each.close()
            except socket.error:
                pass
        with self._live_lock:
            self._open -= 1

    def sniff(self, sock):
        """The first bytes, enough to tell the HTTP/2 preface from HTTP/1;
        None when the client sent nothing in time."""
        sock.settimeout(self.config.header_timeout)
        data = b""
        try:
            while len(data) < len(PREFACE) and PREFACE.startswith(data):
                chunk = sock.recv(65536)
                if not chunk:
                    return None if not data else data
                data += chunk
        except socket.timeout:
            return None
        return data

    def access_log(self, environ, status, size):
        if not access_log.isEnabledFor(logging.INFO):
            return
        access_log.info('%s - - [%s] "%s %s%s %s" %s %s "%s" "%s"',
                        environ.get("REMOTE_ADDR", "-"),
                        time.strftime("%d/%b/%Y:%H:%M:%S %z"),
                        environ["REQUEST_METHOD"], environ["PATH_INFO"],
                        "?" + environ["QUERY_STRING"] if environ["QUERY_STRING"]
                        else "", environ["SERVER_PROTOCOL"], status or "-",
                        size or "-", environ.get("HTTP_REFERER", "-"),
                        environ.get("HTTP_USER_AGENT", "-"))
