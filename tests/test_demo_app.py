"""One wsgi-ng app, one shared set of tests, run on every kind of host.

The showcase app (WebSocket echo + a page that pushes /app.css and sends
trailers) must work fully on HTTP/2 and degrade exactly as the spec says on
hosts that lack capabilities.
"""
import pytest

from wsgi_ng.demo import STYLESHEET, app
from wsgi_ng.lint import LintMiddleware
from wsgi_ng.testing import PROFILES, Client, WebSocketDenied

CSS_LINK = "</app.css>; rel=preload; as=style"


def client(profile):
    return Client.for_profile(LintMiddleware(app), profile)


def test_full_http2_pushes_and_sends_trailers():
    response = client("h2-push").get("/")
    assert response.status == "200 OK"
    assert response.pushes == [("/app.css", [])]
    assert response.push_results == {"/app.css": "push"}
    assert response.header("X-Push") == "push"
    assert response.header("Link") is None
    assert [name for name, _ in response.trailers] == ["Server-Timing"]
    assert response.trailers[0][1].startswith("app;dur=")


def test_degraded_http11_turns_push_into_link_header_and_drops_trailers():
    response = client("h1-degraded").get("/")
    assert response.status == "200 OK"
    assert response.pushes == []
    assert response.push_results == {"/app.css": "link"}
    assert response.header_list("Link") == [CSS_LINK]
    assert response.trailers == []


@pytest.mark.parametrize("profile", ["h1", "h2"])  # h2: as browsers use it
def test_early_hints_send_a_103_repeated_in_the_final_response(profile):
    response = client(profile).get("/")
    assert response.push_results == {"/app.css": "early_hint"}
    assert response.early_hints == [[("Link", CSS_LINK)]]
    assert response.header_list("Link") == [CSS_LINK]


def test_http11_trailers_need_te_trailers_from_the_client():
    response = client("h1").get("/", headers={"TE": "trailers"})
    assert [name for name, _ in response.trailers] == ["Server-Timing"]


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_page_body_and_stylesheet_are_the_same_everywhere(profile):
    ng = client(profile)
    assert b"Hello from wsgi-ng" in ng.get("/").body
    css = ng.get("/app.css")
    assert (css.status, css.body) == ("200 OK", STYLESHEET)
    assert ng.get("/nowhere").status_code == 404


@pytest.mark.parametrize("profile", ["h2", "h1", "h1-degraded"])
def test_websocket_echo_text_and_binary(profile):
    with client(profile).websocket("/ws", subprotocols=["chat", "echo"]) as ws:
        assert ws.subprotocol == "echo"
        ws.send(u"h\u00e9llo \u2603")
        assert ws.receive() == u"h\u00e9llo \u2603"
        ws.send(b"\x00\xff" * 1000)
        assert ws.receive() == b"\x00\xff" * 1000
        ws.close(4000, "done")
    assert ws.close_code == 4000


def test_websocket_falls_back_to_the_apps_http_answer_without_the_feature():
    with pytest.raises(WebSocketDenied) as denied:
        with client("plain").websocket("/ws"):
            pytest.fail("the plain host must not open a WebSocket")
    assert denied.value.response.status_code == 426
    assert b"needs a WebSocket" in denied.value.response.body


REQUEST_FEATURES = {  # what a plain GET (no TE: trailers) can use
    "h2": ["early_hints", "full_duplex", "trailers"],
    "h2-push": ["early_hints", "full_duplex", "push", "trailers"],
    "h1": ["early_hints"],
    "h1-degraded": [],
    "plain": [],
}


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_features_are_per_request_and_exactly_what_the_host_offers(profile):
    ng = client(profile)
    report = ng.get("/features").json()
    assert report["features"] == REQUEST_FEATURES[profile]
    assert report["protocol"] == ("HTTP/2" if ng.http_version == "2" else "HTTP/1.1")
    assert report["websocket_handshake"] is False
    if profile == "h1":
        with_te = ng.get("/features", headers={"TE": "trailers"}).json()
        assert with_te["features"] == ["early_hints", "trailers"]
