"""The showcase app: one wsgi-ng app that uses every capability.

``/`` is a page that shows the request's protocol and features, pushes
``/app.css``, opens a WebSocket echo from the browser and ends with a
``Server-Timing`` trailer; ``/app.css`` is the stylesheet, ``/features``
what this request could use (JSON), ``/ws`` a WebSocket echo that answers
426 where the host cannot do WebSocket.  It runs unchanged on every host;
the tests run it on the reference server and on the full and the degraded
profiles of the test client.
"""
import json
import time

from wsgi_ng import keys

STYLESHEET = b"body { font-family: sans-serif; margin: 2em; }\n"
PAGE = u"""<!doctype html>
<html><head><meta charset="utf-8"><title>wsgi-ng</title>
<link rel="stylesheet" href="/app.css"></head>
<body><h1>Hello from wsgi-ng</h1>
<p>This page came over <b id="protocol">%(protocol)s</b>; this request could
use: <b id="features">%(features)s</b>. <code>/app.css</code> was delivered
as <b id="delivery">%(delivery)s</b>.</p>
<form id="form"><input id="message" value="hello">
<button>send over the WebSocket</button></form>
<pre id="log"></pre>
<script>
var log = document.getElementById("log");
var scheme = location.protocol === "https:" ? "wss://" : "ws://";
var ws = new WebSocket(scheme + location.host + "/ws", ["echo"]);
ws.onopen = function () { log.textContent += "open\\n"; ws.send("ready"); };
ws.onmessage = function (event) {
  log.textContent += "echo: " + event.data + "\\n";
  fetch("/features?echo=" + encodeURIComponent(event.data));  // tells the server
};
ws.onclose = function (event) { log.textContent += "closed " + event.code + "\\n"; };
document.getElementById("form").onsubmit = function (event) {
  event.preventDefault();
  ws.send(document.getElementById("message").value);
};
</script>
</body></html>
"""


def page(environ, start_response):
    started = time.time()
    delivery = environ[keys.PUSH]("/app.css")
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                              ("X-Push", delivery)])
    yield (PAGE % {
        "protocol": environ.get("SERVER_PROTOCOL", "?"),
        "features": ", ".join(sorted(environ.get(keys.FEATURES, ()))) or "none",
        "delivery": delivery}).encode("utf-8")
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


app.wsgi_ng = True  # uses the ng. keys: the server runs it as it is
