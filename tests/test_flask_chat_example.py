"""The example Flask chat (``examples/flask_chat``) in-process, on HTTP/2
as browsers use it and on HTTP/1.1: Flask-Login behind a Flask-WTF form,
the message form, the JSON API with its CSRF header, WhiteNoise's static
files, and the WebSocket room -- its history, its broadcast, and the
refusals of a stranger and of another site's page.  Served for real in
``tests/realapps/test_flask_chat.py``."""
import json
import os
import re
import sys

import pytest

for module, package in (("flask", "flask"), ("flask_login", "flask-login"),
                        ("flask_wtf", "flask-wtf"), ("whitenoise", "whitenoise")):
    pytest.importorskip(module, reason="pip install " + package)

from six.moves.urllib.parse import urlencode  # noqa: E402

from wsgi_ng import ConnectionClosed  # noqa: E402
from wsgi_ng.lint import LintMiddleware  # noqa: E402
from wsgi_ng.testing import Client  # noqa: E402

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                       "examples", "flask_chat")
sys.path.insert(0, EXAMPLE)
from flaskchat import create_app, users  # noqa: E402

PASSWORDS = {"ada": "analytical-engine", "grace": "cobol-1959"}


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    """The same users, their hashes made with fewer rounds: a password
    check costs half a second with werkzeug's default (more on 2.7)."""
    from werkzeug.security import generate_password_hash
    monkeypatch.setattr(users, "PASSWORDS", dict(
        (name, generate_password_hash(password, "pbkdf2:sha256:1000"))
        for name, password in PASSWORDS.items()))


FORM = [("Content-Type", "application/x-www-form-urlencoded")]


def csrf_token(page):
    """The CSRF token every page of the chat carries in a meta tag."""
    return re.search(r'<meta name="csrf-token" content="([^"]+)"',
                     page).group(1)


class Visit(object):
    """One browser's visit: its cookies, kept across requests."""

    def __init__(self, client):
        self.client = client
        self.cookies = {}

    def headers(self, extra=()):
        cookie = "; ".join("%s=%s" % pair for pair in sorted(self.cookies.items()))
        return ([("Cookie", cookie)] if cookie else []) + list(extra)

    def request(self, method, path, headers=(), body=b""):
        response = self.client.request(method, path, self.headers(headers), body)
        for value in response.header_list("Set-Cookie"):
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response

    def login(self, name, password):
        page = self.request("GET", "/login").text
        fields = urlencode([("csrf_token", csrf_token(page)), ("username", name),
                            ("password", password)]).encode("ascii")
        return self.request("POST", "/login", FORM, fields)

    def websocket(self, origin=None):
        extra = [("Origin", origin)] if origin else []
        return self.client.websocket("/ws", headers=self.headers(extra))


@pytest.fixture(params=["2", "1.1"])
def client(request, tmpdir):
    app = create_app({"DATABASE": str(tmpdir.join("chat.sqlite"))})
    return Client(LintMiddleware(app), http_version=request.param)


def test_a_stranger_is_sent_to_the_login_form_and_back(client):
    visit = Visit(client)
    response = visit.request("GET", "/")
    assert response.status_code == 302
    assert response.header("Location").endswith("/login?next=%2F")
    assert visit.login("ada", "wrong").text.count("Wrong username or password")
    response = visit.login("ada", PASSWORDS["ada"])
    assert response.status_code == 302 and response.header("Location") in (
        "/", "http://localhost/")
    page = visit.request("GET", "/")
    assert page.status_code == 200
    assert '<strong id="user">ada</strong>' in page.text
    links = page.header_list("Link")
    assert "</static/chat.css>; rel=preload; as=style" in links
    assert page.early_hints[0][0] == ("Link", links[0])  # a 103 first
    assert visit.request("GET", "/logout").status_code == 302
    assert visit.request("GET", "/").status_code == 302


def test_the_json_api_needs_the_csrf_token(client):
    visit = Visit(client)
    visit.login("grace", PASSWORDS["grace"])
    token = csrf_token(visit.request("GET", "/").text)
    body = json.dumps({"text": u"h\u00e9llo"}).encode("utf-8")
    headers = [("Content-Type", "application/json")]
    assert visit.request("POST", "/api/messages", headers, body).status_code == 400
    headers.append(("X-CSRFToken", token))
    created = visit.request("POST", "/api/messages", headers, body)
    assert created.status_code == 201
    assert created.json() == {"user": "grace", "text": u"h\u00e9llo"}
    empty = visit.request("POST", "/api/messages", headers, b'{"text": " "}')
    assert empty.status_code == 400 and "error" in empty.json()
    listed = visit.request("GET", "/api/messages").json()
    assert listed == {"messages": [{"user": "grace", "text": u"h\u00e9llo"}]}


def test_static_files_come_from_whitenoise(client):
    response = client.get("/static/chat.css")
    assert response.status_code == 200
    assert response.header("Content-Type").startswith("text/css")
    assert b"#messages" in response.body
    assert client.get("/static/chat.js").status_code == 200


def test_the_room_sends_history_and_every_message_to_everyone(client):
    ada, grace = Visit(client), Visit(client)
    ada.login("ada", PASSWORDS["ada"])
    grace.login("grace", PASSWORDS["grace"])
    token = csrf_token(ada.request("GET", "/").text)
    posted = ada.request("POST", "/", FORM, urlencode(
        [("csrf_token", token), ("text", "first, by the form")]).encode("ascii"))
    assert posted.status_code == 302
    with ada.websocket() as ada_ws:
        assert json.loads(ada_ws.receive()) == {"history": [
            {"user": "ada", "text": "first, by the form"}]}
        with grace.websocket(origin="http://localhost") as grace_ws:
            grace_ws.receive()  # the history
            grace_ws.send(u"hello from grace")
            expected = {"user": "grace", "text": "hello from grace"}
            assert json.loads(grace_ws.receive()) == expected
            assert json.loads(ada_ws.receive()) == expected


def test_a_stranger_and_another_sites_page_are_refused(client):
    with Visit(client).websocket() as ws:
        with pytest.raises(ConnectionClosed):
            ws.receive()
        assert ws.close_code == 1008
    visit = Visit(client)
    visit.login("ada", PASSWORDS["ada"])
    with visit.websocket(origin="https://evil.example") as ws:
        with pytest.raises(ConnectionClosed):
            ws.receive()
        assert ws.close_code == 1008
