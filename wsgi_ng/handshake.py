"""The server side of an HTTP/1.1 WebSocket opening handshake (RFC 6455).

Used by every host that answers a handshake itself -- the shims over WSGI
servers and the reference server -- so the request checks, the accept token
and the extension negotiation have one implementation.  wsproto computes the
token and negotiates permessage-deflate; nothing here frames data.
"""
from wsproto.extensions import PerMessageDeflate
from wsproto.utilities import generate_accept_token, split_comma_header

from wsgi_ng._compat import to_bytes, to_native


class Offer(object):
    """What the client asked for in its handshake."""

    def __init__(self, key, subprotocols, extensions):
        self.key = key
        self.subprotocols = subprotocols
        self.extensions = extensions


def _tokens(value):
    return [token.strip().lower() for token in value.split(",")]


def websocket_offer(environ):
    """Return the ``Offer`` when *environ* is a valid HTTP/1.1 WebSocket
    handshake, else ``None`` (the request is then ordinary HTTP)."""
    if environ.get("REQUEST_METHOD") != "GET":
        return None
    if "websocket" not in _tokens(environ.get("HTTP_UPGRADE", "")):
        return None
    if "upgrade" not in _tokens(environ.get("HTTP_CONNECTION", "")):
        return None
    if environ.get("HTTP_SEC_WEBSOCKET_VERSION", "").strip() != "13":
        return None
    key = environ.get("HTTP_SEC_WEBSOCKET_KEY", "").strip()
    if not key:
        return None
    return _offer(environ, key)


def extended_connect_offer(environ):
    """The ``Offer`` of an HTTP/2 extended CONNECT (RFC 8441), which has no
    key: the protocol layer has already checked ``:protocol``."""
    return _offer(environ, None)


def _offer(environ, key):
    offered = environ.get("HTTP_SEC_WEBSOCKET_PROTOCOL", "").split(",")
    subprotocols = [name.strip() for name in offered if name.strip()]
    return Offer(key, subprotocols,
                 environ.get("HTTP_SEC_WEBSOCKET_EXTENSIONS", ""))


def accept_response(offer, subprotocol, extra_headers, compress=True):
    """The 101 response headers, and the extensions to run the session with;
    for an HTTP/2 offer (no key) only the subprotocol and extension fields.

    permessage-deflate is accepted when the client offered it and
    *compress* is true.
    """
    headers = [] if offer.key is None else [  # None: HTTP/2 (RFC 8441)
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Accept",
         to_native(generate_accept_token(to_bytes(offer.key)))),
    ]
    if subprotocol is not None:
        headers.append(("Sec-WebSocket-Protocol", subprotocol))
    extensions = []
    if compress and offer.extensions:
        deflate = PerMessageDeflate()
        for entry in split_comma_header(to_bytes(offer.extensions)):
            entry = to_native(entry)
            if entry.split(";", 1)[0].strip() != deflate.name:
                continue
            accepted = deflate.accept(entry)
            if accepted not in (None, False):
                value = deflate.name
                if accepted is not True:
                    value += "; " + to_native(accepted)
                headers.append(("Sec-WebSocket-Extensions", value))
                extensions.append(deflate)
                break
    return headers + list(extra_headers), extensions
