"""A Pyramid app: a guestbook with a login form, sessions, CSRF-checked
forms, static files and one WebSocket view that knows who is logged in.
Pyramid 2, Python 3::

    wsgi-ng serve guestbook:app

What makes it a wsgi-ng app is one line, ``config.include(...)`` in
``main``, and the view configured with ``websocket=True``.
"""
import binascii
import hashlib
import hmac
import html
import json
import os
import threading

from pyramid.authentication import SessionAuthenticationHelper
from pyramid.config import Configurator
from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPFound
from pyramid.response import Response
from pyramid.security import Allowed, Denied, forget, remember
from pyramid.session import SignedCookieSessionFactory
from pyramid.view import forbidden_view_config, view_config

HERE = os.path.dirname(os.path.abspath(__file__))
#: user name -> PBKDF2-SHA256 of the password, salted with "guestbook-NAME"
USERS = {"ada": "00895debd64eeb9a34452309d27b9f1a"
                "76d653d4651e5d7330af89620b1d9cfe"}

_entries = []  # (author, text), newest last; a real app has a database
_lock = threading.Lock()


def password_ok(name, password):
    expected = USERS.get(name)
    if expected is None:
        return False
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"),
                                 ("guestbook-" + name).encode("utf-8"), 100000)
    return hmac.compare_digest(binascii.hexlify(digest).decode(), expected)


class SecurityPolicy(object):
    """Logged-in users may sign; the user id lives in the session."""

    def __init__(self):
        self.helper = SessionAuthenticationHelper()

    def identity(self, request):
        return self.helper.authenticated_userid(request)

    def authenticated_userid(self, request):
        return self.identity(request)

    def permits(self, request, context, permission):
        return Allowed("logged in") if self.identity(request) else Denied(
            "not logged in")

    def remember(self, request, userid, **kw):
        return self.helper.remember(request, userid, **kw)

    def forget(self, request, **kw):
        return self.helper.forget(request, **kw)


PAGE = u"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Guestbook</title>
<link rel="stylesheet" href="/static/guestbook.css"></head>
<body><h1>Guestbook</h1>%s</body></html>"""


def page(request, body):
    request.push("/static/guestbook.css")
    return Response(PAGE % body, content_type="text/html", charset="utf-8")


@view_config(route_name="home", permission="sign", request_method="GET")
def home(request):
    with _lock:
        entries = list(_entries)
    items = u"".join(u"<li><b>%s</b> %s</li>" % (html.escape(a), html.escape(t))
                     for a, t in entries) or u"<li>Nobody yet.</li>"
    return page(request, u"""<p>Logged in as <strong>%s</strong></p>
<ul id="entries">%s</ul>
<form id="sign" method="post"><input type="hidden" name="csrf_token" value="%s">
<input name="text" maxlength="500" required> <button>Sign</button></form>
<p id="live" data-socket="%s">Live: connecting&hellip;</p>
<script src="/static/guestbook.js"></script>""" % (
        html.escape(request.authenticated_userid), items,
        get_csrf_token(request), request.route_path("live")))


@view_config(route_name="home", permission="sign", request_method="POST")
def sign(request):
    """The form: CSRF-checked by Pyramid (``require_csrf`` in ``main``)."""
    text = request.POST.get("text", u"").strip()[:500]
    if text:
        with _lock:
            _entries.append((request.authenticated_userid, text))
    return HTTPFound(request.route_url("home"))


@view_config(route_name="live", websocket=True, permission="sign")
def live(request):
    """Says hello to the logged-in user, then echoes what they write,
    signed with their name."""
    ws = request.websocket
    ws.accept()
    user = request.authenticated_userid
    ws.send_text(json.dumps({"hello": user}))
    for message in ws:
        ws.send_text(json.dumps({"from": user, "text": message}))


@view_config(route_name="login", request_method="GET")
def login_form(request, error=u""):
    return page(request, u"""%s<form id="login" method="post">
<input type="hidden" name="csrf_token" value="%s">
<input type="hidden" name="next" value="%s">
<p><label>Name <input name="username"></label></p>
<p><label>Password <input name="password" type="password"></label></p>
<button>Log in</button></form>""" % (
        error, get_csrf_token(request),
        html.escape(request.params.get("next", "/"))))


@view_config(route_name="login", request_method="POST")
def login(request):
    name = request.POST.get("username", u"")
    if not password_ok(name, request.POST.get("password", u"")):
        return login_form(request, u"<p>Wrong name or password.</p>")
    request.session.invalidate()  # a new session for the new user
    target = request.POST.get("next", u"/")
    if not target.startswith("/") or target.startswith("//"):
        target = "/"  # no open redirect
    return HTTPFound(target, headers=remember(request, name))


@view_config(route_name="logout", request_method="POST")
def logout(request):
    return HTTPFound(request.route_url("login"), headers=forget(request))


@forbidden_view_config()
def forbidden(request):
    """Not logged in: to the login form (a WebSocket handshake too: a
    redirect refuses it)."""
    if request.authenticated_userid:
        return Response("Forbidden\n", status=403, content_type="text/plain")
    return HTTPFound(request.route_url("login", _query={"next": request.path}))


def main(global_config=None, **settings):
    """The WSGI app (a PasteDeploy ``main`` too)."""
    secret = os.environ.get("GUESTBOOK_SECRET", "example-only-not-secret")
    secure = os.environ.get("GUESTBOOK_HTTPS") == "1"
    with Configurator(settings=settings) as config:
        config.include("wsgi_ng.adapters.pyramid")  # wsgi-ng
        config.set_session_factory(SignedCookieSessionFactory(
            secret, secure=secure, httponly=True, samesite="Lax"))
        config.set_security_policy(SecurityPolicy())
        config.set_default_csrf_options(require_csrf=True)
        config.add_route("home", "/")
        config.add_route("live", "/live")
        config.add_route("login", "/login")
        config.add_route("logout", "/logout")
        config.add_static_view("static", os.path.join(HERE, "static"))
        config.scan(__name__)
        return config.make_wsgi_app()


app = main()
