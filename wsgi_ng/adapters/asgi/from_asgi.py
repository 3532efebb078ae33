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
import atexit
import contextlib
import os
import threading

from wsgi_ng import keys
from wsgi_ng.adapters.asgi.from_asgi_http import AsgiRequest
from wsgi_ng.adapters.asgi.from_asgi_websocket import AsgiSession
from wsgi_ng.adapters.asgi.lifespan import AsgiLifespan
from wsgi_ng.adapters.asgi.loop import LOOP
from wsgi_ng.adapters.asgi.scopes import asgi_scope


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
            return AsgiSession(self.app, environ, start_response, asgi_scope(
                environ, "websocket", state)).run()
        return AsgiRequest(self.app, environ, start_response, asgi_scope(
            environ, "http", state)).run()
