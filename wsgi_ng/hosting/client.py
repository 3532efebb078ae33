"""Requests to a live host as a client makes them, over its protocol.

``HTTP1`` speaks HTTP/1.1 with h11 (a connection per request, the bytes
of every response head kept as they came), ``HTTP2`` speaks HTTP/2 with h2
on one connection (prior knowledge on cleartext, ALPN over TLS; pushes
refused as browsers refuse them, unless asked).  Both answer with a
``Reply``: status, headers, 103s, body, trailers, pushes -- and, when the
host broke the exchange (a reset, a connection closed early, bytes no
HTTP parser accepts), ``error`` says how instead of an exception, because
that is a finding, not a failure of the client.
"""
import socket
import ssl

import h11
import h2.errors
import h2.exceptions

from wsgi_ng._compat import to_native
from wsgi_ng.hosting.h2client import H2Client

WAIT = 30.0  # bound on each wait for a host (a cold app import included)
CHUNK = 65536

#: Fields a client sends itself; a request's own headers may not repeat them.
OWN_FIELDS = ("host", "content-length", "transfer-encoding", "connection")


class Reply(object):
    """What came back for one request."""

    def __init__(self, version):
        self.version = version  # "1.1" or "2"
        self.status = None
        self.headers = []  # (name, value), native strings
        self.informational = []  # (status, headers) of each 1xx
        self.body = b""
        self.trailers = []
        self.pushes = []  # (path, request headers) promised
        self.head = b""  # HTTP/1.1: the heads' bytes as they came
        self.error = None

    def header(self, name, default=None):
        """The first value of the field *name* (any case)."""
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return default

    def header_list(self, name):
        return [value for key, value in self.headers
                if key.lower() == name.lower()]

    def __repr__(self):
        return "<Reply %s %s%s>" % (self.version, self.status, (
            " error: %s" % self.error) if self.error else "")


def read_until_closed(sock):
    """Everything *sock* receives until the peer closes it."""
    data = b""
    while True:
        chunk = sock.recv(CHUNK)
        if not chunk:
            return data
        data += chunk


def open_socket(port, tls=False, alpn=("h2",), timeout=WAIT):
    """A connection to 127.0.0.1:*port*; over TLS (the hosts' test
    certificate is self-signed: not verified) offering *alpn*."""
    sock = socket.create_connection(("127.0.0.1", port), timeout)
    if not tls:
        return sock
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT if hasattr(
        ssl, "PROTOCOL_TLS_CLIENT") else ssl.PROTOCOL_SSLv23)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(list(alpn))
    return context.wrap_socket(sock)


def _chunks(body):
    for start in range(0, len(body), CHUNK):
        yield body[start:start + CHUNK]


class HTTP1(object):
    """HTTP/1.1 to 127.0.0.1:*port*, a connection per request."""

    version = "1.1"

    def __init__(self, port, tls=False, timeout=WAIT):
        self.port, self.tls, self.timeout = port, tls, timeout
        self.authority = "127.0.0.1:%d" % port

    def request(self, method, target, headers=(), body=None, unsized=False):
        """Send the request (*body* bytes with a ``Content-Length``, or
        chunked when *unsized*) and read the whole reply."""
        reply = Reply(self.version)
        client = h11.Connection(h11.CLIENT)
        sock = open_socket(self.port, self.tls, ("http/1.1",), self.timeout)
        framing = []
        if body is not None:
            framing = [("Transfer-Encoding", "chunked")] if unsized else [
                ("Content-Length", str(len(body)))]
        fields = [("Host", self.authority)] + list(headers) + framing
        received = []
        try:
            sock.sendall(client.send(h11.Request(
                method=method, target=target, headers=fields)))
            for chunk in _chunks(body or b""):
                sock.sendall(client.send(h11.Data(data=chunk)))
            sock.sendall(client.send(h11.EndOfMessage()))
        except socket.error:  # the host answered early (411, 413) and closed
            pass
        try:
            self._read(sock, client, reply, received)
        except h11.RemoteProtocolError as error:
            reply.error = "not HTTP/1.1: %s" % (error,)
        except socket.timeout:
            reply.error = "no complete reply within %d s" % self.timeout
        except socket.error as error:
            reply.error = "connection lost: %s" % (error,)
        finally:
            sock.close()
        reply.head = _heads(b"".join(received))
        return reply

    def _read(self, sock, client, reply, received):
        body = []
        while True:
            event = client.next_event()
            if event is h11.PAUSED:  # a 101: the connection is another's now
                reply.status = reply.informational[-1][0]
                break
            if event is h11.NEED_DATA:
                data = sock.recv(CHUNK)
                if len(received) < 16:
                    received.append(data)
                client.receive_data(data)
                continue
            if isinstance(event, h11.InformationalResponse):  # 1xx, 101 too
                reply.informational.append(
                    (event.status_code, _native(event.headers)))
            elif isinstance(event, h11.Response):
                reply.status = event.status_code
                reply.headers = _native(event.headers)
            elif isinstance(event, h11.Data):
                body.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                reply.trailers = _native(event.headers)
                break
            elif isinstance(event, h11.ConnectionClosed):
                reply.error = "connection closed before the reply ended" \
                    if reply.status is not None else \
                    "connection closed with no reply"
                break
        reply.body = b"".join(body)

    def close(self):
        pass


def _native(fields):
    return [(to_native(name), to_native(value)) for name, value in fields]


def _heads(data):
    """The response heads at the start of *data*: 1xx ones, then the
    final one."""
    heads = []
    for head in data.split(b"\r\n\r\n")[:-1]:
        heads.append(head + b"\r\n\r\n")
        if head[9:10] != b"1":  # "HTTP/1.1 103 ..." is informational
            break
    return b"".join(heads)


class HTTP2(object):
    """HTTP/2 to 127.0.0.1:*port* on one connection (opened again if the
    host closes it); *push* lets the host push (browsers refuse)."""

    version = "2"

    def __init__(self, port, tls=False, push=False, timeout=WAIT):
        self.port, self.tls, self.push, self.timeout = port, tls, push, timeout
        self.authority = "127.0.0.1:%d" % port
        self._h2 = None

    def connection(self):
        if self._h2 is None or self._h2.terminated is not None:
            sock = open_socket(self.port, self.tls, ("h2",), self.timeout)
            self._h2 = H2Client(sock, self.authority,
                                scheme="https" if self.tls else "http",
                                push=self.push)
        return self._h2

    def request(self, method, target, headers=(), body=None, unsized=False):
        reply = Reply(self.version)
        fields = [(name.lower(), value) for name, value in headers]
        if body is not None and not unsized:
            fields.append(("content-length", str(len(body))))
        try:
            connection = self.connection()
            exchange = connection.response(connection.request(
                method, target, fields, body=body))
            for promised in list(connection.pushed):  # whole, as browsers do
                connection.response(promised)
        except socket.timeout:
            reply.error = "no complete reply within %d s" % self.timeout
            self._forget()
            return reply
        except (socket.error, h2.exceptions.H2Error) as error:
            reply.error = "connection lost: %s" % (error,)
            self._forget()
            return reply
        return self.reply_of(exchange, reply)

    def reply_of(self, exchange, reply=None):
        """The ``Reply`` of an ``h2client.Exchange`` (a stream that ended,
        or an extended CONNECT answered)."""
        reply = reply or Reply(self.version)
        connection = self._h2
        for informational in exchange.informational:
            reply.informational.append((int(dict(informational)[":status"]), [
                pair for pair in informational if not pair[0].startswith(":")]))
        if exchange.headers is not None:
            reply.status = exchange.status
            reply.headers = [pair for pair in exchange.headers
                             if not pair[0].startswith(":")]
        reply.body = exchange.body
        reply.trailers = exchange.trailers or []
        reply.pushes = [(dict(promised)[":path"], promised)
                        for promised in connection.pushed.values()]
        connection.pushed.clear()
        if exchange.reset is not None:
            reply.error = "stream reset (%s)" % _error_name(exchange.reset)
        elif connection.terminated:
            reply.error = "connection ended by GOAWAY (%s)" % _error_name(
                connection.terminated)
        return reply

    def _forget(self):
        if self._h2 is not None:
            try:
                self._h2.sock.close()
            except socket.error:
                pass
        self._h2 = None

    def close(self):
        if self._h2 is not None:
            try:
                self._h2.close()
            except socket.error:
                pass
        self._h2 = None


def _error_name(code):
    try:
        return h2.errors.ErrorCodes(code).name
    except ValueError:
        return str(code)


def client_for(protocol, port, **options):
    """The client of a host's *protocol* (``registry.H1``, ``H2C`` or
    ``H2_TLS``) on 127.0.0.1:*port*."""
    if protocol == "h1":
        return HTTP1(port, **options)
    return HTTP2(port, tls=protocol == "h2-tls", **options)
