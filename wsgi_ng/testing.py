"""An in-process wsgi-ng host for tests.

``Client(app)`` calls the app exactly as a real host would -- PEP 3333
rules, the ``ng.`` keys built by ``wsgi_ng.host.RequestContext``, header and
body checks from ``wsgi_ng.validate`` -- and can pretend to be different
hosts, so one test can check both the full and the degraded path::

    browser = Client(app)                   # HTTP/2 as browsers use it: no push
    full = Client.for_profile(app, "h2-push")             # HTTP/2, everything
    plain = Client(app, http_version="1.1", features=())  # no capabilities

WebSocket sessions run the app in a thread and carry real, masked frames
over a socket pair, so the server side uses the same ``FrameChannel`` and
``SocketStream`` a shim uses over a real connection.  A session the app
hands to a handler (``ws.serve()``) is served on that thread, as a plain
WSGI server would, and an exception in the handler is raised in the test
when the ``with`` block ends.
"""
import base64
import io
import json
import os
import socket
import sys
import threading

from wsgi_ng import keys
from wsgi_ng._compat import path_to_environ, reraise, to_native
from wsgi_ng.errors import LocalProtocolError, StateError, Timeout, WsgiNgError
from wsgi_ng.host import RequestContext
from wsgi_ng.iterables import close_iterable
from wsgi_ng.validate import check_body_block, check_start_response
from wsgi_ng.websocket import WebSocket, finish_session, refuse_body
from wsgi_ng.wschannel import DEFAULT_MAX_MESSAGE_SIZE, FrameChannel
from wsgi_ng.wsstream import SocketStream

#: Every capability an in-process client can offer: it never leaves, so it
#: has no ``disconnect`` to report.
_EVERY_FEATURE = keys.ALL_FEATURES - frozenset([keys.FEATURE_DISCONNECT])
#: Named host profiles: keyword arguments for ``Client``.
PROFILES = {
    # HTTP/2 as browsers use it: Chrome, Firefox and curl turn push off.
    "h2": {"http_version": "2"},
    # HTTP/2 with a client that accepts pushes: every capability.
    "h2-push": {"http_version": "2", "features": _EVERY_FEATURE},
    # An HTTP/1.1 host with WebSocket, 103 and TE-gated trailers.
    "h1": {"http_version": "1.1"},
    # A plain WSGI server seen through the shim: only a socket to take over.
    "h1-degraded": {"http_version": "1.1",
                    "features": (keys.FEATURE_WEBSOCKET,)},
    # A host that offers nothing beyond PEP 3333.
    "plain": {"http_version": "1.1", "features": ()},
}
#: What each profile stands for, in a phrase (the demo prints them).
DESCRIPTIONS = {
    "h2": "HTTP/2 as browsers use it (push turned off)",
    "h2-push": "HTTP/2 with a client that accepts pushes",
    "h1": "HTTP/1.1 on a wsgi-ng server",
    "h1-degraded": "a plain WSGI server through to_wsgi (socket takeover only)",
    "plain": "a WSGI server offering nothing beyond PEP 3333",
}
#: What each protocol can offer at most ...
_POSSIBLE_FEATURES = {
    "2": _EVERY_FEATURE,
    "1.1": frozenset([keys.FEATURE_WEBSOCKET, keys.FEATURE_EARLY_HINTS,
                      keys.FEATURE_TRAILERS]),
}
#: ... and what a client gets by default: HTTP/2 as browsers speak it,
#: with push turned off (SETTINGS_ENABLE_PUSH = 0).
_DEFAULT_FEATURES = {
    "2": _EVERY_FEATURE - frozenset([keys.FEATURE_PUSH]),
    "1.1": _POSSIBLE_FEATURES["1.1"],
}


class WebSocketDenied(WsgiNgError):
    """The app answered a WebSocket handshake with an HTTP response."""

    def __init__(self, response):
        WsgiNgError.__init__(self, "WebSocket handshake answered with %s"
                             % response.status)
        self.response = response


class Response(object):
    """What a client would have seen, plus what only a host can see."""

    def __init__(self, http_version):
        self.http_version = http_version
        self.status = None
        self.headers = []
        self.body = b""
        #: ``(path, headers)`` of every real PUSH_PROMISE.
        self.pushes = []
        #: What each ``ng.push`` call returned, by path.
        self.push_results = {}
        #: Header lists of the 103 Early Hints responses, in order.
        self.early_hints = []
        self.trailers = []

    @property
    def status_code(self):
        return int(self.status[:3])

    def header(self, name, default=None):
        """The first value of header *name* (case-insensitive)."""
        values = self.header_list(name)
        return values[0] if values else default

    def header_list(self, name):
        """Every value of header *name*, in order."""
        name = name.lower()
        return [v for n, v in self.headers if n.lower() == name]

    @property
    def text(self):
        return self.body.decode("utf-8")

    def json(self):
        return json.loads(self.text)

    def __repr__(self):
        return "<Response %s, %d bytes>" % (self.status, len(self.body))


class _Exchange(object):
    """One request/response: ``start_response``, ``write`` and the rules."""

    def __init__(self, context, response, method, websocket=None):
        self.context = context
        self.response = response
        self.http2 = response.http_version == "2"
        self.head = method == "HEAD"
        self.websocket = websocket
        self._status = None
        self._headers = None
        self._chunks = []

    def start_response(self, status, headers, exc_info=None):
        if self.websocket is not None and \
                self.websocket.on_start_response(status):
            return refuse_body  # a framework's 101 after accept(): ignored
        headers = check_start_response(
            status, headers, exc_info, self._status is not None,
            self.context.headers_sent, http2=self.http2)
        self._status, self._headers = status, headers
        return self.write

    def write(self, block):
        check_body_block(block)
        if self._status is None:
            raise StateError("the app wrote body data before start_response()")
        if block:
            self._send_headers()
            self._chunks.append(block)

    def _send_headers(self):
        if self.response.status is None:
            self.response.status = self._status
            self.response.headers = self.context.final_headers(self._headers)

    def finish(self):
        """The body iterable is exhausted: settle headers, body, trailers."""
        if self._status is None:
            raise StateError("the app returned without calling start_response()")
        self._send_headers()
        self.context.end_body()
        body = b"".join(self._chunks)
        declared = self.response.header("Content-Length")
        if declared is not None and not self.head and int(declared) != len(body):
            raise LocalProtocolError("Content-Length says %s but the app sent "
                                     "%d bytes" % (declared, len(body)))
        self.response.body = b"" if self.head else body
        self.response.trailers = list(self.context.trailers)


def run_app(app, environ, exchange):
    """Drive *app* through one PEP 3333 call; ``close()`` exactly once."""
    consume(app(environ, exchange.start_response), exchange)


def consume(result, exchange):
    """Send an app's body iterable through *exchange*, then close it."""
    try:
        for block in result:
            exchange.write(block)
        exchange.finish()
    finally:
        close_iterable(result)


class Methods(object):
    """``get``, ``post``... over a ``request(method, path, **kw)``: this
    client's, and the live hosts' (``wsgi_ng.hosting.live_client``)."""

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def head(self, path, **kw):
        return self.request("HEAD", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def options(self, path, **kw):
        return self.request("OPTIONS", path, **kw)


class Client(Methods):
    """Drive a WSGI or wsgi-ng app in-process, as a chosen kind of host.

    *http_version* is ``"2"`` or ``"1.1"``; *features* the capabilities the
    pretend host has (default: all the protocol allows, but push on HTTP/2,
    which browsers turn off).  On HTTP/1.1, trailers are only offered when
    the request carries ``TE: trailers`` and only in a chunked body, as on
    the wire.
    """

    def __init__(self, app, http_version="2", features=None, scheme="http",
                 server_name="localhost", server_port=None,
                 max_message_size=DEFAULT_MAX_MESSAGE_SIZE, timeout=5.0):
        if http_version not in _DEFAULT_FEATURES:
            raise ValueError("http_version must be '2' or '1.1'")
        self.app = app
        self.http_version = http_version
        self.features = frozenset(_DEFAULT_FEATURES[http_version]
                                  if features is None else features)
        if keys.FEATURE_DISCONNECT in self.features:
            raise ValueError("the test client cannot offer disconnect: its "
                             "client never leaves")
        unknown = self.features - _POSSIBLE_FEATURES[http_version]
        if unknown:
            raise ValueError("HTTP/%s cannot offer %s" % (
                http_version, ", ".join(sorted(unknown))))
        self.scheme = scheme
        self.server_name = server_name
        self.server_port = str(server_port or (443 if scheme == "https" else 80))
        self.max_message_size = max_message_size
        self.timeout = timeout

    @classmethod
    def for_profile(cls, app, profile, **options):
        """A client for one of the named ``PROFILES``."""
        kwargs = dict(PROFILES[profile])
        kwargs.update(options)
        return cls(app, **kwargs)

    # -- plain requests ---------------------------------------------------
    def request(self, method, path, headers=None, body=b""):
        """Send one request; *body* is bytes (sent with a Content-Length)
        or an iterable of bytes chunks (sent without one, like chunked
        HTTP/1.1 or HTTP/2 DATA frames)."""
        environ = self.environ(method, path, headers, body)
        response = Response(self.http_version)
        context = self._context(response, environ)
        context.install(environ)
        run_app(self.app, environ, _Exchange(context, response, method))
        self._record_hints(context, response)
        return response

    def environ(self, method, path, headers=None, body=b""):
        """The PEP 3333 environ this host would build for the request."""
        headers = list(headers.items() if isinstance(headers, dict)
                       else headers or [])
        path, _, query = path.partition("?")
        protocol = "HTTP/2" if self.http_version == "2" else "HTTP/1.1"
        environ = {
            "REQUEST_METHOD": method, "SCRIPT_NAME": "",
            "PATH_INFO": path_to_environ(path), "QUERY_STRING": query,
            "SERVER_NAME": self.server_name, "SERVER_PORT": self.server_port,
            "SERVER_PROTOCOL": protocol, "REMOTE_ADDR": "127.0.0.1",
            "wsgi.version": (1, 0), "wsgi.url_scheme": self.scheme,
            "wsgi.errors": sys.stderr, "wsgi.multithread": True,
            "wsgi.multiprocess": False, "wsgi.run_once": False,
            keys.INPUT_TERMINATED: True,
        }
        if isinstance(body, bytes):
            environ["CONTENT_LENGTH"] = str(len(body)) if body else ""
        else:
            body = b"".join(body)
        environ["wsgi.input"] = io.BytesIO(body)
        for name, value in headers:
            if "_" in to_native(name):
                continue  # dropped, as every wsgi-ng host does (the spec)
            key = to_native(name).upper().replace("-", "_")
            value = to_native(value)
            if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[key] = value
                continue
            key = "HTTP_" + key
            if key in environ:
                separator = "; " if key == "HTTP_COOKIE" else ", "
                value = environ[key] + separator + value
            environ[key] = value
        if self.http_version == "2":
            environ.setdefault("HTTP_HOST", self.server_name)
        return environ

    def _context(self, response, environ, websocket=None):
        def push(path, headers):
            response.pushes.append((path, headers))
            return True

        def early_hints(headers):
            return True  # recorded by the context in hints_sent

        te = environ.get("HTTP_TE", "").lower()
        trailers = keys.FEATURE_TRAILERS in self.features and (
            self.http_version == "2" or "trailers" in te)
        return RequestContext(
            push=push if keys.FEATURE_PUSH in self.features else None,
            early_hints=(early_hints if keys.FEATURE_EARLY_HINTS
                         in self.features else None),
            trailers=trailers, websocket=websocket,
            full_duplex=keys.FEATURE_FULL_DUPLEX in self.features,
            trailers_need_chunking=self.http_version == "1.1")

    @staticmethod
    def _record_hints(context, response):
        response.early_hints = list(context.hints_sent)
        response.push_results = dict((p, r) for p, _, r in context.pushes)

    # -- WebSocket --------------------------------------------------------
    def websocket(self, path, subprotocols=(), headers=None):
        """Open a WebSocket to *path*; use as a context manager::

            with client.websocket("/ws", subprotocols=["chat"]) as ws:
                ws.send(u"hi")
                assert ws.receive() == u"hi"

        Raises ``WebSocketDenied`` (with ``.response``) when the app answers
        with an HTTP status instead of accepting.
        """
        return _WebSocketExchange(self, path, list(subprotocols),
                                  list(headers or []))


class _WebSocketExchange(object):
    """The app side of a test WebSocket: the app runs in its own thread."""

    def __init__(self, client, path, subprotocols, headers):
        self.client = client
        self.subprotocols = subprotocols
        handshake = [("Upgrade", "websocket"), ("Connection", "Upgrade"),
                     ("Sec-WebSocket-Version", "13")]
        if client.http_version == "1.1":
            key = base64.b64encode(os.urandom(16)).decode("ascii")
            handshake.append(("Sec-WebSocket-Key", key))
        if subprotocols:
            handshake.append(("Sec-WebSocket-Protocol", ", ".join(subprotocols)))
        self.environ = client.environ("GET", path, handshake + headers)
        self.response = Response(client.http_version)
        self._server_sock, self._client_sock = socket.socketpair()
        # Set once the app has either accepted or finished: one wait, no polling.
        self._settled = threading.Event()
        self._error = None
        self.session = None
        self.accept_headers = None

    def _handshake(self, subprotocol, headers):
        self.accept_headers = headers
        self.session = _ClientWebSocket(WebSocket.connected(FrameChannel(
            SocketStream(self._client_sock), client=True,
            max_message_size=self.client.max_message_size), subprotocol),
            self.client.timeout, headers)
        self._settled.set()
        return FrameChannel(SocketStream(self._server_sock),
                            max_message_size=self.client.max_message_size)

    def _serve(self, context, server_ws):
        close_code = 1000
        try:
            exchange = _Exchange(context, self.response, "GET", server_ws)
            result = self.client.app(self.environ, exchange.start_response)
            if server_ws is not None and server_ws.state is WebSocket.ACCEPTED:
                finish_session(server_ws, result)
                if server_ws.served is not None and server_ws.served.error:
                    self._error = server_ws.served.error  # for the test
            elif server_ws is not None and server_ws.refused:
                close_iterable(result)  # closed before accept(): denied
                self.response.status = "403 Forbidden"
            else:
                consume(result, exchange)
        except BaseException:
            close_code = 1011
            self._error = sys.exc_info()
        finally:
            if server_ws is not None and server_ws.state is WebSocket.ACCEPTED:
                server_ws.close(close_code)  # the host's duty if the app did not
            self._settled.set()

    def __enter__(self):
        client = self.client
        server_ws = None
        if keys.FEATURE_WEBSOCKET in client.features:
            server_ws = WebSocket(self.subprotocols, self._handshake,
                                  {"http_version": client.http_version})
        context = client._context(self.response, self.environ, server_ws)
        context.install(self.environ)
        # The app runs in its own thread once the handshake environ is
        # complete: the test drives the client side meanwhile.
        self._thread = threading.Thread(target=self._serve,
                                        args=(context, server_ws))
        self._thread.daemon = True
        self._thread.start()
        self._run_until_handshake(context)
        return self.session

    def _run_until_handshake(self, context):
        if not self._settled.wait(self.client.timeout):
            self._client_sock.close()
            raise Timeout("the app neither accepted the WebSocket nor "
                          "answered within %ss" % self.client.timeout)
        if self.session is not None:
            return
        self._client_sock.close()
        self._server_sock.close()
        if self._error is not None:
            reraise(*self._error)
        Client._record_hints(context, self.response)
        raise WebSocketDenied(self.response)

    def __exit__(self, exc_type, exc, tb):
        if not self.session.closed:
            self.session.close()
        self._thread.join(self.client.timeout)
        if self._thread.is_alive():
            raise Timeout("the app was still running %ss after the client "
                          "closed the WebSocket" % self.client.timeout)
        if self._error is not None and exc_type is None:
            reraise(*self._error)
        return False


class _ClientWebSocket(object):
    """The test's end of the WebSocket; receive waits at most ``timeout``."""

    def __init__(self, session, timeout, accept_headers):
        self._session = session
        self.timeout = timeout
        self.subprotocol = session.subprotocol
        #: Headers the app passed to ``accept()``.
        self.accept_headers = accept_headers

    def send(self, message):
        self._session.send(message)

    def receive(self, timeout=None):
        return self._session.receive(self.timeout if timeout is None else timeout)

    def ping(self, data=b""):
        self._session.ping(data)

    def close(self, code=1000, reason=""):
        self._session.close(code, reason)

    @property
    def closed(self):
        return self._session.closed

    @property
    def close_code(self):
        return self._session.close_code

    @property
    def close_reason(self):
        return self._session.close_reason
