"""The Pyramid adapter: ``config.include("wsgi_ng.adapters.pyramid")`` and
views configured with ``websocket=True``, in process -- the example
guestbook behind its login, and small apps that end every way a view can.
(Over real servers and clients: tests/realapps.)"""
import json
import logging
import os
import re
import sys

import pytest

from wsgi_ng.adapters.views import HOST_CANNOT
from wsgi_ng.testing import Client, WebSocketDenied

pyramid = pytest.importorskip(
    "pyramid", reason="pip install pyramid (Pyramid 2 needs Python 3)")
from pyramid.config import Configurator  # noqa: E402
from pyramid.httpexceptions import HTTPNotFound  # noqa: E402
from pyramid.response import Response  # noqa: E402

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                       os.pardir, "examples", "pyramid_app")


@pytest.fixture(scope="module")
def guestbook():
    sys.path.insert(0, EXAMPLE)
    try:
        import guestbook
    finally:
        sys.path.remove(EXAMPLE)
    return guestbook.app


def cookies_of(response):
    return "; ".join(value.split(";", 1)[0]
                     for value in response.header_list("Set-Cookie"))


@pytest.fixture(scope="module")
def logged_in(guestbook):
    """The ``Cookie`` header of ada, logged in through the form."""
    client = Client(guestbook, "1.1")
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="(\w+)"', form.text).group(1)
    done = client.post("/login", headers=[
        ("Cookie", cookies_of(form)),
        ("Content-Type", "application/x-www-form-urlencoded")],
        body=("csrf_token=%s&username=ada&password=analytical-engine-1843"
              "&next=/" % token).encode("ascii"))
    assert done.status_code == 302, done.text
    return cookies_of(done)


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
def test_the_guestbook_socket_knows_the_logged_in_user(guestbook, logged_in,
                                                       version):
    with handshake(Client(guestbook, version), "/live", logged_in) as ws:
        assert json.loads(ws.receive()) == {"hello": "ada"}
        ws.send(u"hi")
        assert json.loads(ws.receive()) == {"from": "ada", "text": "hi"}
    page = Client(guestbook).get("/", headers=[("Cookie", logged_in)])
    assert "<strong>ada</strong>" in page.text
    assert page.early_hints == [
        [("Link", "</static/guestbook.css>; rel=preload; as=style")]]


def test_the_permission_refuses_an_anonymous_handshake(guestbook):
    response = denial(Client(guestbook), "/live")
    assert response.status_code == 302
    assert response.header("Location") == "http://localhost/login?next=%2Flive"


def test_a_page_of_another_site_is_refused(guestbook, logged_in, caplog):
    with caplog.at_level(logging.WARNING, "wsgi_ng.adapters.pyramid"):
        response = denial(Client(guestbook), "/live", cookie=logged_in,
                          origin="http://evil.example")
    assert response.status_code == 403
    assert "http://evil.example" in caplog.text


def test_no_handshake_no_websocket_view(guestbook, logged_in):
    assert Client(guestbook).get("/live", headers=[
        ("Cookie", logged_in)]).status_code == 404  # the predicate


# A route with a page and a WebSocket view, and views that end in every way
# a WebSocket view can.
def page(request):
    return Response("the page; push: %s" % request.push("/room.css")[0])


def chat(request):
    request.websocket.accept()
    for message in request.websocket:
        request.websocket.send(message)


def missing(request):
    raise HTTPNotFound()


def fails(request):
    request.websocket.accept()
    raise RuntimeError("the view broke after accept()")


def silent(request):
    """Neither accepts nor answers."""


def anywhere(request):
    request.websocket.accept()
    request.websocket.close(4000, "bye")


@pytest.fixture(scope="module")
def rooms():
    with Configurator(settings={
            "pyramid.csrf_trusted_origins": "chat.example"}) as config:
        config.include("wsgi_ng.adapters.pyramid")
        for name, view in (("room", chat), ("missing", missing),
                           ("fails", fails), ("silent", silent)):
            config.add_route(name, "/" + name)
            config.add_view(view, route_name=name, websocket=True)
        config.add_view(page, route_name="room")
        config.add_route("anywhere", "/anywhere")
        config.add_view(anywhere, route_name="anywhere", websocket=True,
                        websocket_check_origin=False)
        return config.make_wsgi_app()


@pytest.mark.parametrize("version", ["2", "1.1"])
def test_one_route_a_page_and_a_websocket(rooms, version):
    with handshake(Client(rooms, version), "/room") as ws:
        ws.send(u"hello")
        assert ws.receive() == u"hello"
    assert Client(rooms, version).get("/room").text == (
        "the page; push: early_hint")


def test_trusted_origins_and_clients_without_origin(rooms):
    for origin in ("https://chat.example", None):
        with handshake(Client(rooms), "/room", origin=origin) as ws:
            ws.send(u"x")
            assert ws.receive() == u"x"
    assert denial(Client(rooms), "/room",
                  origin="https://other.example").status_code == 403
    with handshake(Client(rooms), "/anywhere", origin="http://evil.example") as ws:
        with pytest.raises(Exception):
            ws.receive()
        assert ws.close_code == 4000


def test_refusing_before_accept_is_an_http_answer(rooms):
    assert denial(Client(rooms), "/missing").status_code == 404
    assert denial(Client(rooms), "/silent").status_code == 403
    plain = denial(Client.for_profile(rooms, "plain"), "/room")
    assert (plain.status_code, plain.text) == (426, HOST_CANNOT)


def test_an_exception_after_accept_closes_1011_and_is_logged(rooms, caplog):
    with caplog.at_level(logging.ERROR, "wsgi_ng.adapters.pyramid"):
        with handshake(Client(rooms), "/fails") as ws:
            with pytest.raises(Exception):
                ws.receive()
            assert ws.close_code == 1011
    assert [r.exc_info[0] for r in caplog.records] == [RuntimeError]
