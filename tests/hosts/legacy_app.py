"""The example Django project and legacy Flask app, hardened for a plain
WSGI server with ``to_wsgi(from_wsgi(app))``: to_wsgi knows the server,
from_wsgi gives the framework a CONTENT_LENGTH for bodies without one."""
import os
import sys

from wsgi_ng.shims import from_wsgi, to_wsgi

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                        os.pardir, "examples")
sys.path[:0] = [os.path.join(EXAMPLES, "django_project"),
                os.path.join(EXAMPLES, "legacy_flask")]

from flask_app import app as _flask  # noqa: E402
from mysite.wsgi import application as _django  # noqa: E402

flask = to_wsgi(from_wsgi(_flask))
django = to_wsgi(from_wsgi(_django))


def both(environ, start_response):
    """Django under ``/django``, Flask under ``/flask``: one server start
    serves the tests of both."""
    prefix, _, rest = environ["PATH_INFO"][1:].partition("/")
    environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + "/" + prefix
    environ["PATH_INFO"] = "/" + rest
    return (django if prefix == "django" else flask)(environ, start_response)


def with_probe(environ, start_response):
    """The frameworks next to the probe app (``/django``, ``/flask``,
    everything else the probe): the HTTP/2 host tests share one server."""
    from probe_app import application as probe
    prefix = environ["PATH_INFO"][1:].partition("/")[0]
    app = both if prefix in ("django", "flask") else probe
    return app(environ, start_response)
