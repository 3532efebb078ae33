"""The capabilities wsgi-ng adds, each with the degradation the spec
gives it: push (a PUSH_PROMISE, else a 103, else a ``Link`` header), early
hints (a 103, else ``Link`` headers in the response), trailers (sent, else
dropped) and full duplex (the response streams while the request body
still comes, else the body is read whole first)."""
import hashlib

import h11

from compat_matrix.cells import degraded, unavailable
from compat_matrix.scenarios import scenario
from compat_matrix.scenarios.http import LENGTH_REQUIRED
from wsgi_ng.hosting.client import open_socket, read_until_closed
from wsgi_ng.hosting.h2client import H2Client

STYLESHEET = "</push/app.css>; rel=preload; as=style"
FONT = "</early-hints/font.woff2>; rel=preload; as=font; crossorigin"


def hint_links(reply):
    """The ``Link`` values of the 103s that came."""
    return [value for status, fields in reply.informational if status == 103
            for name, value in fields if name.lower() == "link"]


@scenario("push", "Server push, to a client that takes pushes")
def push(target):
    reply = target.get("/push/page", push=True)
    how = reply.header("x-push")
    target.expect(reply.status == 200, "answered %s" % (reply.error or
                                                        reply.status))
    pushed = [path for path, _ in reply.pushes]
    if target.host.protocol == "h1":
        no_103_for_http10(target)
    if how == "push":
        target.expect(pushed == ["/push/app.css"],
                      "ng.push said push, but the pushes were %s" % pushed)
        return
    if how == "early_hint":
        target.expect(hint_links(reply) == [STYLESHEET],
                      "ng.push said early_hint; the 103s carried %s" %
                      hint_links(reply))
        raise degraded("103 Early Hints")
    target.expect(how == "link", "ng.push said %s" % how)
    target.expect(reply.header("link") == STYLESHEET,
                  "ng.push said link; the Link field was %s" %
                  reply.header("link"))
    raise degraded("Link header, pushed by the server" if pushed
                   else "Link header")


def no_103_for_http10(target):
    """An HTTP/1.0 client never gets a 103 (RFC 9110 section 15.2), and is
    never told it did: gunicorn's hook drops the hint for it silently."""
    sock = open_socket(target.live.port)
    try:
        sock.sendall(b"GET /push/page HTTP/1.0\r\nHost: x\r\n\r\n")
        data = read_until_closed(sock)
    finally:
        sock.close()
    target.record.note("> GET /push/page HTTP/1.0")
    status_line, _, rest = data.partition(b"\r\n")
    target.record.note("< " + status_line.decode("latin-1"))
    target.expect(b" 103 " not in status_line + b" ",
                  "a 103 went to an HTTP/1.0 client")
    head = rest.split(b"\r\n\r\n")[0].lower() + b"\r\n"
    target.expect(b"x-push: link\r\n" in head,
                  "an HTTP/1.0 client was not told the hint became a Link")


@scenario("early-hints", "103 Early Hints")
def early_hints(target):
    reply = target.get("/early-hints/page")
    target.expect(reply.status == 200, "answered %s" % (reply.error or
                                                        reply.status))
    sent = reply.header("x-early-hints")
    target.expect(FONT in reply.header_list("link"),
                  "the final response lost the Link header: %s" %
                  reply.header_list("link"))
    if sent == "sent":
        target.expect(hint_links(reply) == [FONT],
                      "ng.early_hints said it sent a 103; they carried %s" %
                      hint_links(reply))
        return
    target.expect(sent == "not sent" and not reply.informational,
                  "ng.early_hints said %s; the 1xx were %s" % (
                      sent, reply.informational))
    raise degraded("Link header in the final response")


@scenario("trailers", "Response trailers")
def trailers(target):
    headers = [] if target.host.http2 else [("TE", "trailers")]
    reply = target.get("/trailers/page", headers)
    target.expect(reply.status == 200 and reply.body == b"line 0\nline 1\n"
                  b"line 2\n", "answered %s" % (reply.error or reply.status))
    if not reply.trailers:
        raise degraded("trailers dropped")
    target.expect([(name.lower(), value) for name, value in reply.trailers] == [
        ("x-checksum", hashlib.sha256(reply.body).hexdigest())],
        "the trailers were %s" % reply.trailers)


LINES = [b"one\n", b"two\n", b"three\n"]


@scenario("full-duplex", "Full duplex: the response streams while the "
          "request body comes")
def full_duplex(target):
    """First a one-line request asks the app whether this host offers full
    duplex (``X-Full-Duplex``); then the lines go one by one, each answered
    before the next is sent -- or, without it, all at once."""
    probe = target.request("POST", "/full-duplex/echo", body=b"probe\n",
                           unsized=True)
    if probe.status == 411:
        raise unavailable(LENGTH_REQUIRED)
    target.expect(probe.status == 200, "answered %s" % (probe.error or
                                                        probe.status))
    if probe.header("x-full-duplex") != "yes":
        reply = target.request("POST", "/full-duplex/echo", body=b"".join(
            LINES), unsized=True)
        target.expect(reply.body == b"".join(LINES).upper(),
                      "the echo was %r" % reply.body)
        raise degraded("request body read whole before the response")
    target.record.note("> POST /full-duplex/echo, a line at a time")
    answered = (duplex_h2 if target.host.http2 else duplex_h1)(target)
    target.record.note("< each line answered before the next was sent")
    target.expect(answered == [line.upper() for line in LINES],
                  "the lines were answered as %s" % answered)


def duplex_h2(target):
    sock = open_socket(target.live.port, tls=target.host.tls)
    h2 = H2Client(sock, target.live.url, scheme=target.live.scheme)
    try:
        stream = h2.request("POST", "/full-duplex/echo", body=False)
        exchange = h2.exchanges[stream]
        answered = []
        for line in LINES:
            h2.send(stream, line)
            while b"".join(answered) + line.upper() != exchange.body:
                target.expect(not exchange.ended and exchange.reset is None,
                              "the stream ended before the echo")
                h2.receive_once()
            answered.append(line.upper())
        h2.conn.end_stream(stream)
        h2.flush()
        h2.response(stream)
        return answered
    finally:
        h2.close()


def duplex_h1(target):
    sock = open_socket(target.live.port)
    client = h11.Connection(h11.CLIENT)
    try:
        sock.sendall(client.send(h11.Request(
            method="POST", target="/full-duplex/echo", headers=[
                ("Host", target.live.url), ("Transfer-Encoding", "chunked")])))
        answered, body = [], b""
        for line in LINES:
            sock.sendall(client.send(h11.Data(data=line)))
            while body != b"".join(answered) + line.upper():
                event = client.next_event()
                if event is h11.NEED_DATA:
                    data = sock.recv(65536)
                    target.expect(data, "the connection closed before the echo")
                    client.receive_data(data)
                elif isinstance(event, h11.Data):
                    body += bytes(event.data)
            answered.append(line.upper())
        sock.sendall(client.send(h11.EndOfMessage()))
        return answered
    finally:
        sock.close()
