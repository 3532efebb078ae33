"""wsgi-ng apps the server tests run."""
import hashlib
import json

from wsgi_ng import keys


def echo_ws(environ, start_response):
    ws = environ.get(keys.WEBSOCKET)
    if ws is None:
        start_response("426 Upgrade Required", [("Content-Type", "text/plain")])
        return [b"no WebSocket here\n"]
    ws.accept(subprotocol="echo" if "echo" in ws.subprotocols else None)
    for message in ws:
        if isinstance(message, type(u"")) and message.startswith(u"close:"):
            ws.close(int(message[6:]), u"bye")
            break
        ws.send(message)
    return []


def page(environ, start_response):
    how = environ[keys.PUSH]("/app.css")
    start_response("200 OK", [("Content-Type", "text/html"), ("X-Push", how)])
    yield b"<h1>page</h1>"
    environ[keys.SEND_TRAILERS]([("X-Checksum", "42")])


def stylesheet(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/css")])
    return [b"h1 { color: teal; }\n"]


def upload(environ, start_response):
    body = environ["wsgi.input"].read()
    data = json.dumps({"length": len(body),
                       "sha256": hashlib.sha256(body).hexdigest()}).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(data)))])
    return [data]


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
                       "cookie": environ.get("HTTP_COOKIE")}).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [data]


def crash(environ, start_response):
    raise RuntimeError("the app is broken")


ROUTES = {"/ws": echo_ws, "/page": page, "/app.css": stylesheet,
          "/upload": upload, "/duplex": duplex, "/info": info, "/crash": crash}


def application(environ, start_response):
    return ROUTES.get(environ["PATH_INFO"], info)(environ, start_response)
