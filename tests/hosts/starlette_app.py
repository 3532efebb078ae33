"""A Starlette app with a WebSocket route and a lifespan handler, for the
from_asgi tests (Python 3 only).  The lifespan logs and records the pid it
ran in, so a test can tell that each pre-forked worker ran its own."""
import contextlib
import hashlib
import logging
import os
import sys

from starlette.applications import Starlette
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route, WebSocketRoute

from wsgi_ng.adapters.asgi import from_asgi
from wsgi_ng.shims import to_wsgi

logging.basicConfig(stream=sys.stderr, level=logging.INFO)
log = logging.getLogger("starlette_app")


@contextlib.asynccontextmanager
async def lifespan(app):
    log.info("lifespan startup in %d", os.getpid())
    yield {"started_in": os.getpid()}
    log.info("lifespan shutdown in %d", os.getpid())


async def pid(request):
    return JSONResponse({"pid": os.getpid(), "lifespan": request.state.started_in,
                         "protocol": request.scope["http_version"]})


async def upload(request):
    digest, length = hashlib.sha256(), 0
    async for chunk in request.stream():
        digest.update(chunk)
        length += len(chunk)
    return JSONResponse({"length": length, "sha256": digest.hexdigest()})


async def numbers(request):
    async def lines():
        for n in range(1000):
            yield b"%d\n" % n
    return StreamingResponse(lines(), media_type="text/plain")


async def echo(websocket):
    offered = websocket.scope["subprotocols"]
    await websocket.accept(subprotocol="echo" if "echo" in offered else None)
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text is not None and text.startswith("close:"):
            await websocket.close(int(text[6:]), "starlette says bye")
            return
        if text is not None:
            await websocket.send_text(text)
        else:
            await websocket.send_bytes(message["bytes"])


async def refuse(websocket):
    await websocket.close(1008)  # before accept: a 403


routes = [Route("/pid", pid), Route("/upload", upload, methods=["POST"]),
          Route("/numbers", numbers), WebSocketRoute("/ws", echo),
          WebSocketRoute("/refuse", refuse)]
application = from_asgi(Starlette(routes=routes, lifespan=lifespan))
wsgi_application = to_wsgi(application)  # for plain WSGI servers


@contextlib.asynccontextmanager
async def broken_lifespan(app):
    raise RuntimeError("no database")
    yield  # pragma: no cover


broken = from_asgi(Starlette(routes=routes, lifespan=broken_lifespan))
