"""One error hierarchy for everything wsgi-ng raises.

Modelled on h11: a single base, split by *who* broke the rules.  A
``LocalProtocolError`` means code on this side (the app, middleware or the
host using this library) did something the contract forbids: fix the code.
A ``RemoteProtocolError`` means the peer sent something invalid: log it,
close what it broke, keep serving.  ``ConnectionClosed`` and ``Timeout`` are
ordinary outcomes, not bugs, so they sit directly under the base; they
also derive from the builtin exceptions code written for sockets already
catches (``socket.timeout`` / ``TimeoutError``, ``IOError`` /
``ConnectionError``), so a framework's ``except OSError`` sees a session
that ended.
"""
from wsgi_ng._compat import ConnectionErrorBase, TimeoutBase


class WsgiNgError(Exception):
    """Base of every exception raised by wsgi-ng."""


class LocalProtocolError(WsgiNgError):
    """Code on this side of the connection broke the wsgi-ng/WSGI contract."""


class RemoteProtocolError(WsgiNgError):
    """The peer sent something the protocol does not allow."""


class HeaderError(LocalProtocolError, ValueError):
    """A status line or header is malformed (wrong type, CR/LF, bad name)."""


class BodyError(LocalProtocolError, TypeError):
    """A response body block is not bytes."""


class StateError(LocalProtocolError):
    """An operation came at the wrong time (e.g. ``start_response`` after
    ``accept()``, ``send()`` before ``accept()``)."""


class BadRequest(RemoteProtocolError):
    """The client's request breaks HTTP's rules; hosts answer ``status``
    (400, 414, 431, 501, 505...) and say ``reason`` in one log line.  Raised
    from ``wsgi.input`` too, when a request body's framing turns out bad
    while the app reads it."""

    def __init__(self, status, reason):
        RemoteProtocolError.__init__(self, reason)
        self.status = status
        self.reason = reason


class MessageTooBig(RemoteProtocolError):
    """The peer sent a WebSocket message larger than the session allows.

    The session has already been closed with code 1009.
    """


class ConnectionClosed(WsgiNgError, ConnectionErrorBase):
    """The WebSocket session is closed; ``code`` and ``reason`` say how.

    Raised by ``receive()`` once the peer has closed and by ``send()`` on a
    closed session.  ``code`` is 1006 when the transport ended without a
    close frame.
    """

    def __init__(self, code, reason=""):
        WsgiNgError.__init__(self, code, reason)
        self.code = code
        self.reason = reason

    def __str__(self):
        return "WebSocket closed with code %s%s" % (
            self.code, " (%s)" % self.reason if self.reason else "")


class Timeout(WsgiNgError, TimeoutBase):
    """A bounded wait (``receive(timeout=...)``) ran out; nothing is lost."""
