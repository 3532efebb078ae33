"""The login flows a person goes through, step by step, over a ``Curl``
visit: open the protected page, get sent to the login form, fill it in
and submit it, and land where the site sends a logged-in user."""
from realapps.forms import find_form


def django_admin(visit, base, project):
    """Log in to the admin of *project* served at *base*; the admin index
    page the user lands on."""
    login = visit.get(base + "/admin/")  # not logged in: sent to the form
    assert login.status == 200 and login.url == (
        base + "/admin/login/?next=/admin/"), (login.url, login.text)
    form = find_form(login.text, login.url, "login-form")
    return visit.submit(form, login, username=project.username,
                        password=project.password)


def flask_login(visit, base, app):
    """Log in to the Flask-Login *app* served at *base*; the protected
    page the user lands on."""
    login = visit.get(base + "/protected")  # @login_required sends here
    assert login.status == 200 and login.url == (
        base + "/login?next=%2Fprotected"), (login.url, login.text)
    form = find_form(login.text, login.url, "login")
    return visit.submit(form, login, username=app.username,
                        password=app.password)
