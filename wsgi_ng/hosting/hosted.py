"""The app a hosted server loads: the user's app, wrapped as asked.

``live.LiveServer`` writes a one-line entry module naming the user's app
(``module:attribute``), the server's family and a *wrap*:

``default``
    the app as it is, as each server runs it by default: ``wsgi-ng
    serve`` contains a plain WSGI app with ``from_wsgi`` by itself, a WSGI
    server adds nothing;
``none``
    nothing added anywhere: a wsgi-ng server is told the app is written
    for wsgi-ng (no containment), so what a shim does shows by its absence;
``recommended``
    what wsgi-ng's documentation tells a user to deploy: on a WSGI server
    ``to_wsgi(from_wsgi(app))`` (or ``to_wsgi(app)`` for a wsgi-ng app);
``switch``
    each request picks one of the ``VARIANTS`` of its server's family by
    its ``X-Wsgi-Ng-Wrap`` header (``none`` without one): how ``wsgi-ng
    check`` finds which shim removes a difference on a WSGI server, with
    one server start.  (A wsgi-ng server decides containment, and with it
    the socket handover, for the app as a whole: there each variant is a
    start of its own, ``none`` and ``default``.)

An ASGI server (Python 3) runs an ASGI app as it is, and any other through
``to_asgi`` -- a wsgi-ng host that, unlike ``wsgi-ng serve``, contains
nothing by itself: there the wraps are a wsgi-ng server's, chosen per
request.
"""
from wsgi_ng.hosting.servers import ASGI, WSGI_NG
from wsgi_ng.server.apps import MARKER, is_ng_app
from wsgi_ng.shims import from_wsgi, to_wsgi
from wsgi_ng.startup import load_app

#: The request header of the ``switch`` wrap, as it is in the environ.
WRAP_HEADER = "X-Wsgi-Ng-Wrap"
_WRAP_KEY = "HTTP_" + WRAP_HEADER.upper().replace("-", "_")

#: The shims to try, lightest first, on each family of server.
VARIANTS = {
    WSGI_NG: ("none", "from_wsgi"),
    "wsgi": ("none", "to_wsgi", "to_wsgi+from_wsgi"),
    ASGI: ("none", "from_wsgi"),  # inside to_asgi, which is a wsgi-ng host
}


class AsIs(object):
    """*app* marked as written for wsgi-ng, so that a wsgi-ng server runs
    it without containing it."""

    def __init__(self, app):
        self.app = app
        setattr(self, MARKER, True)

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


def variant(app, family, name):
    """*app* through the shims *name* says (one of ``VARIANTS``)."""
    if name == "none":
        return AsIs(app) if family == WSGI_NG else app
    if name == "from_wsgi":
        return from_wsgi(app)
    if name == "to_wsgi":
        return to_wsgi(app)
    if name == "to_wsgi+from_wsgi":
        return to_wsgi(from_wsgi(app))
    raise ValueError("no wrap variant %r" % (name,))


def recommended(app, family):
    """What the docs tell a user to deploy on a server of *family*."""
    if family == WSGI_NG or is_ng_app(app):
        return app if family == WSGI_NG else to_wsgi(app)
    return to_wsgi(from_wsgi(app))


class Switch(object):
    """Each request served by the variant its ``X-Wsgi-Ng-Wrap`` names."""

    def __init__(self, app, family):
        self.variants = dict((name, variant(app, family, name))
                             for name in VARIANTS[family])
        setattr(self, MARKER, True)  # the variants decide, not the server

    def __call__(self, environ, start_response):
        name = environ.pop(_WRAP_KEY, "none")
        if name not in self.variants:
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [("%s must be one of %s\n" % (WRAP_HEADER, ", ".join(
                sorted(self.variants)))).encode("ascii")]
        return self.variants[name](environ, start_response)


def entry(spec, family, wrap):
    """The callable a server of *family* runs for the app *spec*: WSGI, or
    for an ASGI server ASGI."""
    app = load_app(spec)
    if family != ASGI:
        return wsgi_entry(app, family, wrap)
    if is_asgi(app):
        return app
    from wsgi_ng.adapters.asgi import to_asgi  # Python 3 only
    # the default: the app as it is (to_asgi contains nothing by itself)
    return to_asgi(app if wrap == "default" else wsgi_entry(app, WSGI_NG, wrap))


def is_asgi(app):
    """True for an ASGI 3 app: a coroutine function, or an object whose
    ``__call__`` is one."""
    import inspect
    return inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(
        getattr(type(app), "__call__", None))


def wsgi_entry(app, family, wrap):
    """The WSGI callable for *app* on a server of *family*."""
    if wrap == "default":
        return app
    if wrap == "none":
        return variant(app, family, "none")
    if wrap == "recommended":
        return recommended(app, family)
    if wrap == "switch":
        return Switch(app, family)
    raise ValueError("no wrap %r" % (wrap,))
