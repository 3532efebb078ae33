"""The apps the ASGI tests serve (Python 3 only).

The host tests' probe app gains ``/deny`` (a WebSocket handshake refused
with the app's own status and body) and ``/stream`` (an endless download
that logs when ``close()`` is called).  ``frameworks``: the probe app with
the example Django project and Flask app (``to_asgi(from_wsgi(...))``).
``pushing``: the probe app for clients that accept pushes
(``push=True``).  ``one_session``: the probe app with ``/served`` (the
echo handed to a handler, ``ws.serve()``) allowing one session that holds
a thread (``max_sessions=1``).  ``round_trip``: the probe app through
``to_wsgi(from_asgi(to_asgi(...)))`` for plain WSGI servers.
"""
import itertools
import logging
import sys

from legacy_app import with_probe as _with_probe
from probe_app import ROUTES, ng_app
from wsgi_ng.adapters.asgi import from_asgi, to_asgi
from wsgi_ng.shims import to_wsgi

logging.basicConfig(stream=sys.stderr, level=logging.INFO)
log = logging.getLogger("asgi_apps")


def deny(environ, start_response):
    start_response("403 Forbidden", [("Content-Type", "text/plain"),
                                     ("Content-Length", "8")])
    return [b"go away\n"]


class Endless(object):
    """Blocks of 16 KiB until the host closes the response."""

    def __init__(self):
        self.blocks = itertools.repeat(b"x" * 16384)

    def __iter__(self):
        return self.blocks

    def close(self):
        log.info("stream closed by the host")


def stream(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    return Endless()


class Echo(object):
    """The echo as a ``serve()`` handler; its close is logged."""

    def on_message(self, ws, message):
        ws.send(message)

    def on_close(self, ws, code, reason):
        log.info("served session closed with %s", code)


def served(environ, start_response):
    ws = environ["ng.websocket"]
    ws.accept()
    ws.serve(Echo())
    return []


ROUTES.update({"/deny": deny, "/stream": stream, "/served": served})

frameworks = to_asgi(_with_probe)
pushing = to_asgi(ng_app, push=True)  # for clients that accept pushes
one_session = to_asgi(ng_app, max_sessions=1)
# served sessions' handlers on the pool instead of the loop
threaded_handlers = to_asgi(ng_app, inline_handlers=False)
round_trip = to_wsgi(from_asgi(to_asgi(ng_app, push=True)))
