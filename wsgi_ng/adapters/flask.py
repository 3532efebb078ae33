"""Flask in its own idiom: flask-sock's ``Sock`` on ``ng.websocket``, and a
request and response class that know wsgi-ng.

An app written for flask-sock moves by changing one import::

    from wsgi_ng.adapters.flask import Sock      # was: from flask_sock import Sock

    sock = Sock(app)

    @sock.route("/echo")
    def echo(ws):
        while True:
            ws.send(ws.receive())

The view gets the object flask-sock gives (``wsgi_ng.adapters.simplews``:
simple-websocket's ``send``, ``receive(timeout=None)``, ``close(reason=None,
message=None)``, ``connected``...), and ``ConnectionClosed`` is importable
from here as from ``flask_sock``.  The session is the host's
``ng.websocket``, so the route works on every wsgi-ng host, over HTTP/2
too (RFC 8441), and -- since ``Sock`` exposes the app with ``to_wsgi`` --
on every plain WSGI server that lets a socket go (see ``docs/shims.rst``).

For views of your own::

    from wsgi_ng.adapters.flask import Request, Response
    app.request_class, app.response_class = Request, Response

gives ``request.websocket``, ``request.features``, ``request.push()``,
``request.early_hints()`` and ``response.trailers``.  Flask 1.1 (Python
2.7) up to 3.x.
"""
from __future__ import absolute_import

import functools
import sys

import flask

from wsgi_ng import keys
from wsgi_ng.adapters.request import NgRequestMixin
from wsgi_ng.adapters.simplews import ConnectionClosed, Server
from wsgi_ng.adapters.werkzeug import NgResponseMixin
from wsgi_ng.shims.exposed import to_wsgi
from wsgi_ng.websocket import end_session

__all__ = ["ConnectionClosed", "Request", "Response", "Sock"]

#: The 426 a WebSocket route gives a request it cannot serve.
_NO_HANDSHAKE = ("This is a WebSocket endpoint: connect with a WebSocket "
                 "client.\n")
_HOST_CANNOT = ("This server cannot accept a WebSocket on this connection "
                "(a plain WSGI server that lets no socket go): see wsgi-ng's "
                "docs/shims.rst.\n")
_INTERNAL_ERROR = 1011


class Request(NgRequestMixin, flask.Request):
    """Flask's request with ``websocket``, ``features``, ``push()``,
    ``early_hints()`` and ``send_trailers()``."""


class Response(NgResponseMixin, flask.Response):
    """Flask's response with ``trailers`` (``wsgi_ng.adapters.werkzeug``)."""


class Sock(object):
    """flask-sock's extension, on the host's WebSocket session.

    ``Sock(app)`` or ``Sock()`` and later ``init_app(app)``; the
    ``SOCK_SERVER_OPTIONS`` config (``subprotocols``, ``ping_interval``,
    ``max_message_size``...) is read as flask-sock reads it.
    """

    def __init__(self, app=None):
        self.app = None
        self.bp = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app):
        """Register the routes made before the app was known, and expose
        the app with ``to_wsgi``, so that a plain WSGI server gives its
        views a session too (on a wsgi-ng host it passes straight on)."""
        if self.bp is not None:
            app.register_blueprint(self.bp)
        app.wsgi_app = to_wsgi(app.wsgi_app)
        self.app = app

    def route(self, path, bp=None, **kwargs):
        """Decorator for a WebSocket route: the view is called with the
        ``ws`` object first, then the URL's variables.  *bp*: a blueprint
        to put the route on (the app registers it); other keyword
        arguments are ``app.route``'s."""
        def decorator(view):
            @functools.wraps(view)
            def websocket_route(*args, **kwargs):
                return _serve(view, args, kwargs)

            if ROUTING_TELLS_HANDSHAKES:
                kwargs["websocket"] = True
            if bp is not None:
                bp.route(path, **kwargs)(websocket_route)
            elif self.app is not None:
                self.app.route(path, **kwargs)(websocket_route)
            else:
                if self.bp is None:
                    self.bp = flask.Blueprint("__wsgi_ng_sock", __name__)
                self.bp.route(path, **kwargs)(websocket_route)
            return view
        return decorator


def _serve(view, args, kwargs):
    """Run a WebSocket *view* for this request; the response ends it."""
    environ = flask.request.environ
    session = environ.get(keys.WEBSOCKET)
    if session is None:
        return _refusal(environ)
    app = flask.current_app._get_current_object()
    ws = Server(session, environ, **app.config.get("SOCK_SERVER_OPTIONS", {}))
    try:
        view(ws, *args, **kwargs)
    except ConnectionClosed:
        pass  # the client left: an ordinary end
    except Exception:
        # no 500 can be sent any more: close with 1011, log Flask's way
        app.log_exception(sys.exc_info())
        end_session(session, _INTERNAL_ERROR)
    ws.end()
    return app.response_class(status=101)  # the host ignores this answer


def _refusal(environ):
    """The 426 for a request that is no handshake (Werkzeug 1.0 routes it
    here) or one the host cannot accept."""
    handshake = "websocket" in environ.get("HTTP_UPGRADE", "").lower()
    response = flask.current_app.response_class(
        _HOST_CANNOT if handshake else _NO_HANDSHAKE, status=426,
        mimetype="text/plain")
    if not environ.get("SERVER_PROTOCOL", "").startswith("HTTP/2"):
        response.headers["Upgrade"] = "websocket"  # RFC 9110 section 15.5.22
    return response


def _routing_tells_handshakes():
    """Whether werkzeug's routing sees a WebSocket handshake as one, so
    that ``websocket=True`` rules match it (Werkzeug 2.0 and later); on
    Werkzeug 1.0 it never does, and the route is a plain ``GET`` rule."""
    from werkzeug.routing import Map
    adapter = Map().bind_to_environ({
        "wsgi.url_scheme": "http", "SERVER_NAME": "localhost",
        "SERVER_PORT": "80", "REQUEST_METHOD": "GET", "PATH_INFO": "/",
        "HTTP_HOST": "localhost", "HTTP_UPGRADE": "websocket",
        "HTTP_CONNECTION": "Upgrade"})
    return bool(getattr(adapter, "websocket", False))


ROUTING_TELLS_HANDSHAKES = _routing_tells_handshakes()
