"""Plain HTTP: a request and its response, cookies and a session, an
upload without a length, a large streamed download, and a client that
leaves in the middle of a response (is the app's ``close()`` called?)."""
import hashlib
import json
import socket

import h11

from compat_matrix.apps.payload import pattern
from compat_matrix.browser import Browser
from compat_matrix.cells import unavailable
from compat_matrix.scenarios import scenario
from wsgi_ng.hosting.client import open_socket
from wsgi_ng.hosting.h2client import H2Client

TWO_MIB = 2 << 20  # past from_wsgi's 1 MiB in memory: spooled to a file
LENGTH_REQUIRED = "411: the server cannot read a body without a length"


@scenario("plain", "A plain request and response")
def plain(target):
    """A GET; and what ``ng.features`` holds for one (``facts``: the docs'
    tables show it)."""
    reply = target.get("/plain/hello")
    target.expect(reply.status == 200 and reply.body == b"hello, world\n",
                  "GET answered %s" % (reply.error or reply.status))
    report = target.get("/plain/features")
    target.expect(report.status == 200, "the features report got %s" % (
        report.error or report.status))
    target.facts.update(json.loads(report.body.decode("utf-8")))


@scenario("cookies-and-sessions", "Cookies and a session",
          prefixes=["/cookies/"])
def cookies_and_sessions(target):
    browser = Browser(target)
    reply = browser.fetch(target.live.base + "/cookies/set", whole=True)
    target.expect(sorted(reply.header_list("set-cookie")) == [
        "flavour=oatmeal; Path=/", "size=large; Path=/"],
        "the two Set-Cookie fields came as %s" % reply.header_list("set-cookie"))
    target.expect(b": \x20flavour" not in reply.head.lower(),
                  "Set-Cookie went out with its leading space")
    echoed = browser.fetch(target.live.base + "/cookies/echo", whole=True).body
    target.expect(echoed == b"flavour=oatmeal; size=large",
                  "the app saw the cookies as %r" % echoed.decode("latin-1"))
    visits = [browser.fetch(target.live.base + "/cookies/session/visit").body
              for _ in range(2)]
    target.expect(visits == [b"visit 1\n", b"visit 2\n"],
                  "the Flask session counted %s" % b" ".join(visits).decode(
                      "latin-1").split())


def upload_result(target, path, body):
    """POST *body* without a length; ``None`` when the digest came back
    right, else raise how it went."""
    reply = target.request("POST", path, [("Content-Type",
                                           "application/octet-stream")],
                           body, unsized=True)
    if reply.status == 411:
        raise unavailable(LENGTH_REQUIRED)
    expected = {"length": len(body),
                "sha256": hashlib.sha256(body).hexdigest()}
    target.expect(reply.status == 200, "the upload got %s" % (
        reply.error or reply.status))
    target.expect(json.loads(reply.body.decode("utf-8")) == expected,
                  "the app read %s" % reply.body.decode("latin-1")[:80])


@scenario("upload-unsized", "An upload without a length")
def upload_unsized(target):
    upload_result(target, "/upload-unsized/upload", pattern(TWO_MIB))


@scenario("download", "A large streamed download")
def download(target):
    size = 8 << 20
    reply = target.get("/download/body?size=%d" % size)
    target.expect(reply.status == 200, "answered %s" % (reply.error or
                                                        reply.status))
    target.expect(reply.body == pattern(size), "%d of %d bytes came, %s" % (
        len(reply.body), size, "intact" if pattern(size).startswith(
            reply.body) else "changed"))


@scenario("disconnect", "A client leaving mid-response: close() called")
def disconnect(target):
    token = "gone" + "".join(c for c in target.host.name if c.isalnum())
    path = "/disconnect/endless?token=" + token
    target.record.note("> GET %s, read 64 KiB, then leave" % path)
    if target.host.http2:
        leave_h2(target, path)
    else:
        leave_h1(target, path)
    reply = target.get("/disconnect/closed?token=" + token)
    target.expect(reply.body == b"closed", "close() was not called within "
                  "10 s of the client leaving (%s)" % (
                      reply.error or reply.body.decode("latin-1")))


def leave_h1(target, path):
    """Read the start of the endless response, then close the socket."""
    sock = open_socket(target.live.port)
    client = h11.Connection(h11.CLIENT)
    sock.sendall(client.send(h11.Request(method="GET", target=path, headers=[
        ("Host", target.live.url)])))
    received = 0
    try:
        while received < 65536:
            data = sock.recv(65536)
            target.expect(data, "the connection closed before the body came")
            received += len(data)
    finally:
        sock.close()


def leave_h2(target, path):
    """Read the start of the endless stream, then reset it (CANCEL) and
    close the connection."""
    sock = open_socket(target.live.port, tls=target.host.tls)
    h2 = H2Client(sock, target.live.url, scheme=target.live.scheme)
    stream = h2.request("GET", path)
    exchange = h2.exchanges[stream]
    try:
        while len(exchange.body) < 65536:
            target.expect(not exchange.ended and exchange.reset is None,
                          "the stream ended before the body came")
            h2.receive_once()
        h2.conn.reset_stream(stream)
        h2.flush()
    finally:
        try:
            h2.close()
        except socket.error:
            pass
