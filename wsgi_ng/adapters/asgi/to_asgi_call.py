"""One request or WebSocket session that ``to_asgi`` serves: the
coroutine on the ASGI server's loop, and the responder (see
``wsgi_ng.server.exchange``) that the app's thread writes to.  The two
meet only in the bounded ``Outbox`` and ``Inbox``.
"""
import asyncio
import io
import logging

from wsgi_ng.adapters.asgi.channel import _INBOX_LIMIT, AsgiChannel
from wsgi_ng.adapters.asgi.headers import encode_headers
from wsgi_ng.adapters.asgi.queues import (
    ABORT, END, SERVE, Inbox, Outbox, cancelled,
)
from wsgi_ng.adapters.asgi.served import LoopServed
from wsgi_ng.adapters.asgi.scopes import scope_environ
from wsgi_ng.errors import BadRequest, Timeout
from wsgi_ng.handshake import extended_connect_offer
from wsgi_ng.host import RequestContext
from wsgi_ng.lifecycle import Disconnected
from wsgi_ng.server.exchange import (
    ClientGone, Exchange, Responder, answer_plain, log_bad_request,
    status_line,
)
from wsgi_ng.shims.spool import BodyTooLarge
from wsgi_ng.websocket import WebSocket, finish_session
from wsgi_ng.wschannel import DEFAULT_CLOSE_TIMEOUT

log = logging.getLogger("wsgi_ng.asgi")

#: Response batches in flight per request (one being sent, one waiting).
_DEPTH = 2
#: Request body bytes waiting for the app before the loop stops receiving.
_BODY_LIMIT = 256 * 1024
#: Seconds a read of ``wsgi.input`` waits for the client's next bytes.
_BODY_TIMEOUT = 60.0
_BUFFER = 65536


class AsgiCall(Responder):
    """One request or WebSocket session: the coroutine on the loop and the
    responder (see ``wsgi_ng.server.exchange``) on the app's thread."""

    def __init__(self, bridge, scope, receive, send):
        self.bridge = bridge
        self.scope = scope
        self.receive = receive
        self.send = send
        self.http2 = scope.get("http_version") == "2"
        self.loop = asyncio.get_event_loop()
        pool = self.pool = bridge.pool
        self.outbox = Outbox(self.loop, _DEPTH, pool.waiting)
        self.extensions = scope.get("extensions") or {}
        self.pump = None  # the task receiving after the first message
        self.watching = False  # the pump waits for http.disconnect too
        self.body_ended = False
        self.inbox = None
        self.context = None
        self.session = None
        self._start = None  # the response head, sent with the first block
        self._held = None  # a final block, sent with the end
        self._prefix = "http.response."
        self._denial = False  # a refused WebSocket without the extension
        self.ended = False  # the responder posted the last batch
        self.counted = False  # the session counts toward max_sessions

    # -- HTTP -----------------------------------------------------------------
    async def http(self):
        first = await self.receive()
        if first["type"] != "http.request":  # the client left already
            return
        if first.get("more_body"):
            self.inbox = Inbox(self.loop, _BODY_LIMIT, self.pool.waiting)
            self.inbox.put(first.get("body", b""), len(first.get("body", b"")))
            body = io.BufferedReader(_Input(self), _BUFFER)
            self.pump = self.loop.create_task(self._pump_body())
        else:
            self.body_ended = True
            body = io.BytesIO(first.get("body", b""))
        trailers = "http.response.trailers" in self.extensions and any(
            name == b"te" and b"trailers" in value.lower()
            for name, value in self.scope["headers"])
        bridge_pushes = self.bridge.push and \
            "http.response.push" in self.extensions
        self.context = RequestContext(
            push=self.push if bridge_pushes else None,
            early_hints=self.hint if "http.response.early_hint" in
            self.extensions else None,
            trailers=trailers, full_duplex=self.http2,
            trailers_need_chunking=not self.http2,  # HTTP/1.1: chunked only
            disconnected=Disconnected(self.watch))
        self.trailers = trailers
        environ = await self._environ(body)
        if environ is not None:
            await self._run(environ)

    async def _environ(self, body, method=None):
        """The request's environ; None when the reference server's rules
        refuse what the ASGI server let through (a bad ``Host``, say):
        then it has been answered as the reference server answers it."""
        try:
            return scope_environ(self.scope, body, method)
        except BadRequest as error:
            log_bad_request(self.scope.get("client"), error, error.status)
            cancelled(self.pump)
            answer_plain(self, status_line(error.status), str(error))
            await self._send_all()
            return None

    async def _run(self, environ):
        if not self.pool.submit(self._call_app, environ):
            return  # the process is shutting down
        del environ  # the app's: a served session outlives its call
        try:
            await self._send_all()
            if self.session is not None and self.pump is not None:
                # the closing handshake: the server reports its end as
                # websocket.disconnect (leaving earlier, daphne resets)
                await asyncio.wait([self.pump], timeout=DEFAULT_CLOSE_TIMEOUT)
        finally:
            cancelled(self.pump)

    async def _send_all(self):
        """Send what the app's thread posts until its last batch."""
        outbox = self.outbox
        try:
            while True:
                last = await outbox.drain(self.send_batch)
                if last is SERVE:  # the app handed its session to a handler
                    self.uncount()
                    LoopServed(self).start()
                elif last is not None:
                    break
                await outbox.wait()
        except asyncio.CancelledError:
            self._gone()
            raise
        if last is ABORT and not outbox.closed:
            raise RuntimeError("the response was broken off after an app "
                               "error (see the log above)")

    async def send_batch(self, batch):
        send = self.send
        try:
            for message in batch:
                await send(message)
        except OSError as error:  # ASGI: the client has gone
            log.debug("client gone: %s", error)
            self._gone()

    def _gone(self):
        self.outbox.close()
        if self.inbox is not None:
            self.inbox.end(ClientGone("the client has gone"))
        if self.context is not None:
            self.context.gone()

    async def _pump_body(self):
        """Receive the rest of the body into the inbox; afterwards, while
        someone watches, wait for ``http.disconnect``."""
        inbox = self.inbox
        while True:
            if self.body_ended and not self.watching:
                return
            message = await self.receive()
            if message["type"] != "http.request":
                self._gone()
                return
            if not self.body_ended:
                data = message.get("body", b"")
                full = data and inbox.put(data, len(data))
                if not message.get("more_body"):
                    self.body_ended = True
                    inbox.end()
                if full:
                    await inbox.room()

    def watch(self):
        """Watch for ``http.disconnect`` (the app looked at
        ``ng.disconnected``, or the response streams); any thread."""
        if not self.watching:
            self.watching = True
            self.loop.call_soon_threadsafe(self._start_watching)

    def _start_watching(self):
        if self.pump is None:
            self.pump = self.loop.create_task(self._pump_body())

    def _call_app(self, environ):
        """The app's thread."""
        served = False
        try:
            result = Exchange(self.bridge.app, environ, self, self.context).run()
            if result is not None:  # an accepted WebSocket session
                served = finish_session(self.session, result,
                                        event_driven=True)
        except Exception:
            log.exception("error in WebSocket app for %s", environ["PATH_INFO"])
        finally:
            if served:  # the loop drives it now; this thread is free
                self.pool.attach()
                self.outbox.put([], SERVE)
            elif not self.ended:  # a session, or an error outside Exchange
                self.outbox.put([], END)

    # -- the responder (the app's thread; see wsgi_ng.server.exchange) ---------
    def hint(self, headers):
        links = [value.encode("latin-1") for name, value in headers
                 if name.lower() == "link"]
        if not links:
            return False
        self.outbox.put([{"type": "http.response.early_hint", "links": links}])
        return True

    def push(self, path, headers):
        self.outbox.put([{"type": "http.response.push", "path": path,
                          "headers": encode_headers(headers)}])
        return True

    def start(self, status, headers):
        if self._denial:
            self._start = {"type": "websocket.close", "code": 1000}
            return
        self._start = {"type": self._prefix + "start", "status": int(status[:3]),
                       "headers": encode_headers(headers)}
        if self.trailers:
            self._start["trailers"] = True

    def data(self, block, final):
        if final:
            self._held = block
            return
        self.watch()  # a streaming response: end it if the client leaves
        self.outbox.put(self._head() + self._body(block, True))

    def end(self, trailers):
        batch = self._head() + self._body(self._held or b"", False)
        if self.trailers:
            batch.append({"type": "http.response.trailers",
                          "headers": encode_headers(trailers), "more_trailers": False})
        self.ended = True
        self.outbox.put(batch, END)

    def abort(self):
        self.ended = True
        self.outbox.put([], ABORT)

    def _head(self):
        start, self._start = self._start, None
        return [start] if start is not None else []

    def _body(self, block, more):
        if self._denial:
            return []
        return [{"type": self._prefix + "body", "body": block, "more_body": more}]

    # -- WebSocket --------------------------------------------------------------
    async def websocket(self):
        connect = await self.receive()
        if connect["type"] != "websocket.connect":
            return
        if not self.bridge.take_session():
            log.warning("max_sessions=%d WebSocket sessions open; handshake "
                        "for %s refused", self.bridge.max_sessions,
                        self.scope["path"])
            await self.send({"type": "websocket.close", "code": 1013})
            return
        self.counted = True
        try:
            await self._session()
        finally:
            self.uncount()

    def uncount(self):
        """The session holds no thread any more (its end, or a handler
        serves it): it leaves ``max_sessions``' count."""
        if self.counted:
            self.counted = False
            self.bridge.release_session()

    async def _session(self):
        if "websocket.http.response" in self.extensions:
            self._prefix = "websocket.http.response."
        else:
            self._denial = True
        self.trailers = False
        environ = await self._environ(io.BytesIO(b""), b"GET")
        if environ is None:
            return
        environ.setdefault("HTTP_UPGRADE", "websocket")  # HTTP/2: RFC 8441
        environ.setdefault("HTTP_CONNECTION", "Upgrade")
        offer = extended_connect_offer(environ)  # key or not: ASGI did it
        self.inbox = Inbox(self.loop, _INBOX_LIMIT, self.pool.waiting)
        self.channel = AsgiChannel(self.outbox, self.inbox,
                                   self.bridge.max_message_size)
        self.session = WebSocket(offer.subprotocols, self._accept, {
            "http_version": self.scope.get("http_version", "1.1")})
        self.context = RequestContext(websocket=self.session,
                                      disconnected=Disconnected())
        run = self._run(environ)
        del environ  # (see _run)
        await run

    def _accept(self, subprotocol, headers):
        """The app's thread: accept; the session's thread leaves the pool's
        count, so sessions never starve plain requests."""
        self.pool.detach()
        self.outbox.put([{"type": "websocket.accept", "subprotocol": subprotocol,
                          "headers": encode_headers(headers)}])
        self.loop.call_soon_threadsafe(self._start_session_pump)
        return self.channel

    def _start_session_pump(self):
        self.pump = self.loop.create_task(self._pump_session())

    async def _pump_session(self):
        await self.channel.pump(self.receive, self.send)
        self.context.gone()


class _Input(io.RawIOBase):
    """The raw stream under ``wsgi.input``: the inbox's chunks, counted
    against ``max_body_size``."""

    def __init__(self, call):
        self._inbox = call.inbox
        self._limit = call.bridge.max_body_size
        self._received = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        try:
            chunk = self._inbox.get(_BODY_TIMEOUT)
        except Timeout:
            raise ClientGone("the request body stalled")
        if chunk is None:
            return 0
        self._received += len(chunk)
        if self._received > self._limit:
            raise BodyTooLarge(self._limit)
        size = min(len(buffer), len(chunk))
        buffer[:size] = chunk[:size]
        if size < len(chunk):
            self._received -= len(chunk) - size
            self._inbox.unget(chunk[size:], len(chunk) - size)
        return size
