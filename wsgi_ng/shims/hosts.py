"""What each real WSGI server gives a request, learned by testing it.

``detect(environ)`` names the server from the keys it sets and returns a
``Host`` that answers three questions honestly for this request:

* can a WebSocket take over the client socket, and how does the session
  start (``sr101``: the server sends our 101 through ``start_response``;
  ``raw``: we write the 101 on the socket) and end without the server
  writing anything more or logging an error;
* which de-facto hooks exist: ``wsgi.early_hints`` (a real 103),
  trailers (``gunicorn.http2.send_trailers``, ``wsgi.ext.http.send_trailers``);
* can the request body be read to EOF when it has no length.

A server that is not recognised gets no takeover: guessing wrong would
corrupt a connection, while the fallback (the app's HTTP answer) is safe.
The facts behind each class are in ``shared/HOSTS.md`` and in the tests
that start each server.
"""
import errno
import socket
import sys

from wsgi_ng import keys
from wsgi_ng._compat import to_bytes

SR101, RAW = "sr101", "raw"

#: The fields PEP 3333 forbids an app to set, as waitress and wsgiref list
#: them: both answer 500 to an app that sets one (a legacy app's
#: ``Connection: close``, say).
HOP_BY_HOP = frozenset([
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
    "te", "trailers", "transfer-encoding", "upgrade"])


class Host(object):
    """An unrecognised WSGI server: PEP 3333 only, nothing taken over."""

    name = "wsgi"
    takeover = None  # SR101, RAW or None
    #: Whether the server decodes a chunked request body, so that reading
    #: ``wsgi.input`` to EOF works even without ``wsgi.input_terminated``.
    decodes_chunked = False

    def __init__(self, environ):
        self.environ = environ
        #: ``wsgi.input`` as the server made it: on some servers the way to
        #: the socket, and a shim may replace it in the environ.
        self.input = environ.get("wsgi.input")
        #: True when ``socket`` is a duplicate descriptor made for us: then
        #: the session closes it; otherwise the server does.
        self.owns_socket = False
        self._socket = self._no_socket = object()

    @property
    def socket(self):
        """The client connection's socket, or None; looked up on first use,
        which is only for a WebSocket handshake."""
        if self._socket is self._no_socket:
            self._socket = self.find_socket()
        return self._socket

    @property
    def http2(self):
        return self.environ.get("SERVER_PROTOCOL", "").startswith("HTTP/2")

    def find_socket(self):
        """Where this server keeps the client socket; None if nowhere."""
        return None

    def chunked_input(self):
        """A file whose ``read(size)`` returns the decoded chunked body
        (only used when ``decodes_chunked``)."""
        return self.input

    def drops_unsized_body(self):
        """True when this request has a body without a length that the
        server will not deliver, whatever ``wsgi.input_terminated`` says."""
        return False

    def early_hints(self):
        """A callable sending a real 103, or None.  Never for an HTTP/1.0
        client (RFC 9110 section 15.2; gunicorn's hook drops it silently,
        and nginx speaks HTTP/1.0 to its upstream by default)."""
        hook = self.environ.get(keys.ALIAS_EARLY_HINTS)
        if hook is None or self.environ.get("SERVER_PROTOCOL") == "HTTP/1.0":
            return None

        def send(headers):
            try:
                hook(headers)
            except Exception:  # too late (headers out) or refused: degrade
                return False
            return True
        return send

    def send_trailers(self):
        """A callable taking the trailer list, or None."""
        return self.environ.get(keys.ALIAS_SEND_TRAILERS)

    def response_headers(self, headers):
        """*headers* as this server accepts them from an app."""
        return headers

    def can_take_over(self):
        """True when a WebSocket may take this connection over."""
        return (self.takeover is not None and not self.http2
                and self.socket is not None)

    def start_session(self, start_response, headers):
        """Send the 101 with *headers*; return the socket to speak on."""
        sock = self.socket
        if self.takeover == SR101:
            start_response("101 Switching Protocols", headers)(b"")
        else:
            lines = ["HTTP/1.1 101 Switching Protocols"]
            lines.extend("%s: %s" % pair for pair in headers)
            sock.sendall(to_bytes("\r\n".join(lines) + "\r\n\r\n"))
        sock.settimeout(None)  # the server's request timeout is not ours
        return sock

    def end_session(self, start_response):
        """What the app returns once its session is over (the socket is shut
        down by then); the server must write nothing more on it."""
        return []


class Gunicorn(Host):
    """gunicorn: ``gunicorn.socket``; over HTTP/2 (gunicorn >= 25) that is
    the shared connection, so never taken over.  ``sr101`` leaves the
    connection clean."""

    name = "gunicorn"
    takeover = SR101
    decodes_chunked = True

    def find_socket(self):
        return self.environ.get("gunicorn.socket")

    def send_trailers(self):
        return (self.environ.get("gunicorn.http2.send_trailers")
                or Host.send_trailers(self))


def _socket_behind(stream):
    """The socket under a server's ``wsgi.input`` file object, or under the
    ``rfile`` it wraps: ``raw._sock`` on Python 3's buffered files,
    ``_sock`` on Python 2's."""
    for candidate in (stream, getattr(stream, "rfile", None)):
        sock = getattr(getattr(candidate, "raw", candidate), "_sock", None)
        if sock is not None:
            return sock
    return None


def _late_status(start_response):
    """End a raw takeover on servers that insist on sending a response of
    their own: give them a status; their write meets the shut-down socket,
    which they take quietly as a client that left (werkzeug, wsgiref 3.7+)."""
    start_response("101 Switching Protocols", [])
    return []


class Werkzeug(Host):
    """werkzeug's development server: ``werkzeug.socket``.  It adds
    ``Connection: close`` to every response, a 101 too, which breaks some
    clients, so the 101 is written raw."""

    name = "werkzeug"
    takeover = RAW
    decodes_chunked = True

    def find_socket(self):
        sock = self.environ.get("werkzeug.socket")
        if sock is not None:
            return sock
        # werkzeug 1.0 on Python 2: wsgi.input is a plain file over the
        # connection's descriptor; a duplicate of it is a usable socket.
        if not hasattr(self.input, "fileno"):
            return None
        self.owns_socket = True
        return socket.fromfd(self.input.fileno(), socket.AF_INET,
                             socket.SOCK_STREAM)

    def end_session(self, start_response):
        if self.owns_socket:
            # werkzeug 1.0 (Python 2) writes through a plain file, whose EPIPE
            # is an IOError it logs; a socket.error is what it takes quietly.
            raise socket.error(errno.EPIPE, "WebSocket session ended")
        return _late_status(start_response)


def _without_hop_by_hop(headers):
    """What a server that refuses PEP 3333's hop-by-hop fields accepts:
    the connection is the server's to manage, so they are dropped, and
    with them the fields ``Connection`` names."""
    named = set()
    for name, value in headers:
        if name.lower() == "connection":
            named.update(token.strip().lower() for token in value.split(","))
    return [(name, value) for name, value in headers
            if name.lower() not in HOP_BY_HOP and name.lower() not in named]


class Waitress(Host):
    """waitress buffers every body and gives no socket; the process dies
    if an app closes its connection, so there is no WebSocket here.  It
    answers 500 to hop-by-hop fields, which are dropped instead."""

    name = "waitress"
    decodes_chunked = True

    def response_headers(self, headers):
        return _without_hop_by_hop(headers)


class WsgiRef(Host):
    """wsgiref: the socket behind ``wsgi.input``; chunked bodies are not
    decoded, so they cannot be read.  Only wsgiref 3.7+ takes a vanished
    client quietly; before, every way out logs a traceback and writes a
    500, so there is no WebSocket there."""

    name = "wsgiref"
    takeover = RAW if sys.version_info >= (3, 7) else None

    def end_session(self, start_response):
        return _late_status(start_response)

    def response_headers(self, headers):
        """wsgiref asserts that an app sends no hop-by-hop field: dropped."""
        return _without_hop_by_hop(headers)

    def find_socket(self):
        return _socket_behind(self.input)


class GeventPywsgi(Host):
    """gevent.pywsgi: for an upgrade request ``wsgi.input`` is the raw
    connection file; ``sr101``.  The shutdown at the end is what ends its
    keep-alive wait (there is no idle timeout)."""

    name = "gevent"
    takeover = SR101
    decodes_chunked = True

    def find_socket(self):
        return _socket_behind(self.input)


class Eventlet(Host):
    """eventlet.wsgi: ``eventlet.input.get_socket()``; ``sr101``.  Verified
    clean on eventlet 0.41; 0.30 (the last for Python 2) corrupts the
    frames after the 101, so older versions get no WebSocket."""

    name = "eventlet"
    takeover = SR101
    decodes_chunked = True

    def find_socket(self):
        return self.environ["eventlet.input"].get_socket()

    def can_take_over(self):
        return eventlet_version() >= (0, 41) and Host.can_take_over(self)


def eventlet_version():
    """The running eventlet's (major, minor); it is imported already when
    eventlet serves the request."""
    eventlet = sys.modules.get("eventlet")
    version = getattr(eventlet, "__version__", "0.0").split(".")
    return int(version[0]), int(version[1])


class Cheroot(Host):
    """cheroot: the socket under ``wsgi.input.rfile``; ``sr101``.  Its
    10 s socket timeout is lifted for the session; closing the socket
    would make the server process exit, so it is only shut down."""

    name = "cheroot"
    takeover = SR101
    decodes_chunked = True

    def find_socket(self):
        return _socket_behind(self.input)


class Uwsgi(Host):
    """uWSGI: ``wsgi.input`` silently reads nothing of a chunked body, which
    only ``uwsgi.chunked_read()`` returns; the socket is a duplicate of
    ``uwsgi.connection_fd()``; ``sr101`` (which also makes its access log
    say 101 rather than 500).  Its own WebSocket API is not used: it cannot
    send close codes, answers pings with empty pongs and refuses calls from
    any thread but the request's, all of which the ``FrameChannel`` on the
    socket does right."""

    name = "uwsgi"
    takeover = SR101
    decodes_chunked = True

    def find_socket(self):
        import uwsgi
        self.owns_socket = True
        return socket.fromfd(uwsgi.connection_fd(), socket.AF_INET,
                             socket.SOCK_STREAM)

    def chunked_input(self):
        return _UwsgiChunks()


class _UwsgiChunks(object):
    """The chunked request body through ``uwsgi.chunked_read``: one chunk a
    call, ``b""`` at the end; a stalled client raises ``IOError`` after
    uWSGI's ``--chunked-input-timeout``."""

    def __init__(self):
        self._done = False

    def read(self, size=-1):
        if self._done:
            return b""
        import uwsgi
        chunk = uwsgi.chunked_read()
        self._done = not chunk
        return chunk


class ModWsgi(Host):
    """Apache + mod_wsgi: no socket, so no WebSocket; chunked bodies need
    ``WSGIChunkedRequest On``.  In daemon mode (the default) a body
    without a length over HTTP/2 never reaches the daemon, although
    ``wsgi.input_terminated`` is set: the app would read ``b""``."""

    name = "mod_wsgi"
    decodes_chunked = True

    def drops_unsized_body(self):
        environ = self.environ
        return (self.http2 and bool(environ.get("mod_wsgi.process_group"))
                and "chunked" in environ.get("HTTP_TRANSFER_ENCODING", ""))


def detect(environ):
    """The ``Host`` serving this request."""
    software = environ.get("SERVER_SOFTWARE", "")
    if "gunicorn.socket" in environ:
        return Gunicorn(environ)
    if "werkzeug.socket" in environ or software.startswith("Werkzeug"):
        return Werkzeug(environ)
    if software.startswith("waitress"):
        return Waitress(environ)
    if software.startswith("WSGIServer/"):
        return WsgiRef(environ)
    if software.startswith("gevent/"):
        return GeventPywsgi(environ)
    if "eventlet.input" in environ:
        return Eventlet(environ)
    if software.startswith("Cheroot/"):
        return Cheroot(environ)
    if "uwsgi.version" in environ:
        return Uwsgi(environ)
    if "mod_wsgi.version" in environ:
        return ModWsgi(environ)
    return Host(environ)
