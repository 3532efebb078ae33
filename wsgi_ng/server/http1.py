"""HTTP/1.1 on one connection, with h11 doing the wire format.

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
import logging
import socket
import ssl

import h11

from wsgi_ng._compat import PY2, monotonic
from wsgi_ng.errors import BadRequest
from wsgi_ng.handshake import accept_response, websocket_offer
from wsgi_ng.host import RequestContext
from wsgi_ng.server.bodies import RequestBody
from wsgi_ng.server.environ import request_environ
from wsgi_ng.server import handover
from wsgi_ng.server.exchange import (
    ClientGone, Exchange, log_bad_request, status_line,
)
from wsgi_ng.server.headcheck import HeadCheck, parser_error
from wsgi_ng.server.sockio import ReadTimeout, TimedSocket
from wsgi_ng.server.wsevents import serve_http1, session_options
from wsgi_ng.websocket import (
    FrameChannel, SocketStream, WebSocket, end_session, finish_session,
)

log = logging.getLogger("wsgi_ng.server")

_SWITCHING = b"Switching Protocols"
#: Unread request body the server reads away to keep a connection alive.
_DRAIN_LIMIT = 64 * 1024


class HTTP1Connection(object):
    """Serve requests on *sock* until either side closes it."""

    def __init__(self, server, sock, peer, base_environ, initial=b""):
        self.server = server
        self.config = server.config
        self.sock = sock
        self.peer = peer
        self.base_environ = base_environ
        self.conn = h11.Connection(
            h11.SERVER, max_incomplete_event_size=self.config.max_header_size)
        self.head_check = HeadCheck()
        self.peer_closed = False
        self._sniffed = initial  # read already, fed when start() runs
        self._request = None  # the complete request serve() answers
        self._head_began = None  # when the first byte of this head came
        #: When the poller gives up waiting (see ``_wait_for_request``).
        self.deadline = monotonic() + self.config.header_timeout
        self.io = TimedSocket(sock, self.config.send_timeout)
        self.requests = 0
        self._held = b""  # response head waiting to go out with the body
        self.session = None  # the WebSocket session this connection became
        #: Set when the server answered and closes while the client may
        #: still be sending: the close then lingers (see sockio.Lingering).
        self.linger = False

    # -- I/O ------------------------------------------------------------
    def receive(self, timeout):
        """Feed h11 the next bytes; ``ReadTimeout`` after *timeout*,
        ``BadRequest`` when a completed head is one to refuse."""
        self._feed(self.io.recv(timeout))

    def _feed(self, data):
        self.conn.receive_data(data)
        self.peer_closed = not data
        if data and self._head_began is None:
            self._head_began = monotonic()
        self.head_check.feed(data)

    def send(self, event, hold=False):
        """Send *event*; with *hold* its bytes wait for the next send, so a
        response head and its first body block leave in one write."""
        data = self._held + self.conn.send(event)
        self._held = data if hold else b""
        if data and not hold:
            try:
                self.io.sendall(data)
            except socket.error:  # socket.timeout included
                raise ClientGone("the client closed the connection")

    def buffered(self):
        """True when request bytes are already read (pipelined, or inside
        the TLS layer)."""
        return bool(self.conn.trailing_data[0]) or self.io.buffered()

    def parse(self):
        """The next h11 event from what was received (``NEED_DATA`` when
        more must come); a malformed request is a ``BadRequest``."""
        in_body = self.conn.their_state is h11.SEND_BODY
        try:
            return self.conn.next_event()
        except h11.RemoteProtocolError as error:
            if self.peer_closed:  # it left in the middle: nobody to answer
                raise ClientGone("the client closed mid-request: %s" % error)
            raise parser_error(error, self.head_check, in_body,
                               self.config.max_target_size)

    def next_event(self, timeout):
        """The next h11 event, waiting at most *timeout* seconds for each
        read (a request body, on the app's thread)."""
        while True:
            event = self.parse()
            if event is not h11.NEED_DATA:
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
            event = self.parse()
        except BadRequest as error:
            self.refuse(error.status, error.reason)
            self.server.close(self)
            return None
        except ClientGone:
            self.server.close(self)
            return None
        if event is h11.NEED_DATA:
            self._wait_for_request()
            return None
        if not isinstance(event, h11.Request):
            self.server.close(self)  # ConnectionClosed
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
        self.server.watch(self)

    def on_expired(self):
        self.server.close(self)  # idle or too slow: just close

    # -- serving (a pool thread) --------------------------------------------
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

    def refuse(self, status, why):
        """Answer a request the server will not serve, in one log line and
        a plain-text response, and close."""
        log_bad_request(self.peer, why, status)
        self.linger = True
        if self.conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            return
        line = status_line(status)
        body = ("%s: %s\n" % (line, why)).encode("utf-8")
        try:
            self.send(h11.Response(status_code=status, reason=line[4:], headers=[
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", str(len(body))), ("Connection", "close")]))
            self.send(h11.Data(data=body))
            self.send(h11.EndOfMessage())
        except (ClientGone, h11.LocalProtocolError):
            pass

    def next_cycle(self):
        """Get ready for the next request; False when the connection must
        close instead."""
        if self.conn.their_state is h11.SEND_BODY:  # the app left some body
            try:
                drained = 0
                while drained <= _DRAIN_LIMIT:
                    event = self.next_event(self.config.keep_alive_timeout)
                    if not isinstance(event, h11.Data):
                        break
                    drained += len(event.data)
            except ReadTimeout:
                pass
            except BadRequest as error:  # answered already: only log it
                log_bad_request(self.peer, error.reason,
                                "after its response: connection closed")
        if self.conn.our_state is not h11.DONE or \
                self.conn.their_state is not h11.DONE:
            self.linger = True  # the client may still be sending
            return False
        self.conn.start_next_cycle()
        self.head_check.reset(self.conn.trailing_data[0])
        self._head_began = monotonic() if self.buffered() else None
        return True

    # -- shutdown (another thread) -----------------------------------------
    def stop(self):
        """Close a WebSocket session with 1001, a waiting connection at
        once; a request in flight finishes first (``serve`` checks
        ``stopping``)."""
        if self.session is not None:
            end_session(self.session, 1001)
        elif self.server.poller.forget(self):
            self.server.close(self)

    def kill(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except socket.error:
            pass

    def fileno(self):
        return self.sock.fileno()

    # -- one request ----------------------------------------------------
    def handle(self, request):
        """Serve one request: None to go on, ``_CLOSE`` or an ``Upgrade``."""
        self.requests += 1
        headers = list(request.headers)
        method, target = request.method, request.target
        if PY2:  # h11 0.11 hands out bytearrays: made plain bytes here
            headers = [(bytes(name), bytes(value)) for name, value in headers]
            method, target = bytes(method), bytes(target)
        fields = self.check_head(request, method, target, headers)
        if self.wants_h2c(fields):
            return self.upgrade_to_h2(method, target, headers)
        length = fields.get(b"content-length")
        if length is not None and int(length) > self.config.max_body_size:
            raise BadRequest(413, "request body over %d bytes"
                             % self.config.max_body_size)
        http_version = bytes(request.http_version).decode("ascii")
        body = _Body(self, self.config.max_body_size)
        environ = request_environ(self.base_environ, method, target,
                                  "HTTP/" + http_version, headers, self.peer,
                                  body)
        responder = _Responder(self, method == b"HEAD")
        offer = websocket_offer(environ)
        session = None
        if offer is not None:
            session = self.session = WebSocket(
                offer.subprotocols,
                lambda sub, extra: self.accept_websocket(offer, body, sub, extra),
                {"http_version": http_version})
        # trailers need chunked framing: HTTP/1.1 and a client asking for them
        trailers = http_version == "1.1" and \
            b"trailers" in fields.get(b"te", b"").lower()
        context = RequestContext(
            early_hints=responder.hint if http_version == "1.1" else None,
            trailers=trailers, websocket=session, trailers_need_chunking=True)
        # a legacy app may take the socket over, as on gunicorn
        offered = handover.offer(self, environ) if offer is not None else None
        exchange = Exchange(offered.app if offered else self.server.app,
                            environ, responder, context)
        result = exchange.run()
        if offered is not None and offered.taken:
            offered.finish()
            return _CLOSE
        if result is not None:  # an accepted WebSocket session
            served = finish_session(session, result, event_driven=True)
            self.server.access_log(environ, 101, 0)
            return _SERVED if served else _CLOSE
        self.server.access_log(environ, exchange.status_code,
                               exchange.sent_bytes)
        if responder.aborted:
            raise ClientGone("response broken off")
        return None

    def check_head(self, request, method, target, headers):
        """Limits and rules h11 leaves to the server; returns the fields as
        a dict (names lower-case)."""
        if bytes(request.http_version) not in (b"1.0", b"1.1"):
            raise BadRequest(505, "HTTP/%s over HTTP/1 framing" % (
                bytes(request.http_version).decode("ascii"),))
        if len(target) > self.config.max_target_size:
            raise BadRequest(414, "request target over %d bytes"
                             % self.config.max_target_size)
        size = len(method) + len(target) + sum(
            len(n) + len(v) + 4 for n, v in headers)
        if size > self.config.max_header_size:  # h11 bounds only partial heads
            raise BadRequest(431, "request head over %d bytes"
                             % self.config.max_header_size)
        if len(headers) > self.config.max_header_count:
            raise BadRequest(431, "more than %d header fields"
                             % self.config.max_header_count)
        fields = dict(headers)
        if b"content-length" in fields and b"transfer-encoding" in fields:
            raise BadRequest(400, "both Content-Length and Transfer-Encoding "
                             "(request smuggling)")
        return fields

    def accept_websocket(self, offer, body, subprotocol, extra_headers):
        body.read()  # a handshake has no body; this reaches its end
        self.server.request_pool.detach()  # a session holds its thread
        headers, extensions = accept_response(offer, subprotocol, extra_headers,
                                              self.config.compress)
        self.send(h11.InformationalResponse(status_code=101, headers=headers,
                                            reason=_SWITCHING))
        trailing, _ = self.conn.trailing_data
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

    def upgrade_to_h2(self, method, target, headers):
        while not isinstance(self.next_event(self.config.header_timeout),
                             h11.EndOfMessage):
            pass
        self.send(h11.InformationalResponse(status_code=101, headers=[
            ("Connection", "Upgrade"), ("Upgrade", "h2c")], reason=_SWITCHING))
        trailing, _ = self.conn.trailing_data
        return Upgrade(method, target, headers, trailing)


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
    """The request body as h11 parses it; the first read answers an
    ``Expect: 100-continue``."""

    def __init__(self, connection, limit):
        RequestBody.__init__(self, limit)
        self._connection = connection

    def _next_chunk(self):
        connection = self._connection
        if connection.conn.they_are_waiting_for_100_continue:
            connection.send(h11.InformationalResponse(
                status_code=100, headers=[], reason=b"Continue"))
        try:  # a malformed body is a BadRequest the exchange answers
            event = connection.next_event(connection.config.header_timeout)
        except ReadTimeout:
            raise ClientGone("the request body stalled")
        if isinstance(event, h11.Data):
            return bytes(event.data)
        return b""


class _Responder(object):
    """The response side of one HTTP/1.1 exchange (see ``exchange``)."""

    http2 = False

    def __init__(self, connection, head):
        self.connection = connection
        self.head = head
        self.aborted = False
        self.chunked = True

    def hint(self, headers):
        self.connection.send(h11.InformationalResponse(
            status_code=103, headers=headers, reason=b"Early Hints"))
        return True

    def start(self, status, headers):
        self.chunked = not any(name.lower() == "content-length"
                               for name, _ in headers)
        code, _, reason = status.partition(" ")
        self.connection.send(h11.Response(status_code=int(code), headers=headers,
                                          reason=reason.encode("latin-1")),
                             hold=True)

    def data(self, block, final):
        if not self.head:
            self.connection.send(h11.Data(data=block), hold=final)

    def end(self, trailers):
        self.connection.send(h11.EndOfMessage(
            headers=trailers if self.chunked and not self.head else []))

    def abort(self):
        self.aborted = True
