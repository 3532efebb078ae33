"""Legacy WSGI apps with the flaws real projects have, for ``wsgi-ng
check``: each works on the WSGI server it was written for and goes wrong
somewhere else -- the check must show where, and which shim fixes it.

``/echo``    reads the body only as long as ``CONTENT_LENGTH`` says (Django
             reads nothing without one): a body without a length is lost;
``/close``   sets ``Connection: close``, which HTTP/2 forbids and waitress
             refuses (PEP 3333 forbids hop-by-hop fields);
``/cookie``  writes ``Set-Cookie`` with a leading space, as Django does;
``/ws``      takes the socket over (``gunicorn.socket``) for a WebSocket,
             as flask-sock and simple-websocket do.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                os.pardir, "legacyws"))

from raw_socket import application as socket_takeover  # noqa: E402


def text(start_response, body, headers=()):
    data = body.encode("ascii")
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(data)))] + list(headers))
    return [data]


def content_length(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    data = environ["wsgi.input"].read(length) if length else b""
    return text(start_response, "got %d bytes\n" % len(data))


def connection_close(environ, start_response):
    return text(start_response, "closing\n", [("Connection", "close")])


def cookie_space(environ, start_response):
    return text(start_response, "cookie\n", [("Set-Cookie", " flavour=oatmeal")])


ROUTES = {"/echo": content_length, "/close": connection_close,
          "/cookie": cookie_space, "/ws": socket_takeover}


def application(environ, start_response):
    app = ROUTES.get(environ["PATH_INFO"])
    if app is None:
        return text(start_response, "the broken apps: %s\n" % " ".join(
            sorted(ROUTES)))
    return app(environ, start_response)
