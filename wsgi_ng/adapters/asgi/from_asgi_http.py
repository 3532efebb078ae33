"""One HTTP request of an ASGI app run by ``from_asgi``: the app's
coroutine on the process's loop, the host's thread reading ``wsgi.input``
when the app awaits ``receive()`` and yielding each body block it sends.
The app's ``await send()`` returns once the host took the block, so
nothing is buffered whole either way.
"""
import logging
import queue
import threading

from wsgi_ng import keys
from wsgi_ng.adapters.asgi.headers import decode_headers
from wsgi_ng.adapters.asgi.loop import LOOP
from wsgi_ng.adapters.asgi.queues import SimpleQueue, resolve
from wsgi_ng.iterables import WrappedBody
from wsgi_ng.server.exchange import status_line

log = logging.getLogger("wsgi_ng.asgi")

_CHUNK = 65536

#: What a host's ``ng.features`` lets an ASGI app send, as ASGI extensions.
_EXTENSIONS = {keys.FEATURE_PUSH: "http.response.push",
               keys.FEATURE_EARLY_HINTS: "http.response.early_hint",
               keys.FEATURE_TRAILERS: "http.response.trailers"}


class AsgiRequest(object):
    """One HTTP request: the app's coroutine on the loop; the host's thread
    reads the body and writes the response as the coroutine asks."""

    def __init__(self, app, environ, start_response, scope):
        self.environ = environ
        self.start_response = start_response
        self.scope = scope
        features = environ.get(keys.FEATURES, ())
        self.scope["extensions"] = dict(
            (_EXTENSIONS[name], {}) for name in features if name in _EXTENSIONS)
        if keys.FEATURE_TRAILERS in features:  # what TE: trailers says
            self.scope["headers"].append((b"te", b"trailers"))
        self.app = app
        self.loop = LOOP.loop
        self.events = SimpleQueue()  # from the loop to the host's thread
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
                self.environ[keys.PUSH](event[1]["path"], decode_headers(
                    event[1].get("headers", [])))
            else:
                return event

    def _read_aside(self, future):
        """Full duplex: reads wait for the client on a thread of their
        own, so the response goes on meanwhile."""
        if self._reads is None:
            self._reads = SimpleQueue()
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
        self.loop.call_soon_threadsafe(resolve, future, message)

    def _start(self, head):
        if head is None:
            raise RuntimeError("the ASGI app sent a body before "
                               "http.response.start")
        self.trailers = bool(head.get("trailers"))
        self.start_response(status_line(int(head["status"])),
                            decode_headers(head.get("headers", [])))
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
                    self.loop.call_soon_threadsafe(resolve, taken, None)
                elif not self.trailers:
                    break
            elif kind == "http.response.trailers":
                self.environ[keys.SEND_TRAILERS](decode_headers(
                    event[1].get("headers", [])))
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
                self.loop.call_soon_threadsafe(resolve, event[3], None)
            elif event[0] == "read":
                self.loop.call_soon_threadsafe(
                    resolve, event[1], {"type": "http.disconnect"})


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


def _length(environ):
    value = environ.get("CONTENT_LENGTH", "")
    return int(value) if value.strip() else None
