"""Flask apps that already do WebSocket, served as their users serve them
-- ``wsgi-ng serve`` and gunicorn with the worker class -- and driven by
clients nobody here wrote:

* flask-sock's own example, unchanged: over HTTP/1.1 it takes
  ``gunicorn.socket`` over (websocket-client and the ``websockets``
  library);
* the same example with only its import changed to
  ``wsgi_ng.adapters.flask``: over HTTP/1.1, and over HTTP/2 too (RFC 8441:
  h2c, TLS, and headless Chromium), on 2.7 with Flask 1.1 as well;
* a Flask-SocketIO app in threading mode, with the python-socketio client.

flask-sock, simple-websocket and Flask-SocketIO's threading-mode WebSocket
need Python 3; their tests skip on 2.7, saying so.
"""
import os
import socket
import ssl
import sys

import pytest

from h2client import H2Client, H2WebSocket
from realapps.chromium import Chromium
from realapps.curl import Curl
from realapps.hosts import HOSTS

websocket = pytest.importorskip("websocket", reason="pip install websocket-client")

LEGACY = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))), "legacyws")
WAIT = 10.0
PY3_ONLY = pytest.mark.skipif(sys.version_info[0] < 3, reason=(
    "flask-sock, simple-websocket and Flask-SocketIO's threading-mode "
    "WebSocket run on Python 3 only"))
MOVED_IMPORT = ("from flask_sock import Sock",
                "from wsgi_ng.adapters.flask import Sock")


class Folder(object):
    """An app served from *path* as *wsgi_app* (``module:attribute``)."""

    def __init__(self, path, wsgi_app):
        self.path, self.wsgi_app = path, wsgi_app

    def environment(self, https):
        return {}


def flask_sock_example():
    pytest.importorskip("flask_sock", reason="pip install flask-sock "
                        "(tox installs it on py311 and py313 only)")
    return Folder(LEGACY, "flask_sock_echo:app")


@pytest.fixture(scope="session")
def moved_example(tmpdir_factory):
    """flask-sock's example with one line changed: its import."""
    with open(os.path.join(LEGACY, "flask_sock_echo.py")) as original:
        source = original.read()
    assert source.count(MOVED_IMPORT[0]) == 1
    folder = tmpdir_factory.mktemp("moved")  # a module name of its own:
    # the servers are shared by the tests, one per app name
    folder.join("moved_echo.py").write(source.replace(*MOVED_IMPORT))
    return Folder(str(folder), "moved_echo:app")


def serving(server, folder):
    """*server*, once it answers: curl waits up to 30 s for the app to
    load (seconds, on a busy machine), longer than WebSocket clients do."""
    assert Curl(folder, "http/1.1").get(server.base + "/").status == 404
    return server


def ws_url(server, path):
    return "ws%s://127.0.0.1:%d%s" % (
        "s" if server.scheme == "https" else "", server.port, path)


#: What websocket-client gets back for a text and a binary message.
ECHOED = [(websocket.ABNF.OPCODE_TEXT, u"h\u00e9llo".encode("utf-8")),
          (websocket.ABNF.OPCODE_BINARY, b"\x00\xff")]


def echo_with_websocket_client(server):
    ws = websocket.create_connection(ws_url(server, "/echo"), timeout=WAIT)
    ws.send(u"h\u00e9llo")
    text = ws.recv_data()
    ws.send_binary(b"\x00\xff")
    binary = ws.recv_data()
    ws.close()
    return [text, binary]


@PY3_ONLY
@pytest.mark.parametrize("host", HOSTS)
def test_the_flask_sock_example_runs_unchanged_over_http1(serve, host, tmpdir):
    server = serving(serve(flask_sock_example(), host), str(tmpdir))
    assert echo_with_websocket_client(server) == ECHOED
    if sys.version_info >= (3, 8):
        from websockets.sync.client import connect
        with connect(ws_url(server, "/echo"), open_timeout=WAIT,
                     close_timeout=WAIT) as ws:
            ws.send(u"from websockets")
            assert ws.recv(timeout=WAIT) == u"from websockets"
        assert ws.close_code == 1000
    output = serve.logged('"GET /echo HTTP/1.1" 101 ')
    assert '"GET /echo HTTP/1.1" 101 ' in output, output
    assert "Traceback" not in output


@PY3_ONLY
def test_the_flask_sock_example_runs_unchanged_over_tls_http1(serve):
    """The socket handed over is the TLS one (wss://, HTTP/1.1)."""
    server = serve(flask_sock_example(), "wsgi-ng", tls=True)
    ws = websocket.create_connection(ws_url(server, "/echo"), timeout=WAIT,
                                     sslopt={"cert_reqs": ssl.CERT_NONE})
    ws.send(u"over TLS")
    assert ws.recv() == u"over TLS"
    ws.close()
    assert '"GET /echo HTTP/1.1" 101 ' in serve.logged('" 101 ')


@pytest.mark.parametrize("host", HOSTS)
def test_with_its_import_changed_it_runs_over_http1_and_http2(
        serve, host, moved_example, tmpdir):
    server = serving(serve(moved_example, host), str(tmpdir))
    assert echo_with_websocket_client(server) == ECHOED
    sock = socket.create_connection(("127.0.0.1", server.port), WAIT)
    h2 = H2Client(sock, "127.0.0.1:%d" % server.port)  # h2c, prior knowledge
    assert h2.get("/").status == 404  # SETTINGS arrived: extended CONNECT on
    ws = H2WebSocket(h2, "/echo")
    assert ws.status == 200
    ws.send(u"over h2c")
    assert ws.receive() == u"over h2c"
    assert ws.close().code == 1000
    h2.close()
    output = serve.logged('"GET /echo HTTP/2" 200 ')
    assert '"GET /echo HTTP/1.1" 101 ' in output
    assert '"GET /echo HTTP/2" 200 ' in output, output
    assert "Traceback" not in output


def test_with_its_import_changed_it_runs_over_tls_http2(serve, moved_example):
    server = serve(moved_example, "wsgi-ng", tls=True)
    context = ssl.SSLContext(getattr(ssl, "PROTOCOL_TLS_CLIENT",
                                     ssl.PROTOCOL_SSLv23))
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["h2"])
    sock = context.wrap_socket(socket.create_connection(
        ("127.0.0.1", server.port), WAIT), server_hostname="127.0.0.1")
    assert sock.selected_alpn_protocol() == "h2"
    h2 = H2Client(sock, "127.0.0.1:%d" % server.port, scheme="https")
    h2.get("/")
    ws = H2WebSocket(h2, "/echo")
    ws.send(b"\x01 over TLS")
    assert (ws.status, ws.receive()) == (200, b"\x01 over TLS")
    ws.close()
    h2.close()


ECHO_IN_THE_PAGE = """new Promise(function (resolve, reject) {
  var ws = new WebSocket("wss://" + location.host + "/echo");
  ws.onopen = function () { ws.send("from chromium"); };
  ws.onmessage = function (event) { ws.close(); resolve(event.data); };
  ws.onerror = function () { reject(new Error("WebSocket error")); };
})"""


def test_with_its_import_changed_chromium_echoes_over_http2(
        serve, moved_example, tmpdir):
    """Chromium speaks RFC 8441 on the page's HTTP/2 connection."""
    server = serve(moved_example, "wsgi-ng", tls=True)
    with Chromium(str(tmpdir.mkdir("profile")),
                  ignore_certificate_errors=True) as browser:
        tab = browser.new_tab()
        tab.loading(tab.navigate, server.base + "/")  # a 404 page, over h2
        result = tab.command("Runtime.evaluate", expression=ECHO_IN_THE_PAGE,
                             awaitPromise=True, returnByValue=True)
        protocols = set(r["protocol"] for r in tab.responses())
    assert result["result"].get("value") == "from chromium", result
    assert protocols == set(["h2"])
    output = serve.logged('"GET /echo HTTP/2" 200 ')
    assert '"GET /echo HTTP/2" 200 ' in output, output


@PY3_ONLY
@pytest.mark.parametrize("host", HOSTS)
def test_a_flask_socketio_app_exchanges_events(serve, host, tmpdir):
    pytest.importorskip("flask_socketio", reason="pip install flask-socketio "
                        "(tox installs it on py311 and py313 only)")
    socketio = pytest.importorskip("socketio",
                                   reason="pip install python-socketio[client]")
    from six.moves import queue
    server = serve(Folder(LEGACY, "socketio_chat:app"), host)
    # Engine.IO's polling handshake, with curl: it waits for the app to
    # load (seconds, on a busy machine), which Socket.IO's own 5 s would not
    polled = Curl(str(tmpdir), "http/1.1").get(
        server.base + "/socket.io/?EIO=4&transport=polling")
    assert polled.status == 200 and '"sid"' in polled.text, polled.text
    got = queue.Queue()
    client = socketio.Client(request_timeout=WAIT)
    client.on("my response", got.put)
    client.connect(server.base, transports=["websocket"], wait_timeout=WAIT)
    try:
        assert client.transport() == "websocket"
        client.emit("my event", {"data": "hello"})
        assert got.get(timeout=WAIT) == {"got": {"data": "hello"}}
    finally:
        client.disconnect()
    output = serve.logged('" 101 ')
    assert [line for line in output.splitlines() if "GET /socket.io/?" in line
            and "transport=websocket" in line and '" 101 ' in line], output
    assert "Traceback" not in output
