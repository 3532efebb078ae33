"""wsgi-ng apps the server tests run: the host tests' probe routes (the
WebSocket echo, the pushing page, its stylesheet, the upload digest) plus
routes only a full server can serve."""
import json
import os
import sys
import threading

from wsgi_ng import keys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                os.pardir, "hosts"))
from probe_app import echo as echo_ws, page, stylesheet, upload  # noqa: E402


def duplex(environ, start_response):
    """Echo each line of the request body as it arrives."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    stream = environ["wsgi.input"]
    line = stream.readline()
    while line:
        yield line.upper()
        line = stream.readline()


def info(environ, start_response):
    data = json.dumps({"features": sorted(environ[keys.FEATURES]),
                       "protocol": environ["SERVER_PROTOCOL"],
                       "method": environ["REQUEST_METHOD"],
                       "path": environ["PATH_INFO"],
                       "query": environ["QUERY_STRING"],
                       "cookie": environ.get("HTTP_COOKIE"),
                       "host": environ.get("HTTP_HOST"),
                       "fields": sorted(k for k in environ
                                        if k.startswith("HTTP_"))}).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [data]


def crash(environ, start_response):
    raise RuntimeError("the app is broken")


def lines(environ, start_response):
    """PEP 3333's input API: readline, readlines with a hint, iteration;
    the answer goes through the legacy write() callable."""
    stream = environ["wsgi.input"]
    first = stream.readline()
    second = stream.readline(3)
    rest = stream.readlines(1) + list(stream)
    write = start_response("200 OK", [("Content-Type", "text/plain")])
    write(b"|".join([first, second] + rest))
    return []


def recovering(environ, start_response):
    """An error before the body: start_response again with exc_info."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    try:
        raise ValueError("changed my mind")
    except ValueError:
        import sys
        start_response("503 Service Unavailable",
                       [("Content-Type", "text/plain")], sys.exc_info())
    return [b"try later\n"]


def big(environ, start_response):
    """64 MiB, more than any socket buffer holds."""
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    block = b"x" * 65536
    return (block for _ in range(1024))


#: ``/held`` sets ENTERED when called and answers once a test sets RELEASE.
ENTERED, RELEASE = threading.Event(), threading.Event()


def held(environ, start_response):
    """A request in flight until the test releases it."""
    ENTERED.set()
    RELEASE.wait(10)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"finished\n"]


def late_failure(environ, start_response):
    """Fails after the headers went out: only breaking off is left."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    yield b"partial"
    raise RuntimeError("too late for a 500")


def framework_echo(environ, start_response):
    """A WebSocket view ending the way Django and werkzeug end every view:
    with a response, here the one ``101`` the spec allows after accept."""
    ws = environ[keys.WEBSOCKET]
    ws.accept()
    for message in ws:
        ws.send(message)
    start_response("101 Switching Protocols", [("Upgrade", "websocket")])
    return [b""]


def _echo(ws, message):
    ws.send(message)


def served_echo(environ, start_response):
    """The echo handed to a handler (``ws.serve()``): no thread waits."""
    ws = environ[keys.WEBSOCKET]
    ws.accept()
    ws.serve(_echo)
    return []


def refusing(environ, start_response):
    """Closes the handshake instead of accepting: a 403 on every host."""
    environ[keys.WEBSOCKET].close()
    return []


def sized_with_trailers(environ, start_response):
    """A body with a Content-Length asking for trailers: before its headers
    (``?early``: they are honoured, the body chunked) or after (refused)."""
    send_trailers = environ[keys.SEND_TRAILERS]
    early = send_trailers([("X-Early", "1")]) if environ["QUERY_STRING"] \
        else None
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", "5")])
    yield b"sized"
    RESULTS.append((early, send_trailers([("X-Late", "1")])))


def listed_with_trailers(environ, start_response):
    """A list body asking for trailers: its last block cannot end the
    stream (over HTTP/2), the trailers do."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    environ[keys.SEND_TRAILERS]([("X-Trailer", "2")])
    return [b"one ", b"two"]


def sized(environ, start_response):
    """A body of known length that is not a list: Django's and Flask's
    bodies are iterables of their own."""
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", "11")])
    return iter([b"hello", b" world"])


#: What ``/sized-trailers`` was told, in order.
RESULTS = []


ROUTES = {"/ws": echo_ws, "/page": page, "/app.css": stylesheet,
          "/upload": upload, "/duplex": duplex, "/info": info, "/crash": crash,
          "/lines": lines, "/recovering": recovering,
          "/late-failure": late_failure, "/big": big,
          "/held": held, "/framework-ws": framework_echo,
          "/refuse": refusing, "/sized-trailers": sized_with_trailers,
          "/listed-trailers": listed_with_trailers,
          "/served": served_echo, "/sized": sized}


def application(environ, start_response):
    return ROUTES.get(environ["PATH_INFO"], info)(environ, start_response)
