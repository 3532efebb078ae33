"""HTTP/1.1 on one connection; the wire format is a ``wire`` (h11, or
httptools where it is installed).

While a request head arrives, and between keep-alive requests, the
connection waits in the server's poller, which reads what comes
(``on_readable``); once a head is complete, ``serve`` runs on a pool thread
-- usually the very thread that read it, with no hand-off -- calls the app
and writes the response (chunked when the app gives no length, with
trailers when the client sent ``TE: trailers``), and serves the requests
already received after it (pipelining) before the connection waits again.
``Expect: 100-continue`` is answered when the app first reads the body.  A
WebSocket handshake the app accepts turns the connection into the session
-- held by the app's thread, or, when the app handed it to a handler,
waiting in the poller (``wsevents.py``); ``Upgrade: h2c`` hands it to
HTTP/2.
"""
import io
import logging
import socket
import ssl
from itertools import chain

from wsgi_ng._compat import monotonic, wait_readable
from wsgi_ng.errors import BadRequest, LocalProtocolError
from wsgi_ng.handshake import accept_response, websocket_offer
from wsgi_ng.host import RequestContext
from wsgi_ng.server.bodies import RequestBody
from wsgi_ng.server.environ import request_environ
from wsgi_ng.server import handover
from wsgi_ng.server.exchange import (
    ClientGone, Exchange, Responder, log_bad_request, status_line,
)
from wsgi_ng.server.shedding import RETRY_AFTER
from wsgi_ng.server.sockio import ReadTimeout, TimedSocket
from wsgi_ng.server.wire import END, NEED_DATA, Head
from wsgi_ng.server.wsevents import serve_http1, session_options
from wsgi_ng.websocket import WebSocket, end_session, finish_session
from wsgi_ng.wschannel import FrameChannel
from wsgi_ng.wsstream import SocketStream

log = logging.getLogger("wsgi_ng.server")

_SWITCHING = "Switching Protocols"
#: Unread request body the server reads away to keep a connection alive.
_DRAIN_LIMIT = 64 * 1024


class HTTP1Connection(object):
    """Serve requests on *sock* until either side closes it."""

    def __init__(self, server, sock, peer, base_environ, initial=b""):
        self.server = server
        self.config = server.config
        self.sock = sock
        #: The poller asks on every wait: the socket's own, no Python frame.
        self.fileno = sock.fileno
        self.peer = peer
        self.base_environ = base_environ
        self.wire = server.wire_class(self.config)
        self._sniffed = initial  # read already, fed when start() runs
        self._request = None  # the complete request serve() answers
        self._head_began = None  # when the first byte of this head came
        #: When the poller gives up waiting (see ``_wait_for_request``).
        self.deadline = monotonic() + self.config.header_timeout
        self.io = TimedSocket(sock, self.config.send_timeout)
        self.requests = 0
        self._held = b""  # response head waiting to go out with the body
        self._responder = _Responder(self)
        self.session = None  # the WebSocket session this connection became
        #: Set when the server answered and closes while the client may
        #: still be sending: the close then lingers (see sockio.Lingering).
        self.linger = False

    # -- I/O ------------------------------------------------------------
    def receive(self, timeout):
        """Feed the wire the next bytes; ``ReadTimeout`` after *timeout*."""
        self._feed(self.io.recv(timeout))

    def _feed(self, data):
        self.wire.receive(data)
        if data and self._head_began is None:
            self._head_began = monotonic()

    def send(self, data, hold=False):
        """Send *data*; with *hold* it waits for the next send, so a
        response head and its first body block leave in one write."""
        if self._held:
            data = self._held + data
        self._held = data if hold else b""
        if data and not hold:
            try:
                self.io.sendall(data)
            except socket.error:  # socket.timeout included
                raise ClientGone("the client closed the connection")

    def buffered(self):
        """True when request bytes are already read (pipelined, or inside
        the TLS layer)."""
        return self.wire.buffered or self.io.buffered()

    def next_event(self, timeout):
        """The wire's next event, waiting at most *timeout* seconds for
        each read (a request body, on the app's thread)."""
        while True:
            event = self.wire.next_event()
            if event is not NEED_DATA:
                return event
            self.receive(timeout)

    # -- waiting for a request (the poller's thread) ----------------------
    def start(self):
        """Begin with the bytes the server read to tell the protocol."""
        sniffed, self._sniffed = self._sniffed, b""
        return self._take_in(sniffed) if sniffed else self._take_in(None)

    def on_readable(self):
        """Read what arrived; the ``serve`` task once a request is
        complete, else None (it waits on, or it closed)."""
        data = self.io.recv_ready()
        return self._take_in(data)

    def _take_in(self, data):
        """Feed *data* (None: nothing new) and look for a whole request."""
        try:
            if data is not None:
                self._feed(data)
            if self.io.buffered():  # TLS decrypted more than we took
                self._feed(self.io.recv_ready() or b"")
            event = self.wire.next_event()
        except BadRequest as error:
            self.refuse(error.status, error.reason)
            self.server.close(self)
            return None
        except ClientGone:
            self.server.close(self)
            return None
        if event is NEED_DATA:
            self._wait_for_request()
            return None
        if type(event) is not Head:
            self.server.close(self)  # CLOSED
            return None
        self._request = event
        return self.serve

    def _wait_for_request(self):
        """Wait in the poller: for the rest of a head that began, until
        ``header_timeout`` after its first byte (however slowly it
        trickles in: slowloris), or for the next request, until
        ``keep_alive_timeout`` after the last response."""
        if self._head_began is not None:
            self.deadline = self._head_began + self.config.header_timeout
        elif self.requests:
            if self.server.stopping:  # idle, and the server stops
                self.server.close(self)
                return
            self.deadline = monotonic() + self.config.keep_alive_timeout
        # the server counts this connection since begin(): only the poller
        # needs telling, not the server's lock as well
        self.server.poller.wait(self, self.deadline)

    def on_expired(self):
        self.server.close(self)  # idle or too slow: just close

    # -- serving (a pool thread) --------------------------------------------
    def shed(self):
        """Waited past ``max_queue_time`` for a thread: a 503 instead."""
        self._request = None
        self.refuse(503, "no thread free within max_queue_time", tallied=True)
        self.server.close(self)

    def serve(self):
        """Answer the request the poller found complete and any received
        after it; then wait in the poller again, or close."""
        request, self._request = self._request, None
        try:
            while True:
                outcome = self.handle(request)
                if outcome is not None:  # _CLOSE or an Upgrade
                    break
                if not self.next_cycle() or self.server.stopping:
                    outcome = _CLOSE
                    break
                if self._head_began is None:  # nothing came yet (the usual)
                    self._wait_for_request()
                    return
                if self._take_in(None) is None:  # not here yet: it waits
                    return  # (or the connection closed)
                request, self._request = self._request, None  # pipelined
        except BadRequest as error:
            self.refuse(error.status, error.reason)
            outcome = _CLOSE
        except ClientGone:
            outcome = _CLOSE
        except (socket.error, ssl.SSLError) as error:
            log.debug("connection from %s ended: %s", self.peer[0], error)
            outcome = _CLOSE
        if isinstance(outcome, Upgrade):
            self.server.upgrade(self, outcome)
        elif outcome is _SERVED:
            serve_http1(self)
        else:
            self.server.close(self)

    def refuse(self, status, why, tallied=False):
        """Answer a request the server will not serve, in one log line (a
        503 is *tallied*: counted, see ``shedding``) and a plain-text
        response, and close."""
        if not tallied:
            log_bad_request(self.peer, why, status)
        self.linger = True
        if not self.wire.can_respond:
            return
        line = status_line(status)
        body = ("%s: %s\n" % (line, why)).encode("utf-8")
        headers = [("Content-Type", "text/plain; charset=utf-8"),
                   ("Content-Length", str(len(body))), ("Connection", "close")]
        if status == 503:
            headers.append(("Retry-After", RETRY_AFTER))
        wire = self.wire
        try:
            self.send(wire.response(status, line[4:], headers), hold=True)
            self.send(wire.body(body) + wire.end([]))
        except (ClientGone, LocalProtocolError):
            pass  # gone, or a response was begun after all

    def next_cycle(self):
        """Get ready for the next request; False when the connection must
        close instead."""
        if self.wire.reading_body:  # the app left some body
            try:
                drained = 0
                while drained <= _DRAIN_LIMIT:
                    event = self.next_event(self.config.keep_alive_timeout)
                    if type(event) is not bytes:
                        break
                    drained += len(event)
            except ReadTimeout:
                pass
            except BadRequest as error:  # answered already: only log it
                log_bad_request(self.peer, error.reason,
                                "after its response: connection closed")
        if not self.wire.next_cycle():
            self.linger = True  # the client may still be sending
            return False
        self._head_began = monotonic() if self.buffered() else None
        return True

    # -- shutdown (another thread) -----------------------------------------
    def stop(self):
        """Close a WebSocket session with 1001, an idle connection at once;
        a request in flight finishes first (``serve`` checks
        ``stopping``), and so does one still arriving: closed now, the
        bytes it sent unread, it would get a reset instead of an answer."""
        if self.session is not None:
            end_session(self.session, 1001)
        elif self._head_began is None and not self._input_waiting() \
                and self.server.poller.forget(self):
            self.server.close(self)

    def _input_waiting(self):
        """Bytes (or the client's close) to read, here or in the kernel."""
        try:
            return self.io.buffered() or wait_readable(self.sock, 0)
        except ValueError:  # closed meanwhile: a stop raced its end
            return False

    def kill(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except socket.error:
            pass

    # -- one request ----------------------------------------------------
    def handle(self, request):
        """Serve one request: None to go on, ``_CLOSE`` or an ``Upgrade``."""
        self.requests += 1
        headers, method, target = request.headers, request.method, request.target
        fields = self.check_head(request, method, target, headers)
        upgrade = b"upgrade" in fields  # (most requests ask for none)
        if upgrade and self.wants_h2c(fields):
            return self.upgrade_to_h2(request)
        length = fields.get(b"content-length")
        if length is not None and int(length) > self.config.max_body_size:
            raise BadRequest(413, "request body over %d bytes"
                             % self.config.max_body_size)
        http_version = request.http_version
        if request.complete:
            body = io.BytesIO()  # (see bodyless)
        elif (length is None or int(length) == 0) and \
                b"transfer-encoding" not in fields:
            body = self.bodyless()
        else:
            body = _Body(self, self.config.max_body_size)
        environ = request_environ(self.base_environ, method, target,
                                  "HTTP/" + http_version, headers, body)
        responder = self._responder  # (one per connection: see _Responder)
        responder.head, responder.aborted = method == b"HEAD", False
        offer = websocket_offer(environ) if upgrade else None
        session = None
        if offer is not None and not self.server.session_room():
            self.refuse(503, "max_websockets=%d reached"
                        % self.config.max_websockets, tallied=True)
            return _CLOSE
        if offer is not None:
            session = self.session = self.websocket(
                offer, environ, body, http_version)
        # trailers need chunked framing: HTTP/1.1 and a client asking for them
        trailers = http_version == "1.1" and b"te" in fields and \
            fields[b"te"].lower().find(b"trailers") != -1  # (see check_lines)
        context = RequestContext(
            early_hints=responder.hint if http_version == "1.1" else None,
            trailers=trailers, websocket=session, trailers_need_chunking=True)
        # a legacy app may take the socket over, as on gunicorn
        offered = handover.offer(self, environ) if offer is not None else None
        exchange = Exchange(offered.app if offered else self.server.app,
                            environ, responder, context)
        result = exchange.run(self.server.slow_calls)
        if offered is not None and offered.taken:
            offered.finish()
            return _CLOSE
        if session is not None and session.state is WebSocket.ACCEPTED:
            served = False
            try:
                if result is not None:  # else the exchange ended it (1011)
                    served = finish_session(session, result,
                                            event_driven=True)
            finally:
                if not served:  # else it counts until the session ends
                    self.server.session_ended(http1=True)
            self.server.access_log(environ, 101, 0)
            return _SERVED if served else _CLOSE
        self.server.access_log(environ, exchange.status_code,
                               exchange.sent_bytes)
        if responder.aborted:
            raise ClientGone("response broken off")
        return None

    def check_head(self, request, method, target, headers):
        """Limits and rules the parsers leave to the server; returns the
        fields as a dict (names lower-case)."""
        if request.http_version not in ("1.0", "1.1"):
            raise BadRequest(505, "HTTP/%s over HTTP/1 framing"
                             % request.http_version)
        if len(target) > self.config.max_target_size:
            raise BadRequest(414, "request target over %d bytes"
                             % self.config.max_target_size)
        # (in C: a generator would cost a call per field)
        size = len(method) + len(target) + 4 * len(headers) + sum(
            map(len, chain.from_iterable(headers)))
        if size > self.config.max_header_size:  # a bound on partial heads only
            raise BadRequest(431, "request head over %d bytes"
                             % self.config.max_header_size)
        if len(headers) > self.config.max_header_count:
            raise BadRequest(431, "more than %d header fields"
                             % self.config.max_header_count)
        fields = dict(headers)
        if b"host" not in fields and request.http_version == "1.1":
            raise BadRequest(400, "an HTTP/1.1 request without Host")
        if b"content-length" in fields and b"transfer-encoding" in fields:
            raise BadRequest(400, "both Content-Length and Transfer-Encoding "
                             "(request smuggling)")
        return fields

    def bodyless(self):
        """``wsgi.input`` for a request that has no body by its framing (no
        ``Content-Length``, or 0, and not chunked): the wire's END, queued
        with the head, is taken now, so getting ready for the next request
        skips a trip through the wire, and reads (``from_wsgi`` reads to
        spool, on every GET) are a C file's, not a Python call each.  No
        100 (Continue) is owed for a body that does not exist."""
        event = self.wire.next_event()
        if event is not END:  # neither parser does: answered, logged
            raise BadRequest(400, "a bodyless request went on after its "
                             "head (%r)" % (event,))
        return io.BytesIO()

    def websocket(self, offer, environ, body, http_version):
        """The session object for a handshake the app may accept.  (Made
        here, not in ``handle``: a closure there would make its variables
        cells on every request.)"""
        return WebSocket(
            offer.subprotocols,
            lambda sub, extra: self.accept_websocket(offer, environ, body,
                                                     sub, extra),
            {"http_version": http_version})

    def accept_websocket(self, offer, environ, body, subprotocol,
                         extra_headers):
        body.read()  # a handshake has no body; this reaches its end
        self.server.request_pool.detach()  # a session holds its thread
        headers, extensions = accept_response(offer, subprotocol, extra_headers,
                                              self.config.compress)
        self.send(self.wire.informational(101, _SWITCHING, headers))
        self.server.session_began(environ, http1=True)
        trailing = self.wire.trailing
        self.io.release()
        return FrameChannel(SocketStream(self.sock, owned=False),
                            extensions=extensions, trailing_data=trailing,
                            **session_options(self.server))

    # -- h2c --------------------------------------------------------------
    def wants_h2c(self, fields):
        """An ``Upgrade: h2c`` without a body, on cleartext only."""
        upgrade = fields.get(b"upgrade", b"").lower()
        return (self.base_environ["wsgi.url_scheme"] != "https"
                and b"h2c" in [t.strip() for t in upgrade.split(b",")]
                and b"http2-settings" in fields
                and fields.get(b"content-length", b"0") == b"0"
                and b"transfer-encoding" not in fields)

    def upgrade_to_h2(self, request):
        while not request.complete and \
                self.next_event(self.config.header_timeout) is not END:
            pass
        method, target, headers = request.method, request.target, \
            request.headers
        self.send(self.wire.informational(101, _SWITCHING, [
            ("Connection", "Upgrade"), ("Upgrade", "h2c")]))
        return Upgrade(method, target, headers, self.wire.trailing)


#: ``handle``'s answer when the connection must close (after a refusal or a
#: WebSocket session) ...
_CLOSE = object()
#: ... and when its WebSocket session is now served by a handler.
_SERVED = object()


class Upgrade(object):
    """An HTTP/1.1 request that switched the connection to HTTP/2; it is
    answered as HTTP/2 stream 1."""

    def __init__(self, method, target, headers, trailing):
        fields = dict(headers)
        self.settings = fields[b"http2-settings"]
        self.trailing = trailing
        self.headers = [(b":method", method), (b":path", target),
                        (b":scheme", b"http"),
                        (b":authority", fields.get(b"host", b""))] + [
            (name, value) for name, value in headers
            if name not in _NOT_ON_HTTP2]


#: Fields of an upgrading request that have no place on its HTTP/2 stream.
_NOT_ON_HTTP2 = frozenset([b"host", b"connection", b"upgrade", b"http2-settings",
                           b"keep-alive", b"proxy-connection", b"te"])


class _Body(RequestBody):
    """The request body as the wire parses it; the first read answers an
    ``Expect: 100-continue``."""

    def __init__(self, connection, limit):
        RequestBody.__init__(self, limit)
        self._connection = connection

    def _next_chunk(self):
        connection = self._connection
        if connection.wire.expects_continue:
            connection.send(connection.wire.informational(100, "Continue", []))
        try:  # a malformed body is a BadRequest the exchange answers
            event = connection.next_event(connection.config.header_timeout)
        except ReadTimeout:
            raise ClientGone("the request body stalled")
        if type(event) is bytes:
            return event
        return b""


class _Responder(Responder):
    """The response side of the HTTP/1.1 exchanges (see ``exchange``) of
    one connection, made once: ``handle`` sets ``head`` (a HEAD request's
    response has no body) and ``aborted`` for each request.  The requests
    of a connection come one at a time, and a stale ``ng.early_hints``
    reaches ``hint`` no more (its ``RequestContext`` has sent its
    headers)."""

    http2 = False

    def __init__(self, connection):
        self.connection = connection
        self.head = False
        self.aborted = False

    def hint(self, headers):
        connection = self.connection
        connection.send(connection.wire.informational(103, "Early Hints",
                                                      headers))
        return True

    def start(self, status, headers):
        code, _, reason = status.partition(" ")
        connection = self.connection
        connection.send(connection.wire.response(int(code), reason, headers),
                        hold=True)

    def data(self, block, final):
        if not self.head:
            connection = self.connection
            connection.send(connection.wire.body(block), hold=final)

    def end(self, trailers):
        # (trailers come only in a body without Content-Length, which is
        # chunked: RequestContext rules them out next to a length)
        connection = self.connection
        connection.send(connection.wire.end([] if self.head else trailers))

    def finish(self, block, trailers):
        connection = self.connection
        wire = connection.wire
        if self.head:
            connection.send(wire.end([]))
        elif block:
            connection.send(wire.body(block) + wire.end(trailers))
        else:
            connection.send(wire.end(trailers))

    def abort(self):
        self.aborted = True
