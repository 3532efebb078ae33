"""Which apps the server runs as they are and which it contains.

A wsgi-ng app that says so runs as it is.  Any other WSGI app -- a Django
project, a Flask app -- is run through ``from_wsgi``, which gives it a
``CONTENT_LENGTH`` for bodies without one, strips HTTP/2-illegal headers it
sets and never upgrades it to a WebSocket behind its back, while its
wsgi-ng views still find every ``ng.`` key, the WebSocket session
included.  So ``wsgi-ng serve mysite.wsgi:application`` just works, and so
does a wsgi-ng app served without a flag; ``--ng`` only adds full-duplex
streaming of request bodies without a length.
"""
from wsgi_ng.shims.contained import from_wsgi, is_contained
from wsgi_ng.shims.exposed import ExposedApp

#: Set on an app (``app.wsgi_ng = True``) to declare it wsgi-ng aware.
MARKER = "wsgi_ng"


def is_ng_app(app):
    """True when *app* declares itself wsgi-ng aware (the marker, or it is
    already one of the shims' wrappers)."""
    return (getattr(app, MARKER, False) is True or is_contained(app)
            or isinstance(app, ExposedApp))


def prepare_app(app, ng, max_body_size):
    """*app* as the server should call it; *ng* overrides detection (None:
    detect).  A contained app spools bodies without a length up to the
    server's *max_body_size*, so ``--max-body-size`` means the same for
    every app."""
    aware = is_ng_app(app) if ng is None else ng
    return app if aware else from_wsgi(app, max_body_size=max_body_size)
