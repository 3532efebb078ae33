"""wsgi-ng: PEP 3333 plus WebSocket, push, early hints and trailers.

Every WSGI app is a wsgi-ng app.  A wsgi-ng app finds optional capabilities
under the ``ng.`` environ keys (names in ``wsgi_ng.keys``) and runs on any
host, degrading as the spec in ``docs/spec.rst`` says.
"""
from wsgi_ng import keys
from wsgi_ng.errors import (
    BodyError, ConnectionClosed, HeaderError, LocalProtocolError,
    MessageTooBig, RemoteProtocolError, StateError, Timeout, WsgiNgError,
)
from wsgi_ng.host import RequestContext
from wsgi_ng.websocket import WebSocket

__version__ = "0.1.0"

__all__ = [
    "__version__", "keys", "RequestContext", "WebSocket",
    "WsgiNgError", "LocalProtocolError", "RemoteProtocolError",
    "HeaderError", "BodyError", "StateError", "MessageTooBig",
    "ConnectionClosed", "Timeout",
]
