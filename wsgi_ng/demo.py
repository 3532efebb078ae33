"""The showcase app: one wsgi-ng app that uses every capability.

``/`` is a page that pushes ``/app.css`` and ends with a ``Server-Timing``
trailer, ``/app.css`` the stylesheet, ``/features`` what this request could
use (JSON), ``/ws`` a WebSocket echo that answers 426 where the host cannot
do WebSocket.  It runs unchanged on every host; the tests run it on the
full and the degraded profiles of the test client.
"""
import json
import time

from wsgi_ng import keys

STYLESHEET = b"body { font-family: sans-serif; margin: 2em; }\n"
PAGE = (b"<!doctype html><html><head><title>wsgi-ng</title>"
        b"<link rel=stylesheet href=/app.css></head>"
        b"<body><h1>Hello from wsgi-ng</h1></body></html>\n")


def page(environ, start_response):
    started = time.time()
    delivery = environ[keys.PUSH]("/app.css")
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                              ("X-Push", delivery)])
    yield PAGE
    environ[keys.SEND_TRAILERS](
        [("Server-Timing", "app;dur=%.3f" % ((time.time() - started) * 1000))])


def stylesheet(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/css"),
                              ("Content-Length", str(len(STYLESHEET)))])
    return [STYLESHEET]


def features(environ, start_response):
    body = json.dumps({
        "protocol": environ.get("SERVER_PROTOCOL"),
        "features": sorted(environ.get(keys.FEATURES, ())),
        "websocket_handshake": keys.WEBSOCKET in environ,
    }).encode("utf-8")
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]


def echo(environ, start_response):
    ws = environ.get(keys.WEBSOCKET)
    if ws is None:
        body = b"This endpoint needs a WebSocket; this host cannot offer one.\n"
        start_response("426 Upgrade Required", [
            ("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]
    ws.accept(subprotocol="echo" if "echo" in ws.subprotocols else None)
    for message in ws:
        ws.send(message)
    return []


def not_found(environ, start_response):
    start_response("404 Not Found", [("Content-Type", "text/plain"),
                                     ("Content-Length", "10")])
    return [b"not found\n"]


ROUTES = {"/": page, "/app.css": stylesheet, "/features": features,
          "/ws": echo}


def app(environ, start_response):
    """Dispatch on ``PATH_INFO``; a WSGI app like any other."""
    return ROUTES.get(environ["PATH_INFO"], not_found)(environ, start_response)
