"""A conformance linter for both sides of the wsgi-ng contract.

Wrap an app with ``LintMiddleware(app)`` while developing or testing, in the
spirit of ``wsgiref.validate`` and werkzeug's ``LintMiddleware``.  It checks

* the host: ``ng.version``, a ``frozenset`` of known ``ng.features``, every
  ``ng.`` callable present, ``ng.websocket`` only with the ``websocket``
  feature, and that the callables return what the spec allows;
* the app: status and headers (native strings, no CR/LF, nothing
  connection-specific on HTTP/2), bytes-only body blocks, one
  ``start_response`` unless ``exc_info`` is passed, no ``start_response``
  after ``accept()`` but the single ``101`` frameworks send, no
  ``accept()`` after ``start_response``, an empty body after ``accept()``,
  ``serve()`` only after ``accept()``, handlers that return nothing (a
  coroutine would never run), and trailers only before the body ends;
* the host's calls of a ``serve()`` handler: one at a time, messages that
  are text or bytes, no ``on_message`` after ``on_close``, which comes
  once.

Contract violations raise ``LintError`` naming the guilty side ("app:" or
"host:"); legal but suspicious use emits a ``LintWarning``.
"""
import threading
import warnings

from wsgi_ng import keys
from wsgi_ng.errors import LocalProtocolError
from wsgi_ng.iterables import WrappedBody
from wsgi_ng._compat import text_type
from wsgi_ng.validate import check_body_block, check_status, clean_headers
from wsgi_ng.wshandler import handler_calls

_CALLABLES = (keys.PUSH, keys.EARLY_HINTS, keys.SEND_TRAILERS)
_SESSION_API = ("subprotocols", "accept", "receive", "send", "ping", "close",
                "serve")


class LintError(LocalProtocolError, AssertionError):
    """One side of the wsgi-ng contract was broken; the message says which."""


class LintWarning(UserWarning):
    """Legal but probably unintended use of the interface."""


def _fail(side, message):
    raise LintError("%s: %s" % (side, message))


def check_host_environ(environ):
    """Check what the host put into *environ*; raise ``LintError``."""
    ng_keys = [k for k in environ if k.startswith("ng.")]
    if not ng_keys:
        return  # a plain WSGI host: nothing of ours to check
    if environ.get(keys.VERSION) != keys.SPEC_VERSION:
        _fail("host", "ng.version must be %r, got %r"
              % (keys.SPEC_VERSION, environ.get(keys.VERSION)))
    features = environ.get(keys.FEATURES)
    if type(features) is not frozenset:
        _fail("host", "ng.features must be a frozenset, got %r" % (features,))
    unknown = features - keys.ALL_FEATURES
    if unknown:
        warnings.warn("host: unknown feature names %s in ng.features"
                      % sorted(unknown), LintWarning, stacklevel=3)
    for key in _CALLABLES:
        if not callable(environ.get(key)):
            _fail("host", "%s must always be present and callable (features: "
                  "%s)" % (key, sorted(features)))
    session = environ.get(keys.WEBSOCKET)
    if session is not None:
        if keys.FEATURE_WEBSOCKET not in features:
            _fail("host", "ng.websocket is set but 'websocket' is not in "
                  "ng.features")
        missing = [name for name in _SESSION_API if not hasattr(session, name)]
        if missing:
            _fail("host", "ng.websocket lacks %s" % ", ".join(missing))
    terminated = environ.get(keys.INPUT_TERMINATED, False)
    if not isinstance(terminated, bool):
        _fail("host", "wsgi.input_terminated must be a bool, got %r"
              % (terminated,))


class _Request(object):
    """The linted state of one call: what the app did, in what order."""

    def __init__(self, environ, start_response):
        self.start_response_host = start_response
        self.http2 = environ.get("SERVER_PROTOCOL", "").startswith("HTTP/2")
        self.status = None
        self.accepted = False
        self.refused = False  # closed before accept()
        self.framework_answer = False  # the one 101 after accept() was made
        self.headers_out = False  # a non-empty block went out: headers sent
        self.body_ended = False

    def start_response(self, status, headers, exc_info=None):
        if self.accepted or (self.refused and status[:4] == "101 "):
            if status[:4] != "101 " or self.framework_answer:
                _fail("app", "start_response(%r) after ng.websocket.accept(): "
                      "an accepted WebSocket has no HTTP response; only one "
                      "101 is allowed" % (status,))
            self.framework_answer = True
            return self.start_response_host(status, headers, exc_info)
        self.refused = False
        if self.status is not None and exc_info is None:
            _fail("app", "start_response() called twice without exc_info")
        check_status(status)
        if status.startswith("1"):
            _fail("app", "%r is not a final status; send 103 with "
                  "environ['ng.early_hints']" % status)
        clean_headers(headers, http2=self.http2)
        self.status = status
        write = self.start_response_host(status, headers, exc_info)

        def linted_write(block):
            check_body_block(block)
            self.headers_out = self.headers_out or bool(block)
            return write(block)
        return linted_write


class _LintedWebSocket(object):
    """A proxy that notices ``accept()`` against the request's state."""

    def __init__(self, session, request):
        self._session = session
        self._request = request

    def accept(self, subprotocol=None, headers=None):
        if self._request.status is not None:
            _fail("app", "ng.websocket.accept() after start_response(): the "
                  "handshake was already answered with %s"
                  % self._request.status)
        self._session.accept(subprotocol, headers)
        self._request.accepted = True

    def close(self, code=1000, reason=""):
        if not self._request.accepted and self._request.status is None:
            self._request.refused = True
        self._session.close(code, reason)

    def serve(self, handler, on_close=None):
        if not self._request.accepted:
            _fail("app", "ng.websocket.serve() before accept(): there is no "
                  "session to serve yet")
        linted = _LintedHandler(self, *handler_calls(handler, on_close))
        self._session.serve(linted.on_message, linted.on_close)

    def __getattr__(self, name):
        return getattr(self._session, name)

    def __iter__(self):
        return iter(self._session)


class _LintedHandler(object):
    """A ``serve()`` handler between the host's calls and the app's."""

    def __init__(self, session, on_message, on_close):
        self._session = session  # the linted one, handed to the app
        self._on_message = on_message
        self._on_close = on_close
        self._calling = threading.Lock()
        self._closed = False

    def on_message(self, ws, message):
        if self._closed:
            _fail("host", "on_message() after on_close()")
        if not isinstance(message, (text_type, bytes)):
            _fail("host", "a WebSocket message must be text or bytes, got %s"
                  % type(message).__name__)
        if not self._calling.acquire(False):
            _fail("host", "on_message() while another call for the same "
                  "session runs: calls come one at a time")
        try:
            _returns_nothing(self._on_message(self._session, message),
                             "on_message")
        finally:
            self._calling.release()

    def on_close(self, ws, code, reason):
        if self._closed:
            _fail("host", "on_close() twice")
        self._closed = True
        if code is not None and not isinstance(code, int):
            _fail("host", "on_close() got the code %r, not an int" % (code,))
        if self._on_close is not None:
            _returns_nothing(self._on_close(self._session, code, reason),
                             "on_close")


def _returns_nothing(value, name):
    if value is None:
        return
    if hasattr(value, "__await__") or hasattr(value, "send"):
        _fail("app", "%s() returned %r: handlers are synchronous, so a "
              "coroutine or generator would never run" % (name, value))
    warnings.warn("app: %s() returned %r; the host ignores it"
                  % (name, value), LintWarning, stacklevel=3)


def _lint_callables(environ, request):
    push, hints, trailers = (environ[k] for k in _CALLABLES)

    def linted_push(path, headers=None):
        if request.body_ended:
            warnings.warn("app: ng.push(%r) after the body ended is always "
                          "dropped" % (path,), LintWarning, stacklevel=2)
        result = push(path, headers)
        if result not in keys.PUSH_RESULTS:
            _fail("host", "ng.push returned %r, not one of %s"
                  % (result, sorted(keys.PUSH_RESULTS)))
        return result

    def linted_early_hints(headers):
        if request.headers_out:
            warnings.warn("app: ng.early_hints() after the first body block: "
                          "the final headers are out, the hint has no effect",
                          LintWarning, stacklevel=2)
        return _boolean("ng.early_hints", hints(headers))

    def linted_send_trailers(headers):
        if request.body_ended:
            _fail("app", "ng.send_trailers() after the body iterable ended; "
                  "call it before the last block is produced")
        return _boolean("ng.send_trailers", trailers(headers))

    environ[keys.PUSH] = linted_push
    environ[keys.EARLY_HINTS] = environ[keys.ALIAS_EARLY_HINTS] = \
        linted_early_hints
    environ[keys.SEND_TRAILERS] = environ[keys.ALIAS_SEND_TRAILERS] = \
        linted_send_trailers


def _boolean(name, value):
    if not isinstance(value, bool):
        _fail("host", "%s must return a bool, got %r" % (name, value))
    return value


class _LintedBody(WrappedBody):
    """The app's iterable, checked block by block; ``close()`` passes on."""

    def __init__(self, result, request):
        WrappedBody.__init__(self, result)
        self._request = request

    def __iter__(self):
        request = self._request
        for block in self._result:
            check_body_block(block)
            if (request.accepted or request.refused) and block:
                _fail("app", "an app that accepted or closed a WebSocket must "
                      "return an empty iterable, it produced %r" % block[:40])
            if not (request.accepted or request.refused) and \
                    request.status is None:
                _fail("app", "body block produced before start_response()")
            request.headers_out = request.headers_out or bool(block)
            yield block
        request.body_ended = True


class LintMiddleware(object):
    """Check every request through *app* against the wsgi-ng contract."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        check_host_environ(environ)
        request = _Request(environ, start_response)
        if keys.VERSION in environ:
            _lint_callables(environ, request)
        session = environ.get(keys.WEBSOCKET)
        if session is not None:
            environ[keys.WEBSOCKET] = _LintedWebSocket(session, request)
        return _LintedBody(self.app(environ, request.start_response), request)
