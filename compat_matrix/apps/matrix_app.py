"""The app every host of the matrix serves, started once per host: each
scenario's routes under a path of its own (``/push/...``), so a server's
log lines tell which scenario they belong to.

wsgi-ng routes (the probe of tests/hosts and a few of its own) next to
legacy apps, each contained with ``from_wsgi`` as wsgi-ng tells users to
contain them: a Flask session, the repository's legacy Flask example,
flask-sock's own example (Python 3), the Flask-Login app of
tests/realapps and a project made by ``django-admin startproject`` (its
folder in ``MATRIX_DJANGO_PROJECT``).  ``to_wsgi`` outside all of it, so
the one app runs on every server.
"""
import hashlib
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, os.pardir, os.pardir)
sys.path[:0] = [os.path.join(ROOT, "tests", "hosts"),
                os.path.join(ROOT, "tests", "realapps", "apps"),
                os.path.join(ROOT, "tests", "legacyws"),
                os.path.join(ROOT, "examples", "legacy_flask")]

from payload import blocks  # noqa: E402
from probe_app import echo, features, framework_echo, upload  # noqa: E402
from wsgi_ng import keys  # noqa: E402
from wsgi_ng.shims import from_wsgi, to_wsgi  # noqa: E402

#: Where the disconnect scenario's close() leaves its mark (per server).
STATE = os.environ.get("MATRIX_STATE", "")


def text(start_response, status, body, headers=()):
    data = body.encode("utf-8")
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"),
                            ("Content-Length", str(len(data)))] + list(headers))
    return [data]


def hello(environ, start_response):
    return text(start_response, "200 OK", u"hello, world\n")


def set_cookies(environ, start_response):
    """Two cookies, the first written the way Django writes every
    ``Set-Cookie`` (with a leading space)."""
    return text(start_response, "200 OK", u"two cookies\n", [
        ("Set-Cookie", " flavour=oatmeal; Path=/"),
        ("Set-Cookie", "size=large; Path=/")])


def echo_cookies(environ, start_response):
    return text(start_response, "200 OK", environ.get("HTTP_COOKIE", u""))


def download(environ, start_response):
    """A large body, streamed in blocks of 64 KiB with no length."""
    size = int(environ.get("QUERY_STRING", "").partition("=")[2] or 8 << 20)
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    return iter(blocks(size))


class Endless(object):
    """Blocks until the client leaves (at most 256 MiB); ``close()`` -- which
    PEP 3333 says the server calls, also when the client left -- leaves a
    file named by the request's token."""

    def __init__(self, token):
        self.token = token
        self._blocks = iter(blocks(256 << 20))

    def __iter__(self):
        return self._blocks

    def close(self):
        with open(os.path.join(STATE, self.token), "w") as mark:
            mark.write("closed")


def token_of(environ):
    token = environ.get("QUERY_STRING", "").partition("=")[2]
    assert token.isalnum(), token
    return token


def endless(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    return Endless(token_of(environ))


def closed(environ, start_response):
    """``closed`` once the endless response of the token was closed (waits
    up to 10 s for it), else ``open``."""
    path = os.path.join(STATE, token_of(environ))
    deadline = time.time() + 10
    while not os.path.exists(path) and time.time() < deadline:
        time.sleep(0.02)  # the app's own bounded wait, not the test's
    return text(start_response, "200 OK",
                u"closed" if os.path.exists(path) else u"open")


def deny(environ, start_response):
    """A WebSocket denied the way any request is refused: a status and a
    body of the app's own, on every host."""
    return text(start_response, "403 Forbidden", u"no WebSocket for you\n")


def refuse(environ, start_response):
    """Close before accept: the host answers 403 (where it offers a
    WebSocket at all; elsewhere the app's fallback)."""
    ws = environ.get(keys.WEBSOCKET)
    if ws is None:
        return text(start_response, "426 Upgrade Required",
                    u"fallback: no WebSocket on this host\n")
    ws.close()
    return []


def push_page(environ, start_response):
    how = environ[keys.PUSH]("/push/app.css")
    start_response("200 OK", [("Content-Type", "text/html"), ("X-Push", how)])
    return [b"<link rel=stylesheet href=/push/app.css><h1>push</h1>"]


def stylesheet(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/css")])
    return [b"h1 { color: teal; }\n"]


FONT_HINT = "</early-hints/font.woff2>; rel=preload; as=font; crossorigin"


def hints_page(environ, start_response):
    sent = environ[keys.EARLY_HINTS]([("Link", FONT_HINT)])
    start_response("200 OK", [("Content-Type", "text/html"),
                              ("X-Early-Hints", "sent" if sent else "not sent")])
    return [b"<h1>early hints</h1>"]


def trailers_page(environ, start_response):
    """A streamed body with its checksum in a trailer."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    digest = hashlib.sha256()
    for number in range(3):
        block = ("line %d\n" % number).encode("ascii")
        digest.update(block)
        yield block
    environ[keys.SEND_TRAILERS]([("X-Checksum", digest.hexdigest())])


def duplex(environ, start_response):
    """Each line of the request body answered, upper-cased, as it comes --
    where the host can (``full_duplex``); else after reading it all."""
    streaming = keys.FEATURE_FULL_DUPLEX in environ[keys.FEATURES]
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("X-Full-Duplex", "yes" if streaming else "no")])
    body = environ["wsgi.input"]
    if not streaming:
        return [body.read().upper()]
    return iter(lambda: body.readline().upper(), b"")


ROUTES = {
    "/plain/features": features,
    "/cookies/set": set_cookies, "/cookies/echo": echo_cookies,
    "/upload-unsized/upload": upload,
    "/download/body": download,
    "/disconnect/endless": endless, "/disconnect/closed": closed,
    "/websocket-echo/ws": echo, "/websocket-close/ws": echo,
    "/websocket-echo/framework": framework_echo,
    "/websocket-denial/deny": deny, "/websocket-denial/refuse": refuse,
    "/push/page": push_page, "/push/app.css": stylesheet,
    "/early-hints/page": hints_page,
    "/trailers/page": trailers_page,
    "/full-duplex/echo": duplex,
}


def flask_session_app():
    import flask
    app = flask.Flask("matrix_session")
    app.secret_key = "the matrix's own"

    @app.route("/visit")
    def visit():
        flask.session["visits"] = flask.session.get("visits", 0) + 1
        return "visit %d\n" % flask.session["visits"]
    return app


def legacy_flask():
    from flask_app import app
    return app


def flask_sock():
    """Mounted as it is, as its users serve it on a WSGI server (it takes
    gunicorn's socket itself); wsgi-ng servers serve it alone."""
    from flask_sock_echo import app  # Python 3 only, as flask-sock
    return app


def flask_login():
    from flask_login_app import app
    return app


def django_project():
    project = os.environ["MATRIX_DJANGO_PROJECT"]
    sys.path.insert(0, project)
    from django.core.wsgi import get_wsgi_application
    return get_wsgi_application()


#: path prefix -> what makes the legacy app mounted there
MOUNTS = [("/cookies/session", flask_session_app),
          ("/from-wsgi", legacy_flask), ("/flask-sock", flask_sock),
          ("/login/flask", flask_login), ("/login/django", django_project),
          ("/form-csrf", django_project)]


def unavailable(why):
    def answer(environ, start_response):
        return text(start_response, "501 Not Implemented", why + u"\n")
    return answer


def mounted():
    """Each legacy app contained, or an app saying why it cannot be had on
    this Python (flask-sock needs Python 3)."""
    made = {}
    apps = []
    for prefix, make in MOUNTS:
        if make not in made:
            try:
                made[make] = make() if make is flask_sock else from_wsgi(make())
            except (ImportError, KeyError) as error:
                made[make] = unavailable(u"%s: %s" % (make.__name__, error))
        apps.append((prefix, made[make]))
    return apps


APPS = mounted()


def dispatch(environ, start_response):
    path = environ["PATH_INFO"]
    if path in ROUTES:
        return ROUTES[path](environ, start_response)
    if path.endswith("/hello"):  # under any scenario's path: is it serving?
        return hello(environ, start_response)
    for prefix, app in APPS:
        if path == prefix or path.startswith(prefix + "/"):
            mounted = dict(environ, PATH_INFO=path[len(prefix):] or "/",
                           SCRIPT_NAME=environ.get("SCRIPT_NAME", "") + prefix)
            return app(mounted, start_response)
    return text(start_response, "404 Not Found", u"no such route\n")


application = to_wsgi(dispatch)
