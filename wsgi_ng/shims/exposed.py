"""``to_wsgi``: a wsgi-ng app exposed through any WSGI server.

gunicorn, werkzeug, waitress, wsgiref... call the app as plain WSGI.  Per
request the shim finds out what the server really offers (``hosts.detect``),
builds the ``ng.`` keys from that with ``RequestContext`` -- so push falls
back to the server's 103 hook, then to a ``Link`` header, exactly as on
every other host -- and runs WebSocket sessions on the client socket where
the server lets go of it cleanly.

To fold ``Link`` hints into the response, the shim holds the app's
``start_response`` until the first non-empty body block (PEP 3333's
deferral, done here instead of in the server).  On a server that is already
a wsgi-ng host the app is called directly.
"""
import io
import logging

from wsgi_ng import keys
from wsgi_ng.errors import StateError
from wsgi_ng.handshake import accept_response, websocket_offer
from wsgi_ng.host import RequestContext
from wsgi_ng.iterables import WrappedBody, close_iterable
from wsgi_ng.lifecycle import lifespan_of
from wsgi_ng.shims.hosts import detect
from wsgi_ng.shims.spool import (
    DEFAULT_MAX_BODY_SIZE, DEFAULT_SPOOL_MEMORY, BodyTooLarge, LimitedInput,
    declared_length, refuse, spool,
)
from wsgi_ng.validate import check_body_block, check_start_response
from wsgi_ng.websocket import (
    WebSocket, end_session, finish_session, refuse_body,
)
from wsgi_ng.wschannel import (
    DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_PING_INTERVAL, DEFAULT_PING_TIMEOUT,
    FrameChannel,
)
from wsgi_ng.wsstream import SocketStream

log = logging.getLogger("wsgi_ng.shims")


def to_wsgi(app, max_message_size=DEFAULT_MAX_MESSAGE_SIZE,
            max_body_size=DEFAULT_MAX_BODY_SIZE, compress=True,
            ping_interval=DEFAULT_PING_INTERVAL,
            ping_timeout=DEFAULT_PING_TIMEOUT):
    """Expose the wsgi-ng *app* through a plain WSGI server; idempotent.
    WebSocket sessions are pinged every *ping_interval* seconds and closed
    with 1011 when nothing arrives within *ping_timeout* of a ping (0
    turns either off), which frees the server's thread a silent client
    would hold."""
    if isinstance(app, ExposedApp):
        return app
    return ExposedApp(app, max_message_size, max_body_size, compress,
                      ping_interval, ping_timeout)


class ExposedApp(object):
    """The WSGI app a server calls; one ``_Exposure`` per request."""

    def __init__(self, app, max_message_size=DEFAULT_MAX_MESSAGE_SIZE,
                 max_body_size=DEFAULT_MAX_BODY_SIZE, compress=True,
                 ping_interval=DEFAULT_PING_INTERVAL,
                 ping_timeout=DEFAULT_PING_TIMEOUT):
        self.app = app
        self.max_message_size = max_message_size
        self.max_body_size = max_body_size
        self.compress = compress
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout

    @property
    def ng_lifespan(self):
        """The app's lifecycle hook (spec: "Lifecycle"), for hosts that
        know it; a plain WSGI server does not."""
        return lifespan_of(self.app)

    def __call__(self, environ, start_response):
        if keys.VERSION in environ:  # already on a wsgi-ng host
            return self.app(environ, start_response)
        return _Exposure(self, environ, start_response).run()


class _Exposure(object):
    """One request of a wsgi-ng app on a plain WSGI server."""

    def __init__(self, shim, environ, start_response):
        self.shim = shim
        self.environ = environ
        self.host_start_response = start_response
        self.host = detect(environ)
        self.session = None
        self.offer = None
        self.status = self.headers = None
        self.host_write = None
        self.context = None

    # -- request ----------------------------------------------------------
    def run(self):
        environ = self.environ
        refusal = self._prepare_body()
        if refusal is not None:
            return refuse(self.host_start_response, *refusal)
        self.offer = websocket_offer(environ)
        if self.offer is not None and self.host.can_take_over():
            self.session = WebSocket(self.offer.subprotocols,
                                     self._start_session,
                                     {"host": self.host.name})
        self.context = RequestContext(
            early_hints=self.host.early_hints(),
            trailers=self.host.send_trailers() is not None,
            websocket=self.session)
        self.context.install(environ)
        try:
            result = self.shim.app(environ, self.start_response)
        except BaseException:
            end_session(self.session, 1011)
            raise
        if self.session is not None and self.session.state is WebSocket.ACCEPTED:
            return self._finish_session(result)
        if self.session is not None and self.session.refused:
            close_iterable(result)  # closed before accept(): denied
            return refuse(self.host_start_response, "403 Forbidden",
                          "WebSocket refused\n")
        return _Body(result, self)

    def _prepare_body(self):
        """Make reading ``wsgi.input`` to EOF safe; return a refusal
        ``(status, text)`` when the body cannot be had."""
        environ = self.environ
        try:
            length = declared_length(environ)
        except ValueError:
            return "400 Bad Request", "invalid Content-Length\n"
        if length is None and self.host.drops_unsized_body():
            return self._length_required("loses request bodies without a "
                                         "length here")
        if environ.get(keys.INPUT_TERMINATED) is True:  # the server's word
            return None
        if length is not None:  # reads to EOF must stop at the length
            environ["wsgi.input"] = LimitedInput(environ["wsgi.input"], length)
            environ[keys.INPUT_TERMINATED] = True
            return None
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if not chunked:  # HTTP/1.x without a length or chunking: no body
            environ["wsgi.input"] = io.BytesIO(b"")
            environ[keys.INPUT_TERMINATED] = True
            return None
        if not self.host.decodes_chunked:
            return self._length_required("cannot read chunked request bodies")
        try:
            body, length = spool(self.host.chunked_input(),
                                 self.shim.max_body_size, DEFAULT_SPOOL_MEMORY)
        except BodyTooLarge:
            log.warning("request body over max_body_size=%d; answered 413",
                        self.shim.max_body_size)
            return "413 Content Too Large", "request body too large\n"
        environ["wsgi.input"] = body if body is not None else io.BytesIO(b"")
        environ["CONTENT_LENGTH"] = str(length)
        environ[keys.INPUT_TERMINATED] = True
        return None

    def _length_required(self, why):
        log.warning("%s %s; answered 411", self.host.name, why)
        return "411 Length Required", "send a Content-Length\n"

    # -- response: start_response held until the first block -------------
    def start_response(self, status, headers, exc_info=None):
        if self.session is not None and self.session.on_start_response(status):
            return refuse_body  # a framework's 101 after accept(): ignored
        headers = check_start_response(status, headers, exc_info,
                                       self.status is not None,
                                       self.host_write is not None)
        self.status, self.headers = status, headers
        return self.write

    def send_headers(self):
        if self.host_write is None:
            if self.status is None:
                raise StateError("the app sent a body before start_response()")
            self.host_write = self.host_start_response(
                self.status, self.host.response_headers(
                    self.context.final_headers(self.headers)))

    def write(self, block):
        check_body_block(block)
        if block:
            self.send_headers()
            self.host_write(block)

    # -- WebSocket ----------------------------------------------------------
    def _start_session(self, subprotocol, headers):
        response, extensions = accept_response(
            self.offer, subprotocol, headers, self.shim.compress)
        sock = self.host.start_session(self.host_start_response, response)
        return FrameChannel(SocketStream(sock, owned=self.host.owns_socket),
                            extensions=extensions,
                            max_message_size=self.shim.max_message_size,
                            ping_interval=self.shim.ping_interval,
                            ping_timeout=self.shim.ping_timeout)

    def _finish_session(self, result):
        """The app returned: a session it handed to a handler is served
        here, on the request's thread (a WSGI server gives no other)."""
        finish_session(self.session, result)
        return self.host.end_session(self.host_start_response)


class _Body(WrappedBody):
    """The app's body: headers sent with the first non-empty block, trailers
    handed to the server's hook at the end, ``close()`` passed on once."""

    def __init__(self, result, exposure):
        WrappedBody.__init__(self, result)
        self._exposure = exposure

    def __iter__(self):
        exposure = self._exposure
        for block in self._result:
            check_body_block(block)
            if block:
                exposure.send_headers()
                yield block
        exposure.send_headers()
        exposure.context.end_body()
        if exposure.context.trailers:
            exposure.host.send_trailers()(exposure.context.trailers)
