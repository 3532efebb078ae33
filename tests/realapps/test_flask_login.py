"""A Flask app with Flask-Login, written as its documentation shows,
served by ``wsgi-ng serve`` and by gunicorn with the worker class: log in
through the form (CSRF token from Flask-WTF), see the protected page with
the user's name, log out, and be a stranger again -- with curl over
HTTP/1.1, h2c and TLS HTTP/2."""
import pytest

from realapps import logins
from realapps.curl import PROTOCOLS, Curl
from realapps.hosts import HOSTS


@pytest.mark.parametrize("protocol", list(PROTOCOLS))
@pytest.mark.parametrize("host", HOSTS)
def test_login_and_logout_with_curl(flask_login_app, serve, host, protocol,
                                    tmpdir):
    server = serve(flask_login_app, host, tls=PROTOCOLS[protocol].tls)
    visit = Curl(str(tmpdir), protocol)
    protected = logins.flask_login(visit, server.base, flask_login_app)
    assert (protected.status, protected.url) == (
        200, server.base + "/protected"), protected.text
    assert "Logged in as: <strong id=\"user\">%s</strong>" % (
        flask_login_app.username) in protected.text
    assert visit.cookies()["session"].secure == PROTOCOLS[protocol].tls
    login = visit.get(server.base + "/logout")
    assert login.url == server.base + "/login"
    stranger = visit.get(server.base + "/protected")
    assert stranger.url == server.base + "/login?next=%2Fprotected"
    assert visit.versions() == set([PROTOCOLS[protocol].version])
    assert visit.malformed() == []
    assert "Traceback" not in serve.output()
