"""The wsgi-ng app of the host tests (the compatibility matrix uses its
handlers too)."""
import hashlib
import json
import os

from wsgi_ng import keys
from wsgi_ng.shims import to_wsgi


def echo(environ, start_response):
    """Echo messages; ``close:CODE`` makes the server close with CODE."""
    ws = environ.get(keys.WEBSOCKET)
    if ws is None:
        start_response("426 Upgrade Required", [("Content-Type", "text/plain")])
        return [b"fallback: no WebSocket on this host\n"]
    ws.accept(subprotocol="echo" if "echo" in ws.subprotocols else None)
    for message in ws:
        if isinstance(message, type(u"")) and message.startswith(u"close:"):
            ws.close(int(message[6:]), u"server says bye")
            break
        ws.send(message)
    return []


def framework_echo(environ, start_response):
    """Echo one message, then end as Django and werkzeug end every view:
    with a response -- the single ``101`` allowed after ``accept()``."""
    ws = environ[keys.WEBSOCKET]
    ws.accept()
    ws.send(ws.receive())
    start_response("101 Switching Protocols", [])
    return [b""]


def refusing(environ, start_response):
    """Close instead of accepting: the host answers 403."""
    environ[keys.WEBSOCKET].close()
    return []


def page(environ, start_response):
    how = environ[keys.PUSH]("/app.css")
    start_response("200 OK", [("Content-Type", "text/html"), ("X-Push", how)])
    yield b"<h1>probe</h1>"
    environ[keys.SEND_TRAILERS]([("X-Trailer", "1")])


def upload(environ, start_response):
    body = environ["wsgi.input"].read()
    data = json.dumps({"length": len(body),
                       "sha256": hashlib.sha256(body).hexdigest()},
                      sort_keys=True).encode()  # 2.7's order is its hash seed's
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(data)))])
    return [data]


def features(environ, start_response):
    data = json.dumps({"features": sorted(environ[keys.FEATURES]),
                       "protocol": environ["SERVER_PROTOCOL"]},
                      sort_keys=True).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(data)))])
    return [data]


def stylesheet(environ, start_response):
    """What ``/page`` preloads (Apache's mod_http2 pushes it)."""
    start_response("200 OK", [("Content-Type", "text/css")])
    return [b"h1 { color: teal; }\n"]


def process(environ, start_response):
    """Which process answered (multi-process hosts)."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(os.getpid()).encode("ascii")]


def cookie(environ, start_response):
    """A ``Set-Cookie`` written the way Django writes every one: with a
    leading space, which the shim strips before the server sees it."""
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Set-Cookie", " probe=1; Path=/")])
    return [b"cookie set\n"]


def not_found(environ, start_response):
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found\n"]


ROUTES = {"/ws": echo, "/page": page, "/upload": upload, "/features": features,
          "/app.css": stylesheet, "/pid": process, "/cookie": cookie,
          "/framework-ws": framework_echo, "/refuse": refusing}


def ng_app(environ, start_response):
    return ROUTES.get(environ["PATH_INFO"], not_found)(environ, start_response)


application = to_wsgi(ng_app)
