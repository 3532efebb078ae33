"""One request played on one host, and what of its reply is compared.

An ``Observation`` keeps what a user would notice -- status, content
type, redirect, the body (with dates, ports and random tokens masked),
whether a WebSocket was accepted -- apart from what the spec lets hosts
differ in (a 103 or a ``Link`` header, trailers), and the *problems*: what
the protocol forbids on the wire (a field value with whitespace around
it), or a reply that never came.
"""
import hashlib

from wsgi_ng.hosting.h2client import H2WebSocket
from wsgi_ng.hosting.hosted import WRAP_HEADER
from wsgi_ng.hosting.normalise import mask

HANDSHAKE = (("Upgrade", "websocket"), ("Connection", "Upgrade"),
             ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
             ("Sec-WebSocket-Version", "13"))
TEXT_TYPES = ("text/", "json", "xml", "javascript")
SHOWN = 60  # characters of a body a difference quotes


class Observation(object):
    """What came back for one request, as compared."""

    def __init__(self, reply=None, websocket=None, unavailable=None):
        self.reply = reply
        #: why this host cannot offer what the request asks (a WebSocket)
        self.unavailable = unavailable
        self.status = reply.status if reply is not None else None
        self.error = reply.error if reply is not None else None
        self.websocket = websocket  # "accepted", or None
        headers = reply.header if reply is not None else (lambda n: None)
        self.content_type = (headers("content-type") or "").split(";")[0] \
            .strip().lower()
        self.location = headers("location")
        self.body = reply.body if reply is not None else b""
        self.hints = [value for status, fields in (
            reply.informational if reply is not None else ()) if status == 103
            for name, value in fields if name.lower() == "link"]
        self.trailers = bool(reply is not None and reply.trailers)
        self.problems = problems(reply) if reply is not None else []

    @property
    def text(self):
        """The body as it is compared: masked when it is text."""
        if any(kind in self.content_type for kind in TEXT_TYPES):
            return mask(self.body.decode("utf-8", "replace"))
        return hashlib.sha256(self.body).hexdigest()

    def shown(self):
        """The body, short and quoted (escaped: the same on 2.7 and 3.x),
        for a line of the report."""
        text = self.body.decode("utf-8", "replace").strip()
        text = text[:SHOWN] + ("..." if len(text) > SHOWN else "")
        return "'%s'" % text.encode("unicode_escape").decode("ascii")

    def outcome(self):
        """The status, or what came instead, in words."""
        if self.websocket:
            return "WebSocket %s" % self.websocket
        return str(self.status) if self.status is not None else "no reply"


def problems(reply):
    """What *reply* carried that its protocol forbids, in words."""
    found = []
    if reply.error:
        found.append(reply.error)
    for line in reply.head.decode("latin-1").split("\r\n")[1:]:
        name, colon, value = line.partition(":")
        if colon and value[1:] != value[1:].strip():
            found.append("%s went out with whitespace around its value "
                         "('%s'): HTTP/2 forbids it, strict clients refuse "
                         "it" % (name, value[1:]))
    return found


def play(client, host, request, variant=None):
    """*request* (``requests.Request``) on *host* through *client* (the
    host's protocol), asking the ``switch`` wrap for *variant* if given;
    an ``Observation``."""
    headers = list(request.headers) + (
        [(WRAP_HEADER, variant)] if variant else [])
    if request.websocket:
        return _websocket(client, host, request, headers)
    reply = client.request(request.method, request.path, headers,
                           request.body, request.unsized)
    return Observation(reply)


def _websocket(client, host, request, headers):
    """A handshake: accepted (101 over HTTP/1.1, 200 over HTTP/2), or the
    reply the app gave instead."""
    if not host.http2:
        reply = client.request("GET", request.path, headers + list(HANDSHAKE))
        return Observation(reply, "accepted" if reply.status == 101 else None)
    h2 = client.connection()
    if not h2.remote_settings.enable_connect_protocol:
        h2.get("/")  # the server's SETTINGS may not have come yet
    if not h2.remote_settings.enable_connect_protocol:
        return Observation(client.request("GET", request.path, headers),
                           unavailable="no WebSocket over HTTP/2 here: the "
                           "server offers no extended CONNECT (RFC 8441)")
    ws = H2WebSocket(h2, request.path, [
        (name.lower(), value) for name, value in headers])
    if ws.status == 200:
        h2.conn.reset_stream(ws.stream)  # what a session says is the app's
        h2.flush()
        return Observation(client.reply_of(ws.exchange), "accepted")
    return Observation(client.reply_of(h2.response(ws.stream)))
