"""``from_asgi``: an ASGI 3 app (Starlette, FastAPI...) as a wsgi-ng app.

    application = from_asgi(starlette_app)   # wsgi-ng serve, the gunicorn worker
    application = to_wsgi(from_asgi(app))    # any WSGI server

The ASGI app runs on one event loop per process (``loop.LOOP``), started
lazily in the process that serves.  The request's thread serves the app:
it reads ``wsgi.input`` when the app awaits ``receive()`` and yields each
body block the app sends, resolving the app's ``await send()`` only once
the host took the block -- streaming both ways, nothing buffered whole.
``http.disconnect`` comes when the response is complete, when
``ng.disconnected`` fires, or when the host closes the iterable early.

A WebSocket handshake runs as a ``websocket`` scope through
``ng.websocket`` where the host offers it; the app's close before accept
becomes a 403, and the denial extension ``websocket.http.response`` is
offered.  Where the host has no WebSocket, the handshake is a plain
``http`` request, as from an ASGI server without WebSocket support.

Lifespan: a host that knows the spec's ``ng_lifespan`` runs the app's
startup and shutdown through it; on any other host startup runs before
the first request of each process and shutdown at its exit.
"""
import asyncio
import atexit
import contextlib
import logging
import os
import queue
import threading
from http.client import responses as _REASONS
from urllib.parse import quote

from wsgi_ng import keys
from wsgi_ng.adapters.asgi.lifespan import AsgiLifespan
from wsgi_ng.adapters.asgi.loop import LOOP
from wsgi_ng.errors import ConnectionClosed
from wsgi_ng.iterables import WrappedBody

log = logging.getLogger("wsgi_ng.asgi")

_CHUNK = 65536
#: Received WebSocket messages waiting for the ASGI app.
_WEBSOCKET_BACKLOG = 16
_Queue = getattr(queue, "SimpleQueue", queue.Queue)  # SimpleQueue: 3.7+


def from_asgi(app, lifespan_timeout=60.0):
    """The wsgi-ng app that runs the ASGI 3 *app*."""
    return WsgiApp(app, lifespan_timeout)


class WsgiApp(object):
    """The wsgi-ng callable; ``ng_lifespan`` runs the ASGI lifespan."""

    wsgi_ng = True  # the reference server runs it as it is

    def __init__(self, app, lifespan_timeout=60.0):
        self.app = app
        self.lifespan_timeout = lifespan_timeout
        self._lock = threading.Lock()
        self._pid = None  # the process whose lifespan started
        self._lifespan = None
        self._failure = None

    # -- lifespan ---------------------------------------------------------------
    @contextlib.contextmanager
    def ng_lifespan(self):
        """The spec's lifecycle hook: the host runs the app's startup
        before serving and its shutdown when it stops."""
        self._start()
        try:
            yield
        finally:
            self._stop()

    def _start(self):
        with self._lock:
            if self._pid == os.getpid():
                if self._failure is not None:
                    raise self._failure
                return
            self._pid = os.getpid()
            self._lifespan = AsgiLifespan(self.app, LOOP, self.lifespan_timeout)
            try:
                self._lifespan.startup()
            except Exception as error:
                self._failure = error
                raise

    def _stop(self):
        with self._lock:
            lifespan, self._lifespan = self._lifespan, None
        if lifespan is not None and self._pid == os.getpid() \
                and self._failure is None:
            lifespan.shutdown()

    def _started(self):
        """Before a request: a host without ``ng_lifespan`` gets startup
        now, once per process, and shutdown at exit."""
        if self._pid != os.getpid():
            self._start()
            atexit.register(self._stop)
        elif self._failure is not None:
            raise self._failure
        return self._lifespan.state

    # -- requests ---------------------------------------------------------------
    def __call__(self, environ, start_response):
        state = self._started()
        if environ.get(keys.WEBSOCKET) is not None:
            return _Session(self, environ, start_response, state).run()
        return _Request(self, environ, start_response, state).run()


def asgi_scope(environ, kind, state):
    """The ASGI scope of a WSGI *environ*."""
    root = environ.get("SCRIPT_NAME", "")
    raw = (root + environ.get("PATH_INFO", "")).encode("latin-1")
    headers = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:]
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            name = key
        else:
            continue
        headers.append((name.replace("_", "-").lower().encode("latin-1"),
                        value.encode("latin-1")))
    protocol = environ.get("SERVER_PROTOCOL", "HTTP/1.1")[5:]
    scheme = environ.get("wsgi.url_scheme", "http")
    scope = {
        "type": kind, "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "2" if protocol.startswith("2") else protocol,
        "scheme": scheme if kind == "http" else {"https": "wss"}.get(scheme, "ws"),
        "path": raw.decode("utf-8", "replace"), "raw_path": quote(raw).encode(),
        "root_path": root.encode("latin-1").decode("utf-8", "replace"),
        "query_string": environ.get("QUERY_STRING", "").encode("latin-1"),
        "headers": headers, "state": dict(state),
        "server": (environ.get("SERVER_NAME", ""),
                   int(environ.get("SERVER_PORT") or 0)),
    }
    if environ.get("REMOTE_ADDR"):
        scope["client"] = (environ["REMOTE_ADDR"],
                           int(environ.get("REMOTE_PORT") or 0))
    if kind == "http":
        scope["method"] = environ["REQUEST_METHOD"]
    return scope


#: What a host's ``ng.features`` lets an ASGI app send, as ASGI extensions.
_EXTENSIONS = {keys.FEATURE_PUSH: "http.response.push",
               keys.FEATURE_EARLY_HINTS: "http.response.early_hint",
               keys.FEATURE_TRAILERS: "http.response.trailers"}


class _Request(object):
    """One HTTP request: the app's coroutine on the loop; the host's thread
    reads the body and writes the response as the coroutine asks."""

    def __init__(self, bridge, environ, start_response, state):
        self.environ = environ
        self.start_response = start_response
        self.scope = asgi_scope(environ, "http", state)
        features = environ.get(keys.FEATURES, ())
        self.scope["extensions"] = dict(
            (_EXTENSIONS[name], {}) for name in features if name in _EXTENSIONS)
        if keys.FEATURE_TRAILERS in features:  # what TE: trailers says
            self.scope["headers"].append((b"te", b"trailers"))
        self.app = bridge.app
        self.loop = LOOP.loop
        self.events = _Queue()  # from the loop to the host's thread
        self.started = False  # start_response was called
        self.gone = False  # the host closed the response early
        self.trailers = False
        self._head = None  # http.response.start, until the first body
        self._body_done = self._has_no_body()
        self._first_read = True
        self._length = _length(environ)
        self._disconnect = self.loop.create_future()
        self._listening = False  # for ng.disconnected
        # full duplex: a line is passed on as soon as it is there (read()
        # would wait for a whole chunk)
        body = environ["wsgi.input"]
        self._duplex = keys.FEATURE_FULL_DUPLEX in features
        self._reader = body.readline if self._duplex else body.read
        self._reads = None  # full duplex: the reading thread's queue
        self._read_error = None  # why reading the body failed

    def _has_no_body(self):
        length = self.environ.get("CONTENT_LENGTH", "")
        if length.strip():
            return int(length) == 0
        # HTTP/1.x without a length or chunking has no body (RFC 9112)
        return (not self.environ.get("SERVER_PROTOCOL", "").startswith("HTTP/2")
                and "chunked" not in self.environ.get(
                    "HTTP_TRANSFER_ENCODING", "").lower())

    # -- the loop side ----------------------------------------------------------
    async def receive(self):
        if self._body_done:
            if self._first_read:
                self._first_read = False
                return {"type": "http.request", "body": b"", "more_body": False}
            if not self._listening:  # ask the host only when it matters
                self._listening = True
                gone = self.environ.get(keys.DISCONNECTED)
                if gone is not None:
                    gone.add_callback(lambda: self.loop.call_soon_threadsafe(
                        self._disconnected))
            await self._disconnect
            return {"type": "http.disconnect"}
        self._first_read = False
        read = self.loop.create_future()
        self.events.put(("read", read))
        message = await read
        if message["type"] != "http.request" or not message["more_body"]:
            self._body_done = True
        return message

    async def send(self, message):
        if self.gone:
            raise OSError("the client has gone")
        kind = message["type"]
        if kind == "http.response.start":
            self._head = message
        elif kind == "http.response.body":
            head, self._head = self._head, None
            if message.get("more_body"):
                taken = self.loop.create_future()
                self.events.put(("body", head, message, taken))
                await taken
            else:
                self.events.put(("body", head, message, None))
                self._disconnected()  # the response is complete
        elif kind in ("http.response.trailers", "http.response.early_hint",
                      "http.response.push"):
            self.events.put((kind, message))
        else:
            raise RuntimeError("unexpected ASGI message %r" % kind)

    def _begin(self):
        self.loop.create_task(self._main())

    async def _main(self):
        try:
            await self.app(self.scope, self.receive, self.send)
        except BaseException as error:
            self.events.put(("done", error))
            raise
        self.events.put(("done", None))

    def _disconnected(self):
        """The loop: ``http.disconnect`` for the app's pending receive."""
        if not self._disconnect.done():
            self._disconnect.set_result(None)

    # -- the host's thread ------------------------------------------------
    def run(self):
        self.loop.call_soon_threadsafe(self._begin)
        event = self._next_output()
        if event[0] == "body" and event[3] is None and not (
                event[1] or {}).get("trailers"):  # the whole response at once
            self._start(event[1])
            return [event[2].get("body", b"")]
        return _Streaming(self._stream(event), self)

    def _next_output(self):
        """Serve reads and hints until the app sends body (or ends)."""
        while True:
            event = self.events.get()
            kind = event[0]
            if kind == "read" and self._duplex:
                self._read_aside(event[1])
            elif kind == "read":
                self._read(event[1])
            elif kind == "http.response.early_hint":
                self.environ[keys.EARLY_HINTS](
                    [("Link", link.decode("latin-1")) for link in event[1]["links"]])
            elif kind == "http.response.push":
                self.environ[keys.PUSH](event[1]["path"], [
                    (n.decode("latin-1"), v.decode("latin-1"))
                    for n, v in event[1].get("headers", [])])
            else:
                return event

    def _read_aside(self, future):
        """Full duplex: reads wait for the client on a thread of their
        own, so the response goes on meanwhile."""
        if self._reads is None:
            self._reads = _Queue()
            reader = threading.Thread(target=self._read_all,
                                      name="wsgi-ng-asgi-body")
            reader.daemon = True
            reader.start()
        self._reads.put(future)

    def _read_all(self):
        future = self._reads.get()
        while future is not None:
            self._read(future)
            future = self._reads.get()

    def _read(self, future):
        try:
            size = _CHUNK if self._length is None else min(_CHUNK, self._length)
            data = self._reader(size) if size else b""
        except Exception as error:  # the app hears disconnect; the host
            log.debug("reading the request body failed: %s", error)
            self._read_error = error  # its own error (e.g. a 413), see _done
            message = {"type": "http.disconnect"}
        else:
            if self._length is not None:
                self._length -= len(data)
            more = bool(data) and self._length != 0
            message = {"type": "http.request", "body": data, "more_body": more}
        self.loop.call_soon_threadsafe(_resolve, future, message)

    def _start(self, head):
        if head is None:
            raise RuntimeError("the ASGI app sent a body before "
                               "http.response.start")
        self.trailers = bool(head.get("trailers"))
        status = int(head["status"])
        self.start_response("%d %s" % (status, _REASONS.get(status, "Unknown")), [
            (n.decode("latin-1"), v.decode("latin-1"))
            for n, v in head.get("headers", [])])
        self.started = True

    def _stream(self, event):
        while True:
            kind = event[0]
            if kind == "done":
                self._done(event[1])
                return
            if kind == "body":
                _, head, message, taken = event
                if head is not None:
                    self._start(head)
                block = message.get("body", b"")
                if block:
                    yield block
                if taken is not None:
                    self.loop.call_soon_threadsafe(_resolve, taken, None)
                elif not self.trailers:
                    break
            elif kind == "http.response.trailers":
                self.environ[keys.SEND_TRAILERS]([
                    (n.decode("latin-1"), v.decode("latin-1"))
                    for n, v in event[1].get("headers", [])])
                if not event[1].get("more_trailers"):
                    break
            event = self._next_output()
        self._end()

    def _done(self, error):
        """The app's coroutine ended before the response did.  When reading
        the body failed first, that failure is the host's to answer (a
        body over its limit is a 413, not the app's error)."""
        self._end()
        if self._read_error is not None and not self.started:
            raise self._read_error
        if error is not None:
            raise error
        if not self.started:
            raise RuntimeError("the ASGI app returned without a response")
        raise RuntimeError("the ASGI app returned before its response ended")

    def _end(self):
        """The response is complete: the app's receive says disconnect."""
        self.loop.call_soon_threadsafe(self._disconnected)
        if self._reads is not None:
            self._reads.put(None)

    def close(self):
        """The host closed the response: early means the client left."""
        self.gone = True
        self._end()
        while True:  # release whatever the app awaits
            try:
                event = self.events.get_nowait()
            except queue.Empty:
                return
            if event[0] == "body" and event[3] is not None:
                self.loop.call_soon_threadsafe(_resolve, event[3], None)
            elif event[0] == "read":
                self.loop.call_soon_threadsafe(
                    _resolve, event[1], {"type": "http.disconnect"})


class _Streaming(WrappedBody):
    """The response as the app sends it; ``close()`` tells the app."""

    def __init__(self, blocks, request):
        WrappedBody.__init__(self, blocks)
        self._request = request

    def __iter__(self):
        return iter(self._result)

    def close(self):
        WrappedBody.close(self)
        self._request.close()


class _Session(object):
    """A WebSocket handshake: the app's ``websocket`` scope on the loop,
    the host's session (``ng.websocket``) driven from the host's thread."""

    def __init__(self, bridge, environ, start_response, state):
        self.environ = environ
        self.start_response = start_response
        self.session = environ.get(keys.WEBSOCKET)
        self.scope = asgi_scope(environ, "websocket", state)
        self.scope["subprotocols"] = list(self.session.subprotocols)
        self.scope["extensions"] = {"websocket.http.response": {}}
        self.app = bridge.app
        self.loop = LOOP.loop
        self.events = _Queue()
        self.incoming = None  # asyncio.Queue of messages for the app
        self.room = threading.Semaphore(_WEBSOCKET_BACKLOG)
        self.connected = False

    # -- the loop side ----------------------------------------------------------
    async def receive(self):
        if not self.connected:
            self.connected = True
            self.incoming = asyncio.Queue()
            return {"type": "websocket.connect"}
        message = await self.incoming.get()
        self.room.release()
        return message

    async def send(self, message):
        self.events.put((message["type"], message))

    async def _main(self):
        try:
            await self.app(self.scope, self.receive, self.send)
        finally:
            self.events.put(("done", None))

    # -- the host's thread ------------------------------------------------
    def run(self):
        LOOP.run(self._main())
        accepted, denial = False, None
        while True:
            kind, message = self.events.get()
            if kind == "websocket.accept" and not accepted:
                self.session.accept(message.get("subprotocol"), [
                    (n.decode("latin-1"), v.decode("latin-1"))
                    for n, v in message.get("headers", [])])
                accepted = True
                reader = threading.Thread(target=self._read,
                                          name="wsgi-ng-asgi-ws-reader")
                reader.daemon = True
                reader.start()
            elif kind == "websocket.send" and accepted:
                text = message.get("text")
                try:
                    self.session.send(message.get("bytes") if text is None
                                      else text)
                except ConnectionClosed:
                    pass  # the reader tells the app
            elif kind == "websocket.close":
                if not accepted:
                    return self._refuse()
                self.session.close(message.get("code", 1000),
                                   message.get("reason") or "")
            elif kind == "websocket.http.response.start" and not accepted:
                denial = (message, [])
            elif kind == "websocket.http.response.body" and denial:
                denial[1].append(message.get("body", b""))
                if not message.get("more_body"):
                    head = denial[0]
                    status = int(head["status"])
                    self.start_response(
                        "%d %s" % (status, _REASONS.get(status, "Unknown")),
                        [(n.decode("latin-1"), v.decode("latin-1"))
                         for n, v in head.get("headers", [])])
                    return denial[1]
            elif kind == "done":
                return [] if accepted else self._refuse()

    def _refuse(self):
        """The app closed (or ended) before accepting: the session's own
        refusal, which every host answers with 403; the app hears that
        the connection is gone."""
        self.session.close()
        self.loop.call_soon_threadsafe(self._deliver, {
            "type": "websocket.disconnect", "code": 1006})
        return []

    def _deliver(self, message):
        if self.incoming is not None:
            self.incoming.put_nowait(message)

    def _read(self):
        """The reader thread: the session's messages to the app, at most
        ``_WEBSOCKET_BACKLOG`` waiting."""
        session = self.session
        try:
            for message in session:
                self.room.acquire()
                key = "bytes" if isinstance(message, bytes) else "text"
                self.loop.call_soon_threadsafe(self._deliver, {
                    "type": "websocket.receive", key: message})
        except Exception as error:  # e.g. MessageTooBig: closed already
            log.info("WebSocket session on %s ended: %s",
                     self.environ.get("PATH_INFO"), error)
        self.loop.call_soon_threadsafe(self._deliver, {
            "type": "websocket.disconnect", "code": session.close_code or 1006,
            "reason": session.close_reason})


def _resolve(future, value):
    if not future.done():
        future.set_result(value)


def _length(environ):
    value = environ.get("CONTENT_LENGTH", "")
    return int(value) if value.strip() else None
