"""Facts about the real servers, stated here rather than asked of the shim:
the host tests assert them on the wire, and tests/test_docs.py checks that
docs/shims.rst says the same."""
import sys

#: wsgiref lets an app's vanished client pass quietly only from Python 3.7.
QUIET_WSGIREF = sys.version_info >= (3, 7)


def _version(module):
    try:
        version = __import__(module).__version__.split(".")
    except ImportError:
        return (0, 0)
    return int(version[0]), int(version[1])


#: eventlet 0.41 takes WebSocket sessions cleanly; 0.30 (Python 2) does not.
EVENTLET_WEBSOCKET = _version("eventlet") >= (0, 41)
TAKEOVER = ["gunicorn-sync", "gunicorn-gthread", "gunicorn-gevent", "werkzeug",
            "gevent", "cheroot", "uwsgi"] + (["wsgiref"] if QUIET_WSGIREF else []) + (
    ["eventlet"] if EVENTLET_WEBSOCKET else [])
NO_WEBSOCKET = ["waitress", "mod_wsgi"] + ([] if QUIET_WSGIREF else ["wsgiref"]) + (
    [] if EVENTLET_WEBSOCKET else ["eventlet"])
ALL = TAKEOVER + NO_WEBSOCKET
#: Servers that cannot decode a chunked request body: to_wsgi answers 411.
NO_CHUNKED = ["wsgiref"]


def sends_103(name):
    """gunicorn sends real 103s (wsgi.early_hints) from version 25 on."""
    if not name.startswith("gunicorn"):
        return False
    import gunicorn
    return gunicorn.version_info >= (25,)


#: Servers' HTTP/2: what to_wsgi offers there, whether a body without a
#: length is delivered (mod_wsgi's daemon mode silently drops it), and
#: whether the server turns a ``Link: rel=preload`` into a real push
#: (mod_http2's ``H2Push``, on by default).
H2_HOSTS = {
    "gunicorn-h2": {"features": ["early_hints", "trailers"],
                    "unsized_body": True, "pushes_links": False},
    "mod_wsgi-h2": {"features": [], "unsized_body": False,
                    "pushes_links": True},
    "mod_wsgi-embedded-h2": {"features": [], "unsized_body": True,
                             "pushes_links": True},
}
