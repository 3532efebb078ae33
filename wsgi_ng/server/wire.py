"""HTTP/1.1's wire format for one connection, behind one small interface
with two implementations: ``H11Wire`` on h11 (the reference, and all there
is on Python 2) and ``fastwire.FastWire`` on httptools (llhttp, in C).

``Config.http1_parser`` picks one (``wire_class``): ``"auto"`` takes
httptools where a recent enough one is installed (0.6.4+, CPython 3.8+),
else h11.  Both answer
every request of the golden corpus alike; tests/server runs on both.

A wire is fed what the socket gave (``receive``) and hands out, from
``next_event()``: a ``Head`` (a request line and its fields), body bytes,
``END`` (the request is complete), ``NEED_DATA`` or ``CLOSED`` (the client
closed between requests).  A malformed request raises ``BadRequest``; a
client that closes mid-request, ``ClientGone``.  For the response it turns
each part into bytes to send (``informational``, ``response``, ``body``,
``end``), framing the body as HTTP/1.1 requires: chunked when the app gives
no length and the client speaks HTTP/1.1, else delimited by the close.
"""
import re

import h11

from wsgi_ng._compat import PY2
from wsgi_ng.errors import LocalProtocolError
from wsgi_ng.server.exchange import ClientGone
from wsgi_ng.server.headcheck import HeadCheck, parser_error
from wsgi_ng.startup import UsageError


class _Marker(object):
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


#: ``next_event()``'s answers other than a ``Head`` or body bytes.
END = _Marker("END")
NEED_DATA = _Marker("NEED_DATA")
CLOSED = _Marker("CLOSED")


class Head(object):
    """A request head: *method* and *target* as bytes, *http_version* as
    native ``"1.1"``, *headers* as ``(lower-case name, value)`` bytes.
    ``complete``: the wire found the request bodyless and took its ``END``
    already (so serving it is a trip through the wire less)."""

    __slots__ = ("method", "target", "http_version", "headers", "complete")

    def __init__(self, method, target, http_version, headers):
        self.method = method
        self.target = target
        self.http_version = http_version
        self.headers = headers
        self.complete = False


def wire_class(choice):
    """The wire class *choice* names (``Config.http1_parser``); a
    ``UsageError`` (a ``ValueError``) that says what to do when it cannot
    run here."""
    if choice == "auto":
        choice = "httptools" if fast_wire_available() else "h11"
    if choice == "h11":
        return H11Wire
    if choice != "httptools":
        raise UsageError("the HTTP/1.1 parser is auto, h11 or httptools, "
                         "not %r" % (choice,))
    if not fast_wire_available():
        raise UsageError("the httptools HTTP/1.1 parser needs CPython 3.8+ "
                         "and pip install 'httptools>=%s'; or use h11 "
                         "(--http1-parser h11)" % (HTTPTOOLS_FLOOR,))
    from wsgi_ng.server.fastwire import FastWire
    return FastWire


#: The oldest httptools whose llhttp answers the golden corpus as h11 does:
#: 0.6.0 (the last for Python 3.7) refuses quoted chunk extensions and
#: accepts a field name with a space in a request pipelined after a
#: chunked one.
HTTPTOOLS_FLOOR = "0.6.4"


def fast_wire_available():
    """True where the httptools wire can run."""
    if PY2:
        return False
    try:
        import httptools
    except ImportError:
        return False
    return _release(httptools.__version__) >= _release(HTTPTOOLS_FLOOR)


def _release(version):
    """``"0.6.4"`` as ``(0, 6, 4)``, ignoring a suffix such as ``rc1``."""
    return tuple(int(part) for part in
                 re.match(r"\d+(?:\.\d+)*", version).group().split("."))


class H11Wire(object):
    """The wire on h11."""

    name = "h11"

    def __init__(self, config):
        self._conn = h11.Connection(
            h11.SERVER, max_incomplete_event_size=config.max_header_size)
        self._head_check = HeadCheck()
        self._max_target_size = config.max_target_size
        self._peer_closed = False

    def receive(self, data):
        """Take bytes from the socket (``b""``: the client closed)."""
        self._conn.receive_data(data)
        self._peer_closed = not data
        self._head_check.feed(data)

    def next_event(self):
        conn = self._conn
        in_body = conn.their_state is h11.SEND_BODY
        try:
            event = conn.next_event()
        except h11.RemoteProtocolError as error:
            if self._peer_closed:  # it left mid-request: nobody to answer
                raise ClientGone("the client closed mid-request: %s" % error)
            raise parser_error(error, self._head_check, in_body,
                               self._max_target_size)
        kind = type(event)
        if kind is h11.Data:
            return bytes(event.data)
        if kind is h11.Request:
            return _head(event)
        if kind is h11.EndOfMessage:
            return END
        if event is h11.NEED_DATA:
            return NEED_DATA
        return CLOSED  # ConnectionClosed; PAUSED only follows END

    @property
    def buffered(self):
        """True when received bytes wait to be parsed."""
        return bool(self._conn.trailing_data[0])

    @property
    def trailing(self):
        """What the client sent after the request (for a protocol switch)."""
        return self._conn.trailing_data[0]

    @property
    def reading_body(self):
        """True between a request's head and its end."""
        return self._conn.their_state is h11.SEND_BODY

    @property
    def expects_continue(self):
        """True while the client waits for a 100 before sending its body."""
        return self._conn.they_are_waiting_for_100_continue

    @property
    def can_respond(self):
        """True until a response head went out."""
        return self._conn.our_state in (h11.IDLE, h11.SEND_RESPONSE)

    def informational(self, status_code, reason, headers):
        return self._send(h11.InformationalResponse(
            status_code=status_code, headers=headers,
            reason=reason.encode("latin-1")))

    def response(self, status_code, reason, headers):
        return self._send(h11.Response(
            status_code=status_code, headers=headers,
            reason=reason.encode("latin-1")))

    def body(self, data):
        return self._send(h11.Data(data=data))

    def end(self, trailers):
        return self._send(h11.EndOfMessage(headers=trailers))

    def _send(self, event):
        try:
            return self._conn.send(event)
        except h11.LocalProtocolError as error:  # too much body, say
            raise LocalProtocolError(str(error))

    def next_cycle(self):
        """Get ready for the next request on this connection; False when
        the connection must close instead (either side said close, or a
        message is unfinished)."""
        conn = self._conn
        if conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
            return False
        conn.start_next_cycle()
        self._head_check.reset(conn.trailing_data[0])
        return True


def _head(request):
    headers = request.headers
    method, target = request.method, request.target
    if PY2:  # h11 0.11 hands out bytearrays: made plain bytes here
        headers = [(bytes(name), bytes(value)) for name, value in headers]
        method, target = bytes(method), bytes(target)
    else:
        headers = list(headers)
    return Head(method, target, bytes(request.http_version).decode("ascii"),
                headers)
