"""One HTTP/2 request stream of ``http2.HTTP2Connection``: its body as
``wsgi.input`` (``_Input``, fed by the connection's reader), its app call
on a pool thread (``Stream.run``: the environ, the exchange, push, hints,
trailers, the response's frames) and, for an extended CONNECT (RFC 8441),
its WebSocket session's bytes (``_SessionBytes``)."""
import collections
import io

import h2.errors

from wsgi_ng._compat import monotonic, to_bytes
from wsgi_ng.errors import BadRequest, ConnectionClosed, Timeout
from wsgi_ng.handshake import accept_response, extended_connect_offer
from wsgi_ng.host import RequestContext
from wsgi_ng.lifecycle import Disconnected
from wsgi_ng.server.bodies import RequestBody
from wsgi_ng.server.environ import request_environ
from wsgi_ng.server.exchange import (
    ClientGone, Exchange, Responder, answer_plain, log_bad_request,
    status_line,
)
from wsgi_ng.server.shedding import RETRY_AFTER
from wsgi_ng.server.wsevents import StreamDriver, session_options
from wsgi_ng.websocket import WebSocket, finish_session
from wsgi_ng.wschannel import FrameChannel
from wsgi_ng.wsstream import SocketStream

#: ``hold`` for the frames that end a response: they wait while streams of
#: the connection are queued for their app calls (``http2``'s doc).
WHILE_QUEUED = object()


class _Input(RequestBody):
    """A stream's request body (or WebSocket bytes), fed by the connection's
    thread; flow-control credit goes back as the app consumes it.

    It names its stream by id, not by a reference: the stream holds its
    input, and a cycle between the two left every request's objects to the
    garbage collector (a twentieth of the server's time on h2load)."""

    def __init__(self, connection, stream_id):
        RequestBody.__init__(self, connection.config.max_body_size)
        self._connection = connection
        self._stream_id = stream_id
        self._chunks = collections.deque()
        self.ended = False  # the client ended the stream
        self.closed_here = False  # a WebSocket session over it ended here
        #: Called as data or the end arrives, for a session served by a
        #: handler (``wsevents.StreamDriver``).
        self.wake = None

    def feed(self, data, flow_length):
        self._chunks.append((data, flow_length))
        if self.wake is not None:
            self.wake()

    def end(self, here=False):
        """The client ended the stream; *here*: our session did (reading
        on ends as well, but what still comes is dropped, not refused)."""
        if here:
            self.closed_here = True
        else:
            self.ended = True
        if self.wake is not None:
            self.wake()

    def unread(self):
        """Bytes received and not taken yet."""
        return sum(len(data) for data, _ in self._chunks)

    def discard(self):
        """Drop what is buffered; returns it for flow-control credit."""
        chunks, self._chunks = self._chunks, collections.deque()
        return chunks

    def take(self):
        """The next bytes if some came (their flow-control credit given
        back), ``b""`` at the end, None when none have come yet; the
        connection's condition is held."""
        connection = self._connection
        if self._chunks:
            data, flow_length = self._chunks.popleft()
            connection.acknowledge(self._stream_id, flow_length)
            connection.flush()
            return data
        if self.ended or self.closed_here or self._reset() or \
                connection.closed:
            return b""
        return None

    def _reset(self):
        """Whether the stream was reset, or is over (the app is done)."""
        stream = self._connection.streams.get(self._stream_id)
        return stream is None or stream.reset

    def receive(self, timeout=None):
        """The next bytes, ``b""`` at the end; ``Timeout`` after *timeout*."""
        connection = self._connection
        with connection.lock:
            deadline = None if timeout is None else monotonic() + timeout
            data = self.take()
            while data is None:
                remaining = None if deadline is None else deadline - monotonic()
                if remaining is not None and remaining <= 0:
                    raise Timeout("no data within %.3gs" % timeout)
                with connection.server.request_pool.waiting:
                    connection.cond.wait(remaining)
                data = self.take()
            return data

    def _next_chunk(self):
        try:
            data = self.receive(self._connection.config.header_timeout)
        except Timeout:
            raise ClientGone("the request body stalled")
        if not data and self._reset():
            raise ClientGone("the stream was reset")
        return data


class Stream(Responder):
    """One request stream: its environ, its app call, its responder side."""

    http2 = True

    def __init__(self, connection, stream_id, headers, pushed, ended,
                 checked=None):
        self.connection = connection
        self.id = stream_id
        self.headers = headers
        #: (pseudo-header fields by name, ``host`` values), as h2fields
        #: split a received request; None for one the server made itself.
        self.checked = checked
        self.pushed = pushed
        self.reset = False
        self.input = _Input(connection, stream_id)
        #: The request ended with its head: no body (most GETs).
        self.bodyless = ended
        if ended:
            self.input.end()
        self.head = False
        self.last_block = None  # the final body block, waiting for end()
        self.unsent = None  # of the response's Content-Length, if it has one
        self.session = None
        self.disconnected = Disconnected()  # reset, or the connection ended

    @property
    def declares_body(self):
        """Whether the request has a ``content-length`` other than 0."""
        return dict(self.headers).get(b"content-length", b"0") != b"0"

    # -- running the app (a pool thread) -----------------------------------
    def shed(self):
        """Waited past ``max_queue_time`` for a thread: refused (the client
        may retry it), the app never called."""
        self.connection.begin()
        self.connection.reset(self, h2.errors.ErrorCodes.REFUSED_STREAM)
        self.connection.stream_done(self)

    def run(self):
        connection = self.connection
        connection.begin()
        driver = None
        try:
            try:
                environ, websocket = self.environ()
            except BadRequest as error:
                log_bad_request(connection.peer, error.reason, error.status)
                answer_plain(self, status_line(error.status), error.reason)
                return
            session = None
            if websocket and not connection.server.session_room():
                answer_plain(self, "503 Service Unavailable",
                             "max_websockets=%d reached"
                             % connection.config.max_websockets,
                             [("retry-after", RETRY_AFTER)])
                return
            if websocket:
                offer = extended_connect_offer(environ)
                session = self.session = WebSocket(
                    offer.subprotocols,
                    lambda sub, extra: self.accept(environ, offer, sub, extra),
                    {"http_version": "2"})
            # push only where the client allows it (browsers and curl turn it
            # off); a pushed stream cannot push again
            can_push = not self.pushed and connection.push_allowed
            context = RequestContext(
                push=self.push if can_push else None, early_hints=self.hint,
                trailers=True, websocket=session, full_duplex=True,
                disconnected=self.disconnected)
            exchange = Exchange(connection.server.app, environ, self, context)
            result = exchange.run(connection.server.slow_calls)
            if session is not None and session.state is WebSocket.ACCEPTED:
                try:
                    # (no result: the exchange ended the session, 1011)
                    if result is not None and finish_session(
                            session, result, event_driven=True):
                        driver = StreamDriver(self)  # a handler serves it
                finally:
                    if driver is None:  # else it counts until the end
                        connection.server.session_ended(http1=False)
                connection.server.access_log(environ, 200, 0)
                return
            connection.server.access_log(environ, exchange.status_code,
                                         exchange.sent_bytes)
        except ClientGone:
            pass  # reset while the refusal went out
        finally:
            if driver is None:
                connection.stream_done(self)
            else:  # served by a handler: the stream lives on
                driver.start()

    def environ(self):
        """The request's environ, and whether it is a WebSocket handshake
        (an extended CONNECT, presented like an HTTP/1.1 one); raises
        ``BadRequest`` for what the server will not serve."""
        headers = self.headers
        pseudo, hosts = self.checked or _split_own(headers)
        fields = headers[len(pseudo):]  # (pseudo-header fields come first)
        method = pseudo.get(b":method", b"GET")
        self.head = method == b"HEAD"
        authority = pseudo.get(b":authority")
        # a plain CONNECT targets an authority (and is refused: no proxy)
        target = pseudo.get(b":path", authority or b"")
        websocket = method == b"CONNECT" and b":protocol" in pseudo
        if websocket:
            if pseudo[b":protocol"] != b"websocket":
                raise BadRequest(501, "extended CONNECT for a protocol other "
                                 "than websocket")
            method = b"GET"  # presented like an HTTP/1.1 handshake
            fields = fields + [(b"upgrade", b"websocket"),
                               (b"connection", b"Upgrade")]
        if authority is not None:  # the Host (h2fields: the same, if any)
            if hosts:
                fields = [field for field in fields if field[0] != b"host"]
            fields = [(b"host", authority)] + fields
        # (a bodyless request's reads, from_wsgi's on every GET among them,
        # are a C file's, not a Python call each and the connection's lock)
        environ = request_environ(
            self.connection.base_environ, method, target, "HTTP/2", fields,
            io.BytesIO() if self.bodyless else self.input)
        return environ, websocket

    def accept(self, environ, offer, subprotocol, extra_headers):
        self.connection.server.request_pool.detach()  # a session holds it
        headers, extensions = accept_response(
            offer, subprotocol, extra_headers, self.connection.config.compress)
        self.connection.call(self, "send_headers", self.id, [(":status", "200")]
                             + _lower(headers))
        self.connection.server.session_began(environ, http1=False)
        return FrameChannel(_SessionBytes(self), extensions=extensions,
                            **session_options(self.connection.server))

    # -- the responder (see exchange) -----------------------------------------
    def hint(self, headers):
        self.connection.call(self, "send_headers", self.id,
                             [(":status", "103")] + _lower(headers))
        return True

    def push(self, path, headers):
        connection = self.connection
        with connection.lock:
            if not connection.push_allowed or self.reset:
                return False
            scheme = connection.base_environ["wsgi.url_scheme"]
            request = [(b":method", b"GET"), (b":path", to_bytes(path)),
                       (b":scheme", to_bytes(scheme)),
                       (b":authority", dict(self.headers).get(b":authority", b""))]
            request += [(to_bytes(n.lower()), to_bytes(v)) for n, v in headers]
            promised = connection.h2.get_next_available_stream_id()
            try:
                connection.h2.push_stream(self.id, promised, request)
            except (h2.exceptions.ProtocolError,
                    h2.exceptions.StreamClosedError):
                return False
            connection.flush()
            connection.start_stream(promised, request, ended=True, pushed=True)
        return True

    def start(self, status, headers):
        fields = _lower(headers)
        self.unsent = _content_length(fields)
        # held: the first body block (or the end) takes it along
        self.connection.call(self, "send_headers", self.id,
                             [(":status", status[:3])] + fields, hold=True)

    def data(self, block, final):
        """Send *block*; the last one waits for ``end`` so, without
        trailers, it carries END_STREAM itself: one DATA frame, where an
        empty one after it cost h2 a tenth more per request.  The last is
        the *final* one (a list's) or the one that completes the
        Content-Length: Django's and Werkzeug's bodies are iterables of
        their own, not lists."""
        if self.head:
            return
        held, self.last_block = self.last_block, None
        if held is not None:  # more than the Content-Length said: sent on
            self.connection.send_data(self, held)
        if self.unsent is not None:
            self.unsent -= len(block)
            final = final or self.unsent <= 0
        if final:
            self.last_block = block
        else:
            self.connection.send_data(self, block)

    def finish(self, block, trailers):
        """The last block and the end (``Responder.finish``): most often a
        block to send and nothing held back, no trailers, not HEAD -- one
        DATA frame that ends the stream, sent in one call."""
        if block and not trailers and not self.head and \
                self.last_block is None:
            self.connection.send_data(self, block, end_stream=True,
                                      hold=WHILE_QUEUED)
        else:
            Responder.finish(self, block, trailers)

    def end(self, trailers):
        last, self.last_block = self.last_block, None
        connection = self.connection
        if trailers:
            if last is not None:
                connection.send_data(self, last, hold=True)
            connection.call(self, "send_headers", self.id, _lower(trailers),
                            end_stream=True, hold=WHILE_QUEUED)
        elif last is not None:
            connection.send_data(self, last, end_stream=True,
                                 hold=WHILE_QUEUED)
        else:
            connection.call(self, "end_stream", self.id, hold=WHILE_QUEUED)

    def abort(self):
        self.connection.reset(self, h2.errors.ErrorCodes.INTERNAL_ERROR)


class _SessionBytes(object):
    """A stream's DATA as the byte stream a WebSocket ``FrameChannel``
    speaks over (RFC 8441)."""

    def __init__(self, stream):
        self._stream = stream

    def recv(self, timeout=None):
        return self._stream.input.receive(timeout)

    def send(self, data):
        try:
            self._stream.connection.send_data(self._stream, data)
        except ClientGone:
            raise ConnectionClosed(1006, "stream reset")

    def unread(self):
        return self._stream.input.unread()

    def writable(self):
        """Room for a control frame now: in the flow-control window, and
        in the socket (the connection's lock is taken for the window only
        when it is free, so the clock never waits on a busy connection)."""
        stream = self._stream
        connection = stream.connection
        if not connection.lock.acquire(False):
            return False
        try:
            if connection.closed or stream.reset or \
                    connection.h2.local_flow_control_window(stream.id) < 256:
                return False
        except h2.exceptions.StreamClosedError:
            return False
        finally:
            connection.lock.release()
        return SocketStream(connection.sock).writable()

    def close(self):
        """End our side of the stream; a receive in progress (or the
        stream's driver) sees the end at once."""
        stream = self._stream
        try:
            stream.connection.call(stream, "end_stream", stream.id)
        except ClientGone:
            pass
        with stream.connection.lock:
            stream.input.end(here=True)
            stream.connection.cond.notify_all()


def _split_own(headers):
    """``Stream.checked`` of a request the server made itself, pushed or
    upgraded from HTTP/1.1, which h2fields never saw (its pseudo-header
    fields come first too)."""
    return (dict(field for field in headers if field[0][:1] == b":"),
            [value for name, value in headers if name == b"host"])


def _lower(headers):
    """HTTP/2 field names are lower case."""
    return [(name.lower(), value) for name, value in headers]


def _content_length(fields):
    """The response's ``content-length`` as an int (checked digits by
    ``validate``), or None."""
    for name, value in fields:
        if name == "content-length":
            return int(value)
    return None
