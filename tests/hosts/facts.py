"""Facts about the real servers, stated here rather than asked of the shim:
the host tests assert them on the wire, and tests/test_docs.py checks that
docs/shims.rst says the same."""
import sys

#: wsgiref lets an app's vanished client pass quietly only from Python 3.7.
QUIET_WSGIREF = sys.version_info >= (3, 7)
TAKEOVER = ["gunicorn-sync", "gunicorn-gthread", "werkzeug"] + (
    ["wsgiref"] if QUIET_WSGIREF else [])
NO_WEBSOCKET = ["waitress"] + ([] if QUIET_WSGIREF else ["wsgiref"])
ALL = TAKEOVER + NO_WEBSOCKET
#: Servers that cannot decode a chunked request body: to_wsgi answers 411.
NO_CHUNKED = ["wsgiref"]


def sends_103(name):
    """gunicorn sends real 103s (wsgi.early_hints) from version 25 on."""
    if not name.startswith("gunicorn"):
        return False
    import gunicorn
    return gunicorn.version_info >= (25,)
