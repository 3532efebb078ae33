"""``to_asgi``: a wsgi-ng (or plain WSGI) app as an ASGI 3 app.

    application = to_asgi(app)  # for uvicorn, hypercorn, daphne, granian

Every request runs the app on a bounded thread pool (the reference
server's), through the same ``Exchange`` the reference server uses, so
PEP 3333 -- deferred headers, ``exc_info``, ``write()``, ``close()``
exactly once -- is kept by one implementation.  The ``ng.`` keys come from
``RequestContext`` built from what ``scope["extensions"]`` really offers:

========================== =============================================
ASGI extension             wsgi-ng capability
========================== =============================================
``http.response.push``     ``push``, with ``push=True`` only (below)
``http.response.early_hint`` ``early_hints`` (``Link`` hints)
``http.response.trailers`` ``trailers`` (when the client sent ``TE``)
``websocket.http.response`` a denial is sent with the app's status and
                           body; without it, as a close before accept,
                           which the server answers with 403
========================== =============================================

The request body streams into ``wsgi.input`` and the response out of the
app's iterable, both through bounded queues, so a slow client slows the
app's thread and memory stays bounded.  ``http.disconnect`` sets
``ng.disconnected`` and, for a streaming response, ends it: ``close()`` is
called.  A WebSocket is the same ``WebSocket`` session as on every host,
over an ``AsgiChannel``; its thread leaves the pool's count, so sessions
never starve plain requests -- and a session the app handed to a handler
(``ws.serve()``) holds no thread at all: its handler runs on the loop, or
on the pool when it blocks (``served.py``).  ASGI lifespan runs the app's
``ng_lifespan``.

Push is the one extension that cannot be taken at its word: hypercorn
offers ``http.response.push`` to every HTTP/2 client, also to those that
turned push off (every browser and curl do), and drops the push then;
ASGI has no answer to tell.  So ``ng.push`` uses it only when the
deployment says its clients take pushes (``push=True``); otherwise a hint
leaves as a 103 and a ``Link`` header, as the spec's degradation says.
"""
import asyncio
import os
import threading

from wsgi_ng.adapters.asgi.to_asgi_call import AsgiCall
from wsgi_ng.lifecycle import Lifespan, LifespanError
from wsgi_ng.server.pool import ThreadPool
from wsgi_ng.shims.spool import DEFAULT_MAX_BODY_SIZE
from wsgi_ng.wschannel import DEFAULT_MAX_MESSAGE_SIZE


def to_asgi(app, threads=32, max_sessions=1000,
            max_message_size=DEFAULT_MAX_MESSAGE_SIZE,
            max_body_size=DEFAULT_MAX_BODY_SIZE, push=False,
            inline_handlers=True):
    """The ASGI 3 app that runs the wsgi-ng *app*.  *threads* bounds the
    threads running requests; *max_sessions* the WebSocket sessions holding
    a thread of their own (past it handshakes are refused; a session its
    app handed to a handler holds none and stops counting once the app
    returned).  *push*: the clients accept HTTP/2 pushes, so the server's
    push extension is real (see the module's doc).
    *inline_handlers*: run the handlers of served sessions on the loop
    (moving a session to threads when one blocks); False: on threads
    always."""
    return AsgiApp(app, threads, max_sessions, max_message_size, max_body_size,
                   push, inline_handlers)


class AsgiApp(object):
    """The ASGI callable (see ``to_asgi`` for the arguments); one
    ``AsgiCall`` per request or session."""

    def __init__(self, app, threads, max_sessions, max_message_size,
                 max_body_size, push, inline_handlers=True):
        self.app = app
        self.push = push
        self.inline_handlers = inline_handlers
        self.threads = threads
        self.max_sessions = max_sessions
        self.max_message_size = max_message_size
        self.max_body_size = max_body_size
        self.sessions = 0
        self._lock = threading.Lock()
        self._pool = self._pid = None

    @property
    def pool(self):
        """This process's thread pool (pre-fork servers fork after
        import: a pool made before that has no threads here)."""
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    self._pool = ThreadPool(self.threads, "wsgi-ng-asgi")
                    self._pid = os.getpid()
        return self._pool

    async def __call__(self, scope, receive, send):
        kind = scope["type"]
        if kind == "http":
            await AsgiCall(self, scope, receive, send).http()
        elif kind == "websocket":
            await AsgiCall(self, scope, receive, send).websocket()
        elif kind == "lifespan":
            await self.lifespan(receive, send)

    async def lifespan(self, receive, send):
        """ASGI lifespan: the app's ``ng_lifespan`` entered at startup and
        left at shutdown, on a thread (it is synchronous code)."""
        loop = asyncio.get_event_loop()
        lifespan = Lifespan(self.app)
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await loop.run_in_executor(None, lifespan.start)
                except LifespanError as error:
                    await send({"type": "lifespan.startup.failed",
                                "message": str(error)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await loop.run_in_executor(None, lifespan.stop)
                await send({"type": "lifespan.shutdown.complete"})
                return

    def take_session(self):
        with self._lock:
            if self.sessions >= self.max_sessions:
                return False
            self.sessions += 1
            return True

    def release_session(self):
        with self._lock:
            self.sessions -= 1
