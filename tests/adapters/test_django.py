"""The Django adapter in the example project, in process: the middleware
in ordinary views, and WebSocket views behind sessions, auth and CSRF
middleware, ended in every way a view can end.  (Over real servers and
clients: tests/realapps.)"""
import json
import logging

import pytest

from wsgi_ng.adapters.views import HOST_CANNOT, NOT_A_HANDSHAKE
from wsgi_ng.shims import from_wsgi
from wsgi_ng.testing import Client, WebSocketDenied

django = pytest.importorskip("django", reason="pip install django")


@pytest.fixture
def site(django_app, django_database):
    """The project served as ``wsgi-ng serve`` serves it, with the test
    views added to its URLconf."""
    from django.test.utils import override_settings
    with override_settings(ROOT_URLCONF="django_urls"):
        yield from_wsgi(django_app)


@pytest.fixture(scope="module")
def session_cookie(django_app, django_database):
    """The ``Cookie`` header of a logged-in browser."""
    from django.contrib.auth import get_user_model
    from django.test import Client as DjangoClient
    browser = DjangoClient()
    browser.force_login(get_user_model().objects.get(
        username=django_database[0]))
    return "sessionid=" + browser.cookies["sessionid"].value


def handshake(client, path, cookie=None, origin="http://localhost"):
    headers = [("Cookie", cookie)] if cookie else []
    headers += [("Origin", origin)] if origin else []
    return client.websocket(path, headers=headers)


def denial(client, path, **kw):
    with pytest.raises(WebSocketDenied) as denied:
        with handshake(client, path, **kw):
            pass
    return denied.value.response


@pytest.mark.parametrize("version", ["2", "1.1"])
def test_the_view_knows_the_logged_in_user(site, session_cookie, version):
    with handshake(Client(site, version), "/test/who", session_cookie) as ws:
        hello = json.loads(ws.receive())
        ws.send(u"echo")
        assert ws.receive() == u"echo"
    assert hello["user"] == "grace" and "websocket" in hello["features"]


def test_the_example_chat_says_hello_and_posts(site, session_cookie):
    with handshake(Client(site), "/chat/socket", session_cookie) as ws:
        assert json.loads(ws.receive()) == {"hello": "grace"}
        ws.send(u"over the socket")
        posted = json.loads(ws.receive())
        ws.send(b"binary")
        assert json.loads(ws.receive()) == {"error": "not a valid message"}
    assert (posted["author"], posted["text"]) == ("grace", "over the socket")
    page = Client(site).get("/", headers=[("Cookie", session_cookie)])
    assert "over the socket" in page.text


def test_login_required_refuses_an_anonymous_handshake(site):
    response = denial(Client(site), "/chat/socket")
    assert response.status_code == 302
    assert response.header("Location").startswith("/accounts/login/")


@pytest.mark.parametrize("origin", [
    "http://evil.example", "https://localhost", "http://localhost:8000", "null"])
def test_a_page_of_another_site_is_refused(site, session_cookie, origin,
                                           caplog):
    with caplog.at_level(logging.WARNING, "django.security.csrf"):
        response = denial(Client(site), "/test/who", cookie=session_cookie,
                          origin=origin)
    assert response.status_code == 403
    refused = [r for r in caplog.records if r.name == "django.security.csrf"]
    assert len(refused) == 1 and origin in refused[0].getMessage()
    assert [r for r in caplog.records if r.name == "django.request"] == []


def test_trusted_origins_and_clients_without_origin(site, session_cookie):
    from django.test.utils import override_settings
    trusted = "https://chat.example" if django.VERSION >= (4, 0) else \
        ".example"  # a host pattern before Django 4
    with override_settings(CSRF_TRUSTED_ORIGINS=[trusted]):
        with handshake(Client(site), "/test/who", session_cookie,
                       origin="https://chat.example") as ws:
            assert json.loads(ws.receive())["user"] == "grace"
    with handshake(Client(site), "/test/who", session_cookie,
                   origin=None) as ws:  # not a browser
        assert json.loads(ws.receive())["user"] == "grace"
    with handshake(Client(site), "/test/anywhere",
                   origin="http://evil.example") as ws:  # check_origin=False
        with pytest.raises(Exception):
            ws.receive()
        assert ws.close_code == 4000


def test_refusing_before_accept_is_an_http_answer(site):
    assert denial(Client(site), "/test/missing").status_code == 404
    conflict = denial(Client(site), "/test/conflict")
    assert (conflict.status_code, conflict.body) == (409, b"busy\n")
    assert denial(Client(site), "/test/silent").status_code == 403


def test_an_exception_after_accept_closes_1011_and_is_reported(site, caplog):
    from django.core.signals import got_request_exception
    seen = []

    def record(sender, request, **kwargs):
        seen.append(request.path)
    got_request_exception.connect(record)
    try:
        with caplog.at_level(logging.ERROR, "django.request"):
            with handshake(Client(site), "/test/fails") as ws:
                with pytest.raises(Exception):
                    ws.receive()
                assert ws.close_code == 1011
    finally:
        got_request_exception.disconnect(record)
    assert seen == ["/test/fails"]
    errors = [r for r in caplog.records if r.name == "django.request"]
    assert len(errors) == 1 and errors[0].exc_info[0] is RuntimeError


def test_a_client_that_leaves_is_no_error(site, session_cookie, caplog):
    with caplog.at_level(logging.ERROR):
        with handshake(Client(site), "/test/who", session_cookie) as ws:
            ws.receive()
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_426_where_there_is_no_websocket(site):
    page = Client(site).get("/test/who")
    assert (page.status_code, page.text) == (426, NOT_A_HANDSHAKE)
    plain = denial(Client.for_profile(site, "plain"), "/test/who")
    assert (plain.status_code, plain.text) == (426, HOST_CANNOT)


def test_ordinary_views_push_through_the_middleware(site, session_cookie):
    cookie = [("Cookie", session_cookie)]
    page = Client(site).get("/", headers=cookie)
    assert page.status_code == 200 and "<strong>grace</strong>" in page.text
    assert page.early_hints == [[
        ("Link", "</static/chat/chat.css>; rel=preload; as=style"),
        ("Link", "</static/chat/chat.js>; rel=preload; as=script")]]
    plain = Client.for_profile(site, "plain").get("/", headers=cookie)
    assert plain.early_hints == [] and len(plain.header_list("Link")) == 2
