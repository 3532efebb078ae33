"""Legacy apps, as their frameworks make them, contained with
``from_wsgi``: the repository's legacy Flask example (an upload without a
length, headers HTTP/2 forbids), the admin of a project made by
``django-admin startproject`` (its CSRF-protected login form) and a Flask
app with Flask-Login, logging in as a person does."""
from six.moves.urllib.parse import urlencode

from compat_matrix.apps.payload import pattern
from compat_matrix.browser import Browser
from compat_matrix.scenarios import scenario
from compat_matrix.scenarios.http import TWO_MIB, upload_result
from realapps import logins
from realapps.forms import find_form

#: Fields no HTTP/2 response may carry (RFC 9113 section 8.2.2).
CONNECTION_SPECIFIC = ("connection", "keep-alive", "proxy-connection",
                       "transfer-encoding", "upgrade", "x-internal")


@scenario("from-wsgi", "A legacy Flask app contained with from_wsgi")
def from_wsgi(target):
    stream = target.get("/from-wsgi/stream")
    target.expect(stream.body == b"line 0\nline 1\nline 2\n",
                  "its streamed response came as %r" % stream.body)
    hop = target.get("/from-wsgi/hop-by-hop")
    target.expect(hop.status == 200 and hop.body == b"legacy",
                  "its page with hop-by-hop headers got %s" % (
                      hop.error or hop.status))
    if target.host.http2:
        sent = [name for name, _ in hop.headers
                if name.lower() in CONNECTION_SPECIFIC]
        target.expect(not sent, "HTTP/2 carried %s" % sent)
    upload_result(target, "/from-wsgi/upload", pattern(TWO_MIB))


ADMIN = "/form-csrf/admin/"


@scenario("form-csrf", "A form post with a CSRF token (Django's admin login)")
def form_csrf(target):
    """Without the token Django refuses the post (403); with it and the
    cookie, the login goes through (302 to the admin)."""
    project = target.context.django_project
    browser = Browser(target)
    base = target.live.base
    login = browser.get(base + ADMIN + "login/?next=" + ADMIN)
    target.expect(login.status == 200, "the login page got %s" % login.status)
    form = find_form(login.text, login.url, "login-form")
    fields = dict(form.filled(username=project.username,
                              password=project.password))
    forged = dict(fields, csrfmiddlewaretoken="not-the-token" + "0" * 51)
    for typed, expected in ((forged, 403), (fields, 302)):
        reply = browser.fetch(form.action, "POST", [
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Origin", base), ("Referer", login.url)],
            urlencode(sorted(typed.items())).encode("ascii"))
        target.expect(reply.status == expected, "the post %s the token got "
                      "%s, not %d" % ("with" if typed is fields else
                                      "without", reply.error or reply.status,
                                      expected))
    target.expect(reply.header("location") == ADMIN,
                  "the login went to %s" % reply.header("location"))


@scenario("framework-login", "Logging in to a framework-made project "
          "(django-admin startproject, Flask-Login)", prefixes=["/login/"])
def framework_login(target):
    base = target.live.base
    project = target.context.django_project
    admin = logins.django_admin(Browser(target), base, project,
                                prefix="/login/django")
    target.expect(admin.status == 200 and "<strong>%s</strong>" % (
        project.username) in admin.text, "the admin did not greet the user")
    flask_app = target.context.flask_login_app
    browser = Browser(target)
    protected = logins.flask_login(browser, base, flask_app,
                                   prefix="/login/flask")
    target.expect(protected.url == base + "/login/flask/protected" and (
        '<strong id="user">%s</strong>' % flask_app.username in
        protected.text), "Flask-Login did not let the user in")
    login = browser.get(base + "/login/flask/logout")
    target.expect(login.url == base + "/login/flask/login",
                  "logging out went to %s" % login.url)
