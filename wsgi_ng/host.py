"""The host side of the wsgi-ng contract, written once.

Every host -- the test client, the shims over WSGI servers, the reference
server, the ASGI bridge -- describes what it can really do for one request
and lets ``RequestContext`` put the ``ng.`` keys into the environ.  The
degradation rules of the spec (push becomes a 103, then a ``Link`` header,
then is dropped; trailers are refused once the body ended...) therefore live
in exactly one place and cannot drift apart between hosts.

A host's part:

1. build ``RequestContext(push=..., early_hints=..., trailers=...,
   websocket=..., full_duplex=...)`` from its real abilities;
2. ``install(environ)`` before calling the app;
3. pass the app's headers through ``final_headers()`` just before sending
   them (this sends the hints still collected as one 103, folds every hint
   into ``Link`` headers and closes the window for them);
4. call ``end_body()`` when the body iterable is exhausted and send
   ``trailers`` if there are any.

Browsers act on the first 103 of a response only (Chrome ignores every
later one, and any 103 over HTTP/1.1), and repeat nothing a 103 said unless
the final response says it too (RFC 8297).  So hints from ``ng.push`` are
collected and leave as one 103 when the app calls ``ng.early_hints`` (with
more headers, or none) or when the final headers go out, and every hint is
also a ``Link`` header of the final response.
"""
import posixpath

from wsgi_ng import keys
from wsgi_ng._compat import is_native
from wsgi_ng.errors import HeaderError, StateError
from wsgi_ng.lifecycle import Disconnected
from wsgi_ng.validate import clean_header, clean_headers

#: ``as=`` values browsers need to use a preload, by file extension.
_PRELOAD_AS = {
    ".css": "style", ".js": "script", ".mjs": "script",
    ".woff": "font", ".woff2": "font", ".ttf": "font", ".otf": "font",
    ".png": "image", ".jpg": "image", ".jpeg": "image", ".gif": "image",
    ".svg": "image", ".webp": "image", ".avif": "image", ".ico": "image",
    ".json": "fetch",
}
#: Fields that must never travel as trailers (RFC 9110 section 6.5.1).
_NOT_TRAILERS = frozenset([
    "content-length", "transfer-encoding", "host", "content-type",
    "content-encoding", "content-range", "trailer", "authorization",
    "set-cookie", "cache-control", "expect", "max-forwards", "pragma",
    "range", "te", "connection", "keep-alive", "upgrade",
])

_VERSION, _SPEC_VERSION, _FEATURES = keys.VERSION, keys.SPEC_VERSION, \
    keys.FEATURES
_PUSH, _EARLY_HINTS, _SEND_TRAILERS = keys.PUSH, keys.EARLY_HINTS, \
    keys.SEND_TRAILERS
_DISCONNECTED, _WEBSOCKET = keys.DISCONNECTED, keys.WEBSOCKET
_ALIAS_EARLY_HINTS, _ALIAS_SEND_TRAILERS = keys.ALIAS_EARLY_HINTS, \
    keys.ALIAS_SEND_TRAILERS


def preload_link(path):
    """The ``Link`` value that tells a client to preload *path*.

    ``as=`` is added when the extension says what the resource is, because
    browsers ignore a preload without it; fonts also need ``crossorigin``.
    """
    value = "<%s>; rel=preload" % path
    kind = _PRELOAD_AS.get(posixpath.splitext(path.split("?", 1)[0])[1].lower())
    if kind:
        value += "; as=%s" % kind
        if kind == "font":
            value += "; crossorigin"
    return value


def _check_hint_headers(headers, what):
    """The header list an ``ng.`` callable was given, validated and cleaned
    (``validate.clean_headers``); a tuple of pairs is accepted as well as a
    list."""
    if headers is None:
        return []
    headers = list(headers) if type(headers) is tuple else headers
    return clean_headers(headers, what="%s headers" % what)


class RequestContext(object):
    """What one request can do, and the ``ng.`` callables built from it.

    ``push(path, headers) -> bool``: send a PUSH_PROMISE; False when the
    client refused push for now.  ``early_hints(headers) -> bool``: send a
    103; False when it could not go out.  ``trailers``: whether trailers can
    be sent for this response; with ``trailers_need_chunking`` (HTTP/1.1)
    only in a chunked body, so a ``Content-Length`` rules them out -- or is
    dropped when the app asked for trailers before its headers went out.
    ``websocket``: the session object when this request is a handshake the
    host can accept.  ``disconnected``: the ``Disconnected`` the host sets
    when the client goes, when it watches for that.  Callables left as
    ``None`` are capabilities the host lacks; the spec's fallbacks take over.
    """

    # The lists below are made anew as they grow, on the rare requests that
    # push, hint or send trailers: until then, an empty tuple stands in
    # (five lists fewer for every other request to make).
    #: ``Link`` values folded into the final response.
    links = ()
    #: Trailers the app asked for, in order; send them after the body.
    trailers = ()
    #: ``(path, headers, result)`` for every ``ng.push`` call.
    pushes = ()
    #: Header lists of the 103 responses that went out.
    hints_sent = ()
    _pending_hints = ()  # Link headers for the next 103

    def __init__(self, push=None, early_hints=None, trailers=False,
                 websocket=None, full_duplex=False,
                 trailers_need_chunking=False, disconnected=None):
        self._push = push
        self._early_hints = early_hints
        self._trailers_possible = bool(trailers)
        self._trailers_need_chunking = trailers_need_chunking
        self.websocket = websocket
        features = set()
        if push is not None:
            features.add(keys.FEATURE_PUSH)
        if early_hints is not None:
            features.add(keys.FEATURE_EARLY_HINTS)
        if trailers:
            features.add(keys.FEATURE_TRAILERS)
        if websocket is not None:
            features.add(keys.FEATURE_WEBSOCKET)
        if full_duplex:
            features.add(keys.FEATURE_FULL_DUPLEX)
        if disconnected is not None:
            features.add(keys.FEATURE_DISCONNECT)
        #: ``ng.disconnected``; without the feature only set by ``gone()``.
        self.disconnected = disconnected or Disconnected()
        self.features = frozenset(features)
        self.headers_sent = False
        self.body_ended = False

    def install(self, environ):
        """Put the ``ng.`` keys (and the de-facto aliases) into *environ*.
        (Every request does this: the keys are this module's names, not
        ``keys``' attributes, and each bound method is made once.)"""
        early_hints, send_trailers = self.early_hints, self.send_trailers
        environ[_VERSION] = _SPEC_VERSION
        environ[_FEATURES] = self.features
        environ[_PUSH] = self.push
        environ[_EARLY_HINTS] = early_hints
        environ[_SEND_TRAILERS] = send_trailers
        environ[_DISCONNECTED] = self.disconnected
        environ[_ALIAS_EARLY_HINTS] = early_hints
        environ[_ALIAS_SEND_TRAILERS] = send_trailers
        if self.websocket is not None:
            environ[_WEBSOCKET] = self.websocket
        elif _WEBSOCKET in environ:
            del environ[_WEBSOCKET]
        return environ

    # -- the ng. callables ------------------------------------------------
    def push(self, path, headers=None):
        """``ng.push``: deliver a hint for *path* as well as this host can.

        Returns ``"push"``, ``"early_hint"``, ``"link"`` or ``"dropped"``.
        """
        if not is_native(path) or not path.startswith("/"):
            raise HeaderError("ng.push() takes an absolute path as a native "
                              "str, like '/app.css'; got %r" % (path,))
        clean_header("Link", path)
        headers = _check_hint_headers(headers, "ng.push()")
        result = self._deliver_push(path, headers)
        self.pushes = list(self.pushes) + [(path, headers, result)]
        return result

    def _deliver_push(self, path, headers):
        if self._push is not None and not self.body_ended \
                and self._push(path, headers):
            return keys.PUSHED
        if self.headers_sent:
            return keys.DROPPED
        link = preload_link(path)
        self.links = list(self.links) + [link]
        if self._early_hints is None:
            return keys.LINK
        # the next 103 takes it
        self._pending_hints = list(self._pending_hints) + [("Link", link)]
        return keys.EARLY_HINT

    def early_hints(self, headers):
        """``ng.early_hints``: send a 103 with *headers* and every hint
        collected from ``ng.push`` (see the module's doc); ``Link`` headers
        are repeated in the final response, and kept for it when no 103 can
        go out.  Returns whether a 103 went out."""
        headers = _check_hint_headers(headers, "ng.early_hints()")
        if self.headers_sent:
            return False
        self.links = list(self.links) + [v for n, v in headers
                                         if n.lower() == "link"]
        if self._early_hints is None:
            return False
        self._pending_hints = list(self._pending_hints) + headers
        return self._flush_hints()

    def _flush_hints(self):
        """Send the collected hints as one 103; whether one went out."""
        hints, self._pending_hints = self._pending_hints, ()
        if not hints or not self._early_hints(hints):
            return False
        self.hints_sent = list(self.hints_sent) + [hints]
        return True

    def send_trailers(self, headers):
        """``ng.send_trailers``: queue trailers; returns whether they will be
        sent.  Trailer-forbidden fields raise ``HeaderError``."""
        headers = _check_hint_headers(headers, "ng.send_trailers()")
        for name, _ in headers:
            if name.lower() in _NOT_TRAILERS:
                raise HeaderError("%r is not allowed in trailers (RFC 9110 "
                                  "section 6.5.1)" % (name,))
        if self.body_ended or not self._trailers_possible:
            return False
        self.trailers = list(self.trailers) + headers
        return True

    # -- the host's side ----------------------------------------------------
    def final_headers(self, headers):
        """Return the response headers to send: collected hints go out as a
        103 first, every hint is folded in as a ``Link`` header, and a
        ``Content-Length`` that would rule out trailers is settled (see the
        class's doc).  From now on hints can no longer become headers."""
        if self.headers_sent:
            raise StateError("final_headers() called twice")
        if self._pending_hints:
            self._flush_hints()
        self.headers_sent = True
        if self._trailers_need_chunking and self._trailers_possible:
            headers = self._settle_length(headers)
        if not self.links:
            return headers
        return headers + [("Link", link) for link in self.links]

    def _settle_length(self, headers):
        """HTTP/1.1 carries trailers only in a chunked body."""
        if not any(name.lower() == "content-length" for name, _ in headers):
            return headers
        if not self.trailers:
            self._trailers_possible = False  # later calls return False
            return headers
        # trailers promised before the headers: chunk the body instead
        return [(n, v) for n, v in headers if n.lower() != "content-length"]

    def gone(self):
        """The host found out the client has gone (e.g. a write failed)."""
        self.disconnected.set()

    def end_body(self):
        """Mark the body complete; later ``send_trailers`` calls return
        False and push can no longer be promised on this stream."""
        self.body_ended = True
