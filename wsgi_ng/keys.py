"""Names of the environ keys and features defined by the wsgi-ng spec.

Apps and hosts should use these constants instead of string literals so a
typo is an ``AttributeError`` rather than a silently missing capability.
"""

VERSION = "ng.version"
FEATURES = "ng.features"
WEBSOCKET = "ng.websocket"
PUSH = "ng.push"
EARLY_HINTS = "ng.early_hints"
SEND_TRAILERS = "ng.send_trailers"
DISCONNECTED = "ng.disconnected"

#: The interface version a host implementing this spec sets in ``ng.version``.
SPEC_VERSION = (1, 0)

#: De-facto keys other servers introduced; hosts set them as aliases and the
#: shims consume them when a plain WSGI server offers them.
ALIAS_EARLY_HINTS = "wsgi.early_hints"
ALIAS_SEND_TRAILERS = "wsgi.ext.http.send_trailers"
INPUT_TERMINATED = "wsgi.input_terminated"
#: gunicorn's raw client socket; the reference server offers it to a
#: contained legacy app on an HTTP/1.1 WebSocket handshake
#: (``wsgi_ng.server.handover``).
HANDOVER_SOCKET = "gunicorn.socket"

# Feature names carried in ``ng.features``.
FEATURE_WEBSOCKET = "websocket"
FEATURE_PUSH = "push"
FEATURE_EARLY_HINTS = "early_hints"
FEATURE_TRAILERS = "trailers"
FEATURE_FULL_DUPLEX = "full_duplex"
FEATURE_DISCONNECT = "disconnect"
ALL_FEATURES = frozenset([
    FEATURE_WEBSOCKET, FEATURE_PUSH, FEATURE_EARLY_HINTS,
    FEATURE_TRAILERS, FEATURE_FULL_DUPLEX, FEATURE_DISCONNECT,
])

# What ``ng.push`` returns: how the hint was delivered.
PUSHED = "push"
EARLY_HINT = "early_hint"
LINK = "link"
DROPPED = "dropped"
PUSH_RESULTS = frozenset([PUSHED, EARLY_HINT, LINK, DROPPED])
