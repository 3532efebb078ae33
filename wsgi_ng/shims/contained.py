"""``from_wsgi``: a legacy WSGI app, contained safely in a wsgi-ng host.

Django, Flask and friends were written for HTTP/1.1 servers.  On a wsgi-ng
host they meet HTTP/2 requests without a length, WebSocket handshakes and
a protocol that forbids the hop-by-hop headers they like to set.  The shim
makes each request look like what they expect and each response safe to
send, without changing what the app sees otherwise:

* a body without ``CONTENT_LENGTH`` is spooled (memory, then disk) and
  given one; past ``max_body_size`` the answer is 413 and a log line;
* a WebSocket handshake reaches the app as a plain GET and whatever it
  answers is sent as plain HTTP -- a 101 of its own becomes a 500: it is
  never upgraded behind its back.  ``ng.websocket`` stays in the environ,
  like every ``ng.`` key: a legacy app never looks at it, and an app that
  does (a wsgi-ng view inside a Django or Flask project) can accept;
* a pre-chunked body is un-chunked (its trailers forwarded), and on HTTP/2
  the connection-specific headers are dropped (RFC 9113 section 8.2.2);
* repeated HTTP/2 ``cookie`` fields are joined with ``"; "``.

Deferred headers, ``exc_info``, ``write()`` and ``wsgi.file_wrapper`` are
untouched; ``close()`` reaches the app exactly once.
"""
import logging

from wsgi_ng import keys
from wsgi_ng._compat import is_native
from wsgi_ng.iterables import WrappedBody
from wsgi_ng.shims.dechunk import Dechunker
from wsgi_ng.shims.spool import (
    BLOCK_SIZE, DEFAULT_MAX_BODY_SIZE, DEFAULT_SPOOL_MEMORY, BodyTooLarge,
    declared_length, refuse, spool,
)
from wsgi_ng.validate import CONNECTION_SPECIFIC, check_body_block

log = logging.getLogger("wsgi_ng.shims")

#: Said once per process, the first time a contained app answers 404 under
#: /static/: Django's static files are 404 on every WSGI server until the
#: project serves them.
STATIC_HINT = ("%s answered 404: a WSGI server (wsgi-ng serve too) serves "
               "no files of its own, the app must -- for a Django project, "
               "add WhiteNoise (see wsgi-ng's docs/deploy.rst)")
_static_hinted = []

_INPUT_TERMINATED, _WEBSOCKET = keys.INPUT_TERMINATED, keys.WEBSOCKET
#: On HTTP/1.1 the host frames and manages the connection itself.
_HTTP1_DROPPED = frozenset(["transfer-encoding", "upgrade", "keep-alive",
                            "proxy-connection"])
#: Response field names (as apps spell them) that no protocol has the host
#: drop: a set lookup instead of ``lower()`` for each field of each
#: response.  Bounded, though apps, not clients, choose the names.
_KEPT = set()
_KEPT_BOUND = 1024
#: The status classes ``start_response`` looks at more closely: 1xx (a
#: contained app cannot switch protocols) and 4xx (Django's static files).
_LOOKED_AT = ("1", "4")


def from_wsgi(app, max_body_size=DEFAULT_MAX_BODY_SIZE,
              spool_memory=DEFAULT_SPOOL_MEMORY):
    """Contain the legacy WSGI *app* for a wsgi-ng host; idempotent."""
    if isinstance(app, ContainedApp):
        return app
    return ContainedApp(app, max_body_size, spool_memory)


def is_contained(app):
    """True when *app* is already wrapped by ``from_wsgi``."""
    return isinstance(app, ContainedApp)


class ContainedApp(object):
    """The WSGI app a host calls; one ``_Call`` per request does the work."""

    def __init__(self, app, max_body_size=DEFAULT_MAX_BODY_SIZE,
                 spool_memory=DEFAULT_SPOOL_MEMORY):
        self.app = app
        self.max_body_size = max_body_size
        self.spool_memory = spool_memory
        self._told_about_websocket = False

    def __call__(self, environ, start_response):
        """One request.  Every Python call here is one per request, and
        each costs about 0.3 us in a server's request cycle: the common
        case (a GET, a response whose fields the host need not drop)
        makes ``_Call()`` (without an ``__init__``: its fields are set
        here), the app's ``start_response`` and one read of ``wsgi.input``
        (a C call on the reference server), and the rest waits for the
        requests that need it."""
        call = _Call()
        call.shim, call.environ = self, environ
        call.host_start_response = start_response
        # (replacement: the body text when the shim refused the status)
        call.spooled = call.dechunker = call.replacement = None
        call.as_is = False
        call.session = environ.get(_WEBSOCKET)  # when a handshake
        length = environ.get("CONTENT_LENGTH")  # (none: every GET)
        if length and length.strip():
            refusal = call.check_length()
            if refusal is not None:
                return refusal
        # no length, and the host promises the body ends: spool it -- but a
        # handshake has no body; over HTTP/2 (RFC 8441) its stream carries
        # the session's bytes, which must not be read here
        elif call.session is None and \
                environ.get(_INPUT_TERMINATED) is True:
            try:  # (a host may bound the body too, with the same error)
                first = environ["wsgi.input"].read(BLOCK_SIZE)
            except BodyTooLarge:
                return call.too_large()
            if first:
                refusal = call.spool(first)
                if refusal is not None:
                    return refusal
        if "HTTP_COOKIE" in environ and _http2(environ):
            environ["HTTP_COOKIE"] = join_cookies(environ["HTTP_COOKIE"])
        result = self.app(environ, call.start_response)
        if call.as_is and call.spooled is None:
            return result  # nothing to transform: keep file_wrapper & co.
        return _Body(result, call)

    def denied_websocket(self, environ, status):
        """The app answered a handshake the host could accept with plain
        HTTP.  Where no socket was handed over (HTTP/2 has none to hand
        over), a route written for one answers with its own fallback: say
        why, and how to serve it on every protocol -- once."""
        if self._told_about_websocket or keys.HANDOVER_SOCKET in environ:
            return
        self._told_about_websocket = True
        log.warning(
            "%s %s over %s: the app answered a WebSocket handshake with %r. "
            "No socket is handed over here (over HTTP/2 there is none), so a "
            "route written for gunicorn.socket (flask-sock, simple-websocket, "
            "Flask-SocketIO) cannot accept it, while one written for "
            "ng.websocket can, on every protocol: for flask-sock, import Sock "
            "from wsgi_ng.adapters.flask instead (docs/flask.rst).  Said once.",
            environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"),
            environ.get("SERVER_PROTOCOL"), status)


def _http2(environ):
    """Whether the request came over HTTP/2 (asked only by the requests
    that need to know: with cookies, or fields the host must own)."""
    return environ.get("SERVER_PROTOCOL", "").startswith("HTTP/2")


def join_cookies(value):
    """Repair ``HTTP_COOKIE`` joined with ``", "`` by an HTTP/2 bridge.

    A cookie value never contains a comma (RFC 6265 section 4.1.1), so a
    comma can only be a wrong separator.
    """
    return "; ".join(part.strip() for part in value.replace(";", ",").split(",")
                     if part.strip())


class _Call(object):
    """One request through the shim: slotted, and filled in by
    ``ContainedApp.__call__``, since one is made per request."""

    __slots__ = ("shim", "environ", "host_start_response", "spooled",
                 "dechunker", "replacement", "as_is", "session")

    def check_length(self):
        """The answer to a ``CONTENT_LENGTH`` the shim refuses, or None to
        go on."""
        environ = self.environ
        try:
            length = declared_length(environ)
        except ValueError:
            log.warning("bad Content-Length %r; answered 400",
                        environ.get("CONTENT_LENGTH"))
            return refuse(self.host_start_response, "400 Bad Request",
                          "invalid Content-Length\n")
        if length > self.shim.max_body_size:
            return self.too_large()
        return None

    def spool(self, first):
        """Read the body that began with *first* to its end and give it a
        length; the answer when it is too large, else None."""
        environ = self.environ
        try:
            self.spooled, length = spool(environ["wsgi.input"],
                                         self.shim.max_body_size,
                                         self.shim.spool_memory, first)
        except BodyTooLarge:
            return self.too_large()
        environ["wsgi.input"] = self.spooled
        environ["CONTENT_LENGTH"] = str(length)
        if keys.FEATURES in environ:  # the body was read whole
            environ[keys.FEATURES] = frozenset(
                environ[keys.FEATURES]).difference([keys.FEATURE_FULL_DUPLEX])
        return None

    def too_large(self):
        """The 413 answer, logged."""
        environ = self.environ
        log.warning("%s %s: request body over max_body_size=%d; answered 413",
                    environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"),
                    self.shim.max_body_size)
        return refuse(self.host_start_response, "413 Content Too Large",
                      "request body too large\n")

    def start_response(self, status, headers, exc_info=None):
        if self.session is not None or status[:1] in _LOOKED_AT:
            status, headers = self._look_at(status, headers)
        # drop what the host must own (again on an exc_info call: the state
        # is reset each time); the common case finds only known field names
        self.dechunker = None
        for name, _ in headers:
            if name not in _KEPT:
                headers = self._filter(headers)
                break
        write = self.host_start_response(status, headers, exc_info)
        if self.dechunker is None:
            self.as_is = self.replacement is None
            return write
        self.as_is = False
        return _dechunking(write, self.dechunker)

    def _look_at(self, status, headers):
        """A handshake's answer, a 1xx or a 4xx: what the host is to send
        (the app's, but for a 101 the shim refuses), said once for a 404
        under /static/."""
        if status[:4] == "404 " and not _static_hinted and \
                self.environ.get("PATH_INFO", "").startswith("/static/"):
            _static_hinted.append(True)
            log.warning(STATIC_HINT, self.environ["PATH_INFO"])
        session = self.session
        answered = session is not None and (
            session.state is session.ACCEPTED or session.refused)
        if session is not None and not answered and status[:1] != "1":
            self.shim.denied_websocket(self.environ, status)
        if status[:1] == "1" and not answered:  # 101 after accept(): allowed
            log.error("legacy app answered %r to %s %s; a contained app cannot "
                      "switch protocols, answered 500", status,
                      self.environ.get("REQUEST_METHOD"),
                      self.environ.get("PATH_INFO"))
            self.replacement = ("the application tried to switch protocols, "
                                "which this server does not allow for it\n")
            status = "500 Internal Server Error"
            headers = [("Content-Type", "text/plain; charset=utf-8")]
        return status, headers

    def _filter(self, headers):
        """Drop what the host must own; start un-chunking if needed.  Names
        found harmless are remembered in ``_KEPT``."""
        http2 = _http2(self.environ)
        dropped = CONNECTION_SPECIFIC if http2 else _HTTP1_DROPPED
        owned = chunked = False  # any field the host owns; a chunked body
        named = []  # fields the app itself named hop-by-hop (HTTP/2)
        for name, value in headers:
            lower = name.lower()
            if lower in dropped:
                owned = True
                if lower == "transfer-encoding":
                    chunked = chunked or "chunked" in value.lower()
                elif lower == "connection" and http2:
                    named.extend(t.strip().lower() for t in value.split(","))
            elif lower not in CONNECTION_SPECIFIC and \
                    len(_KEPT) < _KEPT_BOUND and is_native(name):
                _KEPT.add(name)
        self.dechunker = Dechunker() if chunked else None
        if not owned:
            return headers  # nothing to drop
        if chunked:
            named.append("content-length")  # meaningless next to chunking
        dropped = dropped.union(named)
        return [(name, value) for name, value in headers
                if name.lower() not in dropped]


def _dechunking(write, dechunker):
    """*write* for an app that chunks its body itself.  (A function of its
    own: a closure in ``start_response`` would make cells on every call.)"""
    def dechunking_write(block):
        check_body_block(block)
        return write(dechunker.feed(block))
    return dechunking_write


class _Body(WrappedBody):
    """The app's iterable with the shim's transformations applied."""

    def __init__(self, result, call):
        WrappedBody.__init__(self, result)
        self._call = call

    def __iter__(self):
        call = self._call
        for block in self._result:
            if call.replacement is not None:
                continue
            if call.dechunker is not None:
                check_body_block(block)
                block = call.dechunker.feed(block)
            yield block
        if call.replacement is not None:
            yield call.replacement.encode("utf-8")
        elif call.dechunker is not None:
            call.dechunker.close()
            if call.dechunker.trailers:
                call.environ[keys.SEND_TRAILERS](call.dechunker.trailers)

    def close(self):
        try:
            WrappedBody.close(self)
        finally:
            if self._call.spooled is not None:
                self._call.spooled.close()
