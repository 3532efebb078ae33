"""The Flask adapter in-process, on every host profile and through the
conformance linter: flask-sock's ``Sock`` on ``ng.websocket`` (the API
flask-sock's views use, blueprints, URL variables, subprotocols, the way a
session ends), and Flask's request and response with wsgi-ng's idioms."""
import pytest

flask = pytest.importorskip("flask", reason="pip install flask")

from six.moves import queue  # noqa: E402

from wsgi_ng import ConnectionClosed as NgConnectionClosed  # noqa: E402
from wsgi_ng.adapters.flask import (  # noqa: E402
    ROUTING_TELLS_HANDSHAKES, ConnectionClosed, Request, Response, Sock,
)
from wsgi_ng.lint import LintMiddleware  # noqa: E402
from wsgi_ng.testing import PROFILES, Client, WebSocketDenied  # noqa: E402

WAIT = 5.0
WITH_WEBSOCKET = sorted(name for name, profile in PROFILES.items()
                        if "features" not in profile or "websocket" in
                        profile["features"])


def make_app(**config):
    """A Flask app as a flask-sock user writes one; ``app.seen`` is a
    queue of what its views observed."""
    app = flask.Flask(__name__)
    app.config.update(config)
    app.seen = queue.Queue()
    sock = Sock(app)

    @sock.route("/echo")
    def echo(ws):
        while True:
            ws.send(ws.receive())

    @sock.route("/room/<name>")
    def room(ws, name):
        ws.send(u"welcome to %s, %s" % (name, flask.request.args["who"]))

    @sock.route("/timeout")
    def timeout(ws):
        app.seen.put(ws.receive(timeout=0.01))
        ws.send(u"still here")
        ws.receive()

    @sock.route("/bye")
    def bye(ws):
        ws.close(reason=4001, message=u"done")
        app.seen.put(ws.connected)
        try:
            ws.close()
        except ConnectionClosed as closed:
            app.seen.put((closed.reason, closed.message))

    @sock.route("/ticker")
    def ticker(ws):
        try:
            while True:  # a view that only sends
                ws.send(u"tick")
        except ConnectionClosed as closed:
            app.seen.put(("gone", ws.connected, closed.reason))

    @sock.route("/kinds")
    def kinds(ws):
        ws.send(42)  # anything but bytes is text, as simple-websocket does
        ws.send(bytearray(b"\x00"))
        ws.send_text(u"text")
        ws.send_bytes(b"\x01")
        for message in ws:
            app.seen.put(message)

    @sock.route("/broken")
    def broken(ws):
        ws.send(u"about to fail")
        raise ValueError("the view failed")

    @sock.route("/protocol")
    def protocol(ws):
        ws.send(u"%s" % ws.subprotocol)
        ws.receive()

    return app


@pytest.fixture(params=WITH_WEBSOCKET)
def client(request):
    return Client.for_profile(LintMiddleware(make_app()), request.param)


def test_echo_on_every_host_with_websocket(client):
    with client.websocket("/echo") as ws:
        ws.send(u"h\u00e9llo")
        assert ws.receive() == u"h\u00e9llo"
        ws.send(b"\x00\xff")
        assert ws.receive() == b"\x00\xff"


def test_url_variables_and_the_request_context(client):
    with client.websocket("/room/lobby?who=ada") as ws:
        assert ws.receive() == u"welcome to lobby, ada"


def test_receive_with_a_timeout_returns_none():
    app = make_app()
    with Client(app).websocket("/timeout") as ws:
        assert ws.receive() == u"still here"
    assert app.seen.get(timeout=WAIT) is None


def test_close_with_code_and_message_then_closed_for_good():
    app = make_app()
    with Client(app).websocket("/bye") as ws:
        with pytest.raises(NgConnectionClosed):
            ws.receive()
        assert (ws.close_code, ws.close_reason) == (4001, u"done")
    assert app.seen.get(timeout=WAIT) is False
    assert app.seen.get(timeout=WAIT) == (4001, u"done")


def test_a_view_that_only_sends_learns_that_the_client_left():
    app = make_app()
    with Client(app).websocket("/ticker") as ws:
        assert ws.receive() == u"tick"
    assert app.seen.get(timeout=WAIT) == ("gone", False, 1000)


def test_message_kinds_and_iteration():
    app = make_app()
    with Client(app).websocket("/kinds") as ws:
        assert [ws.receive() for _ in range(4)] == [
            u"42", b"\x00", u"text", b"\x01"]
        ws.send(u"one")
        ws.send(b"two")
    assert [app.seen.get(timeout=WAIT) for _ in range(2)] == [u"one", b"two"]


def test_an_error_after_accept_closes_with_1011_and_is_logged(caplog):
    with Client(make_app()).websocket("/broken") as ws:
        assert ws.receive() == u"about to fail"
        with pytest.raises(NgConnectionClosed):
            ws.receive()
        assert ws.close_code == 1011
    assert "ValueError: the view failed" in caplog.text


def test_subprotocols_from_sock_server_options():
    app = make_app(SOCK_SERVER_OPTIONS={"subprotocols": ["chat", "echo"]})
    with Client(app).websocket("/protocol", subprotocols=["echo", "x"]) as ws:
        assert ws.subprotocol == "echo" and ws.receive() == u"echo"
    with Client(app).websocket("/protocol", subprotocols=["x"]) as ws:
        assert ws.subprotocol is None and ws.receive() == u"None"


def test_max_message_size_closes_with_1009():
    app = make_app(SOCK_SERVER_OPTIONS={"max_message_size": 4})
    with Client(app).websocket("/echo") as ws:
        ws.send(u"four")
        assert ws.receive() == u"four"
        ws.send(u"fives")
        with pytest.raises(NgConnectionClosed):
            ws.receive()
        assert ws.close_code == 1009


def test_the_exception_is_the_one_flask_sock_apps_catch():
    closed = ConnectionClosed(1001, u"going away")
    assert (closed.reason, closed.message, closed.code) == (1001, u"going away",
                                                            1001)
    assert isinstance(closed, NgConnectionClosed) and isinstance(closed, IOError)
    try:
        import simple_websocket
    except ImportError:
        return  # Python 2.7: there is no simple-websocket
    assert isinstance(closed, simple_websocket.ConnectionClosed)


def test_a_host_without_websocket_answers_426():
    client = Client.for_profile(make_app(), "plain")
    with pytest.raises(WebSocketDenied) as denied:
        with client.websocket("/echo"):
            pass
    response = denied.value.response
    assert response.status_code == 426
    assert response.header("Upgrade") == "websocket"
    assert "cannot accept a WebSocket" in response.text


def test_a_plain_get_on_a_websocket_route():
    response = Client(make_app()).get("/echo")
    if ROUTING_TELLS_HANDSHAKES:  # werkzeug's websocket=True rule refuses it
        assert response.status_code == 400
    else:  # Werkzeug 1.0: an ordinary rule, and the view says what it is
        assert response.status_code == 426
        assert "WebSocket endpoint" in response.text


def test_blueprints_and_a_late_init_app():
    sock = Sock()  # before the app exists: the routes wait for init_app

    @sock.route("/late")
    def late(ws):
        ws.send(u"late")

    blueprint = flask.Blueprint("chat", __name__)

    @sock.route("/in-blueprint", bp=blueprint)
    def in_blueprint(ws):
        ws.send(u"blueprint")

    app = flask.Flask(__name__)
    app.register_blueprint(blueprint, url_prefix="/chat")
    sock.init_app(app)
    for path, said in (("/late", u"late"), ("/chat/in-blueprint", u"blueprint")):
        with Client(app).websocket(path) as ws:
            assert ws.receive() == said


def test_route_keeps_the_view_function():
    sock = Sock(flask.Flask(__name__))

    def view(ws):
        pass
    assert sock.route("/v")(view) is view


# -- the request and response classes -----------------------------------------

def idiomatic_app():
    app = flask.Flask(__name__)
    app.request_class, app.response_class = Request, Response

    @app.route("/")
    def page():
        how = flask.request.push("/app.css")
        response = flask.make_response(u"<h1>Hi</h1>")
        response.headers["X-Push"] = ",".join(how)
        response.headers["X-Features"] = ",".join(
            sorted(flask.request.features))
        response.trailers["Server-Timing"] = "render;dur=3"
        return response

    @app.route("/stream")
    def stream():
        response = Response(mimetype="text/plain")

        def lines():
            yield b"one\n"
            response.trailers["X-Lines"] = "1"
        response.response = lines()
        return response

    @app.route("/ws", websocket=ROUTING_TELLS_HANDSHAKES)
    def websocket():
        ws = flask.request.websocket
        ws.accept()
        ws.send(ws.receive())
        return Response(status=101)

    return app


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_request_push_and_response_trailers_on_every_host(profile):
    client = Client.for_profile(LintMiddleware(idiomatic_app()), profile)
    response = client.get("/", headers=[("TE", "trailers")])
    assert response.body == b"<h1>Hi</h1>"
    features = PROFILES[profile].get("features", ["trailers"])
    if "trailers" in features:
        assert response.trailers == [("Server-Timing", "render;dur=3")]
        assert response.header("Trailer") == "Server-Timing"
        if client.http_version == "1.1":  # chunked instead of a length
            assert response.header("Content-Length") is None
    else:
        assert response.trailers == [] and response.header("Trailer") is None
    assert response.header("X-Push") in ("push", "early_hint", "link")
    assert response.header("Link") in (None, "</app.css>; rel=preload; as=style")


def test_trailers_added_while_a_body_streams():
    response = Client(idiomatic_app()).get("/stream")
    assert response.body == b"one\n" and response.trailers == [("X-Lines", "1")]


def test_request_websocket_in_an_ordinary_view():
    app = idiomatic_app()
    for profile in WITH_WEBSOCKET:
        with Client.for_profile(LintMiddleware(app), profile).websocket(
                "/ws") as ws:
            ws.send(u"own view")
            assert ws.receive() == u"own view"


def test_to_wsgi_is_installed_once():
    app = flask.Flask(__name__)
    Sock(app)
    exposed = app.wsgi_app
    Sock(app)
    assert app.wsgi_app is exposed
