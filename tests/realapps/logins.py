"""The login flows a person goes through, step by step, over a visit (a
``Curl`` one, or the compatibility matrix's browser): open the protected
page, get sent to the login form, fill it in and submit it, and land where
the site sends a logged-in user.  *prefix* is where the site is mounted
(its ``SCRIPT_NAME``), if not at the root."""
from six.moves.urllib.parse import quote

from realapps.forms import find_form


def django_admin(visit, base, project, prefix=""):
    """Log in to the admin of *project* served at *base*; the admin index
    page the user lands on."""
    admin = prefix + "/admin/"
    login = visit.get(base + admin)  # not logged in: sent to the form
    assert login.status == 200 and login.url == (
        base + prefix + "/admin/login/?next=" + admin), (login.url, login.text)
    form = find_form(login.text, login.url, "login-form")
    return visit.submit(form, login, username=project.username,
                        password=project.password)


def flask_login(visit, base, app, prefix=""):
    """Log in to the Flask-Login *app* served at *base*; the protected
    page the user lands on."""
    protected = prefix + "/protected"
    login = visit.get(base + protected)  # @login_required sends here
    assert login.status == 200 and login.url == (
        base + prefix + "/login?next=" + quote(protected, safe="")), (
        login.url, login.text)
    form = find_form(login.text, login.url, "login")
    return visit.submit(form, login, username=app.username,
                        password=app.password)
