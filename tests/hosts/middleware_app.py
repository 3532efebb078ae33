"""The probe app behind real third-party WSGI middleware, for the host
tests: each stack must keep WebSocket, push and trailers working."""
import os

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.middleware.shared_data import SharedDataMiddleware

from probe_app import ng_app
from wsgi_ng.shims import to_wsgi

STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")


def not_found(environ, start_response):
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"outside the mounted app\n"]


def stack(app):
    """ProxyFix outside, a mount point, static files: a typical deployment."""
    app = SharedDataMiddleware(app, {"/static": STATIC})
    app = DispatcherMiddleware(not_found, {"/ng": app})
    return ProxyFix(app, x_for=1, x_proto=1)


# to_wsgi inside the middleware and outside it: both must work.
inner = stack(to_wsgi(ng_app))
outer = to_wsgi(stack(ng_app))
