"""The apps every server in the benchmark serves (Python 3 only).

Each server gets the smallest app that exercises its own request path, so
the numbers compare servers, not frameworks:

* ``hello``: plain WSGI, 13 bytes with a Content-Length (wsgi-ng, gunicorn,
  hypercorn and granian in WSGI mode).  It does not say it is written for
  wsgi-ng, so ``wsgi-ng serve`` contains it with ``from_wsgi`` as it does
  any WSGI app (``--ng`` runs it as is).
* ``ws_echo``: the same hello for plain requests, a WebSocket echo when the
  host offers ``ng.websocket`` (wsgi-ng), on the blocking session API.
* ``ws_serve``: the same echo on the event-driven API (``ws.serve``): the
  session holds no thread while it waits.
* ``faults``: ``ws_echo``, plus ``/hang``, which blocks until the harness
  releases it (the faults workload's hung app calls).
* ``asgi_app``: the ASGI equivalent of hello and echo (hypercorn, uvicorn,
  granian).
* ``serve_websockets``: an echo on the ``websockets`` library's threaded
  server, run as ``python apps.py websockets HOST PORT``.
"""
import os
import socket
import sys

BODY = b"Hello, world!"
HEADERS = [("Content-Type", "text/plain"),
           ("Content-Length", str(len(BODY)))]


def hello(environ, start_response):
    """WSGI hello world; a Content-Length so HTTP/1.1 keeps the connection
    alive without chunking."""
    start_response("200 OK", HEADERS)
    return [BODY]


def ws_echo(environ, start_response):
    """wsgi-ng WebSocket echo: every message goes straight back.  Plain
    requests get the hello, so the harness's HTTP readiness probe works."""
    ws = environ.get("ng.websocket")
    if ws is None:
        return hello(environ, start_response)
    ws.accept()
    for message in ws:
        ws.send(message)
    return []


def _echo(ws, message):
    ws.send(message)


def ws_serve(environ, start_response):
    """The echo with the event-driven session API: the app hands the
    session a handler and returns; the host calls it per message."""
    ws = environ.get("ng.websocket")
    if ws is None:
        return hello(environ, start_response)
    ws.accept()
    ws.serve(_echo)
    return []


def faults(environ, start_response):
    """``/hang`` blocks until released, anything else is ``ws_echo``."""
    if environ.get("PATH_INFO") == "/hang":
        return hang(environ, start_response)
    return ws_echo(environ, start_response)


def hang(environ, start_response):
    """An app call that blocks for ever -- a database that never answers
    -- until the harness releases it: it connects to the harness's Unix
    socket (``BENCH_HANG_SOCKET``) and waits for that connection to end,
    which also happens when the harness exits, so no call outlives it."""
    with socket.socket(socket.AF_UNIX) as gate:
        gate.connect(os.environ["BENCH_HANG_SOCKET"])
        gate.recv(1)
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", "8")])
    return [b"released"]


ASGI_HEADERS = [(name.lower().encode(), value.encode())
                for name, value in HEADERS]


async def asgi_app(scope, receive, send):
    """ASGI hello world plus WebSocket echo (and a no-op lifespan), the
    ASGI servers' counterpart of ``hello`` and ``ws_echo``."""
    if scope["type"] == "http":
        await _asgi_hello(receive, send)
    elif scope["type"] == "websocket":
        await _asgi_echo(receive, send)
    elif scope["type"] == "lifespan":
        await _asgi_lifespan(receive, send)


async def _asgi_hello(receive, send):
    # The request has no body, but ASGI wants it drained before replying.
    message = await receive()
    while message.get("more_body"):
        message = await receive()
    await send({"type": "http.response.start", "status": 200,
                "headers": ASGI_HEADERS})
    await send({"type": "http.response.body", "body": BODY})


async def _asgi_echo(receive, send):
    while True:
        message = await receive()
        kind = message["type"]
        if kind == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif kind == "websocket.receive":
            await send({"type": "websocket.send",
                        "bytes": message.get("bytes"),
                        "text": message.get("text")})
        elif kind == "websocket.disconnect":
            return


async def _asgi_lifespan(receive, send):
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def serve_websockets(host, port):
    """An echo on ``websockets.sync.server``: a thread per connection, the
    closest peer to wsgi-ng's synchronous WebSocket API.  Runs until
    SIGTERM (the default action ends the process)."""
    from websockets.sync.server import serve

    def echo(connection):
        for message in connection:
            connection.send(message)

    with serve(echo, host, port) as server:
        server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "websockets":
        sys.exit("usage: python apps.py websockets HOST PORT")
    serve_websockets(sys.argv[2], int(sys.argv[3]))
