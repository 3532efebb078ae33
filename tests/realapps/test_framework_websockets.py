"""WebSocket views in Django and Pyramid, judged by real clients: the
example Django project, a project made by ``django-admin startproject``
with the adapter added as docs/django.rst says, and the example Pyramid
app, each served by ``wsgi-ng serve``, by gunicorn with the worker class
and by gunicorn's own gthread worker (through ``to_wsgi``).  A user logs in
with curl (HTTP/1.1, h2c, TLS HTTP/2), then websocket-client opens the
view with the cookies curl got, over HTTP/1.1; headless Chromium logs in
over TLS and opens it over HTTP/2 (RFC 8441), as the server's access log
shows.  Every view says hello to the logged-in user by name."""
import json

import pytest

from realapps import logins
from realapps.chromium import Chromium
from realapps.curl import PROTOCOLS, Curl
from realapps.examples import (
    DjangoExample, PyramidExample, first_message, open_websocket, refusal,
    start_adapted_project, text_once_it_says,
)
from realapps.forms import find_form
from realapps.hosts import GTHREAD, HOSTS

#: (app, host, protocol): the examples on every host and protocol
#: (gthread speaks HTTP/1.1 only); the new project, whose login e2e tests
#: over every protocol already, on every host
SERVED = [(name, host, protocol) for name in ("django_example", "pyramid_example")
          for host in HOSTS for protocol in PROTOCOLS] + [
    (name, GTHREAD, "http/1.1") for name in ("django_example", "pyramid_example",
                                             "adapted_project")] + [
    ("adapted_project", host, "http/1.1") for host in HOSTS]


@pytest.fixture(scope="session")
def django_example(tmpdir_factory):
    pytest.importorskip("django", reason="pip install django")
    return DjangoExample(str(tmpdir_factory.mktemp("example")))


@pytest.fixture(scope="session")
def adapted_project(tmpdir_factory):
    pytest.importorskip("django", reason="pip install django")
    return start_adapted_project(str(tmpdir_factory.mktemp("adapted")))


@pytest.fixture(scope="session")
def pyramid_example():
    pytest.importorskip("pyramid", reason="pip install pyramid (Python 3)")
    return PyramidExample()


def log_in(visit, server, app):
    """Log in through the site's own login form: the admin's for the
    Django projects, the guestbook's for Pyramid."""
    if isinstance(app, PyramidExample):
        login = visit.get(server.base + "/")
        assert login.url == server.base + "/login?next=%2F", login.text
        return visit.submit(find_form(login.text, login.url, "login"), login,
                            username=app.username, password=app.password)
    return logins.django_admin(visit, server.base, app)


def hello_over_http11(server, app, cookies):
    """What the WebSocket view says first, and to an echo (the example
    chat posts the message and sends it to the room, the others echo)."""
    ws = open_websocket(server, app.socket, cookies)
    try:
        hello = ws.recv()
        ws.send(u"hi from websocket-client")
        answer = ws.recv()
    finally:
        ws.close()
    return hello, answer


@pytest.mark.parametrize("name,host,protocol", SERVED)
def test_log_in_then_the_websocket_knows_the_user(request, name, serve, host,
                                                  protocol, tmpdir):
    app = request.getfixturevalue(name)
    server = serve(app, host, tls=PROTOCOLS[protocol].tls)
    visit = Curl(str(tmpdir), protocol)
    landed = log_in(visit, server, app)
    assert landed.status == 200 and app.username in landed.text, landed.text
    assert visit.versions() == set([PROTOCOLS[protocol].version])
    hello, answer = hello_over_http11(server, app, visit.cookies())
    if name == "django_example":
        assert json.loads(hello) == {"hello": app.username}
        assert json.loads(answer)["text"] == u"hi from websocket-client"
    elif name == "adapted_project":
        assert (hello, answer) == (u"hello " + app.username,
                                   u"hi from websocket-client")
    else:
        assert json.loads(hello) == {"hello": app.username}
        assert json.loads(answer) == {"from": app.username,
                                      "text": u"hi from websocket-client"}
    assert visit.malformed() == []
    assert "Traceback" not in serve.output()


@pytest.mark.parametrize("name", ["django_example", "adapted_project",
                                  "pyramid_example"])
def test_another_site_and_no_login_are_refused(request, name, serve, tmpdir):
    app = request.getfixturevalue(name)
    server = serve(app, "wsgi-ng")
    visit = Curl(str(tmpdir), "http/1.1")
    log_in(visit, server, app)
    assert refusal(server, app.socket, visit.cookies(),
                   "http://evil.example") == 403
    assert refusal(server, app.socket, {}, server.base) == 302  # to log in
    assert "evil.example" in serve.output()


def test_static_files_and_the_form_of_the_django_example(django_example,
                                                         serve, tmpdir):
    server = serve(django_example, "wsgi-ng", tls=True)
    visit = Curl(str(tmpdir), "h2-tls")
    logins.django_admin(visit, server.base, django_example)
    room = visit.get(server.base + "/")
    sent = visit.submit(find_form(room.text, room.url, "post"), room,
                        text=u"posted by the form")
    assert [head.status for head in sent.heads] == [302, 200]
    assert "posted by the form" in sent.text
    css = visit.get(server.base + "/static/chat/chat.css")
    assert css.status == 200 and "#messages" in css.text
    admin_css = visit.get(server.base + "/static/admin/css/base.css")
    assert admin_css.status == 200
    assert "Traceback" not in serve.output()


def test_static_files_of_a_new_project_after_collectstatic(adapted_project,
                                                           serve, tmpdir):
    """docs/deploy.rst's WhiteNoise lines: the admin's CSS is served."""
    server = serve(adapted_project, "wsgi-ng")
    visit = Curl(str(tmpdir), "h2c")
    css = visit.get(server.base + "/static/admin/css/base.css")
    assert css.status == 200 and "font-family" in css.text
    assert visit.get(server.base + "/static/missing.css").status == 404


def chromium_log_in(tab, server, app, form_url):
    tab.loading(tab.navigate, server.base + form_url)
    tab.type_into("#id_username", app.username)
    tab.type_into("#id_password", app.password)
    tab.loading(tab.click, "[type=submit]")


def test_chromium_chats_over_http2(django_example, serve, tmpdir):
    """A person logs in to the example chat in headless Chromium over
    HTTPS; the page's script opens the WebSocket, which the server's log
    shows was an HTTP/2 stream, and a message typed into the form comes
    back over it."""
    server = serve(django_example, "wsgi-ng", tls=True)
    with Chromium(str(tmpdir.mkdir("profile")),
                  ignore_certificate_errors=True) as browser:
        tab = browser.new_tab()
        chromium_log_in(tab, server, django_example, "/accounts/login/?next=/")
        assert tab.evaluate("location.href") == server.base + "/"
        status = text_once_it_says(tab, "#status", "connected as")
        tab.type_into("#id_text", u"typed in Chromium")
        tab.click("#post [type=submit]")
        messages = text_once_it_says(tab, "#messages", "typed in Chromium")
        created = [event["params"]["url"] for event in browser.events
                   if event["method"] == "Network.webSocketCreated"]
    assert status == "Live messages: connected as " + django_example.username
    assert "typed in Chromium" in messages
    assert created == ["wss://127.0.0.1:%d/chat/socket" % server.port]
    log = serve.output()
    assert '"GET /chat/socket HTTP/2" 200' in log, log
    assert "Traceback" not in log


def test_chromium_opens_a_new_projects_view_over_http2(adapted_project, serve,
                                                       tmpdir):
    server = serve(adapted_project, "wsgi-ng", tls=True)
    with Chromium(str(tmpdir.mkdir("profile")),
                  ignore_certificate_errors=True) as browser:
        tab = browser.new_tab()
        chromium_log_in(tab, server, adapted_project, "/admin/")
        assert tab.evaluate("location.href") == server.base + "/admin/"
        said = first_message(tab, "wss://127.0.0.1:%d/ws/whoami/" % server.port)
    assert said == u"hello " + adapted_project.username
    log = serve.output()
    assert '"GET /ws/whoami/ HTTP/2" 200' in log, log
    assert "Traceback" not in log
