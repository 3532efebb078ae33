"""A client for a live host with the API of the in-process test client
(``wsgi_ng.testing.Client``): ``get``, ``post``, ``request``,
``websocket``, and the same ``Response`` -- so a test written for one runs
on the other.  It speaks the host's own protocol (HTTP/1.1, or HTTP/2 on
one connection) and keeps the cookies the host sets, as a browser's visit
does (``cookies``; ``cookies.clear()`` starts a new visit).
"""
import socket

from six.moves.http_client import responses
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection, BytesMessage, CloseConnection, Ping, Request,
    TextMessage,
)

from wsgi_ng._compat import to_bytes, to_native
from wsgi_ng.errors import ConnectionClosed, RemoteProtocolError
from wsgi_ng.hosting.client import WAIT, client_for, open_socket
from wsgi_ng.hosting.h2client import H2WebSocket
from wsgi_ng.testing import Methods, Response, WebSocketDenied

NO_BODY = ("GET", "HEAD", "DELETE", "OPTIONS")


class LiveClient(Methods):
    """Requests to *host* (a ``hosting.Host``) on 127.0.0.1:*port*."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.http_version = "2" if host.http2 else "1.1"
        self.authority = "127.0.0.1:%d" % port
        self.cookies = {}
        self._client = client_for(host.protocol, port)

    def request(self, method, path, headers=None, body=b""):
        """One request; *body* is bytes (sent with a length) or an iterable
        of bytes (sent without one: chunked, or HTTP/2 DATA frames)."""
        unsized = not isinstance(body, bytes)
        data = b"".join(body) if unsized else body
        if not data and not unsized and method.upper() in NO_BODY:
            data = None
        reply = self._client.request(method.upper(), path,
                                     self._fields(headers), data, unsized)
        if reply.status is None:
            raise RemoteProtocolError("%s %s on %s: %s" % (
                method, path, self.host.name, reply.error))
        self._keep_cookies(reply.header_list("set-cookie"))
        return response_of(reply, self.http_version)

    def _fields(self, headers):
        fields = list(headers or [])
        if self.cookies and not any(name.lower() == "cookie"
                                    for name, _ in fields):
            fields.append(("Cookie", "; ".join(
                "%s=%s" % pair for pair in sorted(self.cookies.items()))))
        return fields

    def _keep_cookies(self, values):
        for value in values:
            pair, _, attributes = value.partition(";")
            name, _, cookie = pair.partition("=")
            if cookie and "max-age=0" not in attributes.lower().replace(" ", ""):
                self.cookies[name.strip()] = cookie.strip()
            else:
                self.cookies.pop(name.strip(), None)

    def websocket(self, path, subprotocols=(), headers=None):
        """A WebSocket to *path*, as a context manager; ``WebSocketDenied``
        (with ``.response``) when the app answers with an HTTP status."""
        fields = self._fields(headers)
        if self.host.http2:
            return _H2Session(self, path, list(subprotocols), fields)
        return _H1Session(self, path, list(subprotocols), fields)

    def close(self):
        self._client.close()


def response_of(reply, http_version):
    """A ``testing.Response`` for a ``hosting.client.Reply``."""
    response = Response(http_version)
    response.status = "%d %s" % (reply.status, responses.get(reply.status, ""))
    response.headers = list(reply.headers)
    response.body = reply.body
    response.trailers = list(reply.trailers)
    response.early_hints = [fields for status, fields in reply.informational
                            if status == 103]
    response.pushes = [(path, [(n, v) for n, v in fields if n[0] != ":"])
                       for path, fields in reply.pushes]
    return response


class _Session(object):
    """What both protocols' sessions share: a context manager that closes."""

    subprotocol = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class _H1Session(_Session):
    """A WebSocket over HTTP/1.1, framed by wsproto on its own socket."""

    def __init__(self, client, path, subprotocols, headers):
        self.sock = open_socket(client.port)
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.pending, self.closed = [], None
        self.sock.sendall(self.ws.send(Request(
            host=client.authority, target=path, subprotocols=subprotocols,
            extra_headers=[(to_bytes(n), to_bytes(v)) for n, v in headers])))
        event = self._next()
        if isinstance(event, AcceptConnection):
            self.subprotocol = event.subprotocol
            return
        response = Response("1.1")
        response.status = "%d %s" % (event.status_code, responses.get(
            event.status_code, ""))
        response.headers = [(to_native(n), to_native(v))
                            for n, v in event.headers]
        more = event.has_body
        while more:
            data = self._next()
            response.body += bytes(data.data)
            more = not data.body_finished
        self.sock.close()
        raise WebSocketDenied(response)

    def _next(self):
        while not self.pending:
            data = self.sock.recv(65536)
            self.ws.receive_data(data or None)
            self.pending.extend(self.ws.events())
        return self.pending.pop(0)

    def send(self, message):
        event = TextMessage(data=message) if isinstance(
            message, type(u"")) else BytesMessage(data=message)
        self.sock.sendall(self.ws.send(event))

    def receive(self, timeout=None):
        """The next whole message; ``ConnectionClosed`` once closed."""
        self.sock.settimeout(timeout or WAIT)
        parts = []
        while True:
            event = self._next()
            if isinstance(event, Ping):
                self.sock.sendall(self.ws.send(event.response()))
            elif isinstance(event, CloseConnection):
                self.closed = event
                self.sock.sendall(self.ws.send(event.response()))
                raise ConnectionClosed(event.code, event.reason)
            elif isinstance(event, (TextMessage, BytesMessage)):
                parts.append(event.data if isinstance(event, TextMessage)
                             else bytes(event.data))
                if event.message_finished:
                    return parts[0][:0].join(parts)

    def close(self, code=1000, reason=u""):
        if self.closed is None:
            try:
                self.sock.sendall(self.ws.send(CloseConnection(
                    code=code, reason=reason)))
                while not isinstance(self._next(), CloseConnection):
                    pass
            except (socket.error, ConnectionClosed):
                pass  # gone already
            self.closed = True
        self.sock.close()


class _H2Session(_Session):
    """A WebSocket over HTTP/2 (RFC 8441) on its own connection."""

    def __init__(self, client, path, subprotocols, headers):
        connection = client_for(client.host.protocol, client.port)
        self._connection = connection
        h2 = connection.connection()
        fields = [(n.lower(), v) for n, v in headers]
        if subprotocols:
            fields.append(("sec-websocket-protocol", ", ".join(subprotocols)))
        self.session = H2WebSocket(h2, path, fields)
        if self.session.status != 200:
            reply = connection.reply_of(h2.response(self.session.stream))
            connection.close()
            raise WebSocketDenied(response_of(reply, "2"))
        self.subprotocol = self.session.exchange.header("sec-websocket-protocol")

    def send(self, message):
        self.session.send(message)

    def receive(self, timeout=None):
        self.session.h2.sock.settimeout(timeout or WAIT)
        while True:
            event = self.session.next_event()
            if isinstance(event, CloseConnection):
                raise ConnectionClosed(event.code, event.reason)
            if isinstance(event, (TextMessage, BytesMessage)):
                self.session.events.insert(0, event)
                return self.session.receive()

    def close(self, code=1000, reason=u""):
        try:
            self.session.close(code)
        except (socket.error, ConnectionClosed):
            pass
        self._connection.close()
