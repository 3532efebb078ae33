"""The chat's tests, run against the chat as really served: on wsgi-ng's
reference server over HTTP/1.1 and HTTP/2, on gunicorn's gthread worker
and on waitress (``to_wsgi(from_wsgi(app))`` there, as docs/deploy.rst
says), each a server started by wsgi-ng's pytest plugin::

    pytest            # from examples/flask_chat; see docs/testing.rst
"""
import json
import re

import pytest

from wsgi_ng.testing import WebSocketDenied

try:
    from urllib.parse import urlencode
except ImportError:  # Python 2
    from urllib import urlencode

pytestmark = pytest.mark.ng_hosts("reference-h1", "reference-h2",
                                  "gunicorn-gthread", "waitress")
FORM = [("Content-Type", "application/x-www-form-urlencoded")]


def csrf_token(page):
    return re.search(r'<meta name="csrf-token" content="([^"]+)"',
                     page.text).group(1)


def log_in(client, name="ada", password="analytical-engine"):
    token = csrf_token(client.get("/login"))
    return client.post("/login", headers=FORM, body=urlencode([
        ("csrf_token", token), ("username", name),
        ("password", password)]).encode("ascii"))


def test_a_stranger_is_sent_to_the_login_form(live_client):
    response = live_client.get("/")
    assert response.status_code == 302
    assert response.header("Location").endswith("/login?next=%2F")


def test_a_wrong_password_is_refused(live_client):
    page = log_in(live_client, password="wrong")
    assert page.status_code == 200 and "Wrong username or password" in page.text


def test_logging_in_and_posting_through_the_json_api(live_client):
    assert log_in(live_client).status_code == 302
    page = live_client.get("/")
    assert '<strong id="user">ada</strong>' in page.text
    headers = [("Content-Type", "application/json"),
               ("X-CSRFToken", csrf_token(page))]
    created = live_client.post("/api/messages", headers=headers, body=json.dumps(
        {"text": u"h\u00e9llo"}).encode("utf-8"))
    assert created.status_code == 201
    assert created.json() == {"user": "ada", "text": u"h\u00e9llo"}
    assert live_client.post("/api/messages", headers=headers[:1], body=b"{}"
                            ).status_code == 400  # no CSRF token


def test_static_files(live_client):
    response = live_client.get("/static/chat.css")
    assert response.status_code == 200 and b"#messages" in response.body


def test_the_room_over_a_websocket(live_client, ng_host):
    log_in(live_client)
    try:
        with live_client.websocket("/ws") as ws:
            assert "history" in json.loads(ws.receive())
            ws.send(u"hello from %s" % ng_host.name)
            assert json.loads(ws.receive()) == {
                "user": "ada", "text": u"hello from %s" % ng_host.name}
    except WebSocketDenied as denied:  # a host without WebSocket
        assert denied.response.status_code == 426
        pytest.skip("%s offers no WebSocket: the room's 426" % ng_host.name)
