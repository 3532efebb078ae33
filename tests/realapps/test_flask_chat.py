"""The example Flask chat (``examples/flask_chat``) served as its docstring
says -- ``wsgi-ng serve``, gunicorn with the worker class, and plain
gunicorn ``gthread`` (the app brings ``to_wsgi`` through ``Sock``) -- and
used the way a person uses it: curl logs in through the Flask-WTF form,
posts a message with the page's form, reads it back from the JSON API and
gets the stylesheet from WhiteNoise; then a WebSocket carrying the
session cookie gets the room's history and its own message back --
websocket-client over HTTP/1.1, an RFC 8441 stream over HTTP/2."""
import json
import os
import socket
import ssl

import pytest

from h2client import H2Client, H2WebSocket
from realapps.curl import PROTOCOLS, Curl
from realapps.forms import find_form
from realapps.hosts import GTHREAD, HOSTS

websocket = pytest.importorskip("websocket", reason="pip install websocket-client")

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                       os.pardir, "examples", "flask_chat")
WAIT = 10.0
#: (host, protocol): gunicorn's gthread speaks HTTP/1.1 only.
SERVED = [(host, protocol) for host in HOSTS for protocol in PROTOCOLS] + [
    (GTHREAD, "http/1.1")]


class ChatExample(object):
    """The example, with its messages in a database of the test's own."""

    path = os.path.abspath(EXAMPLE)
    wsgi_app = "flaskchat:app"
    username, password = "ada", "analytical-engine"

    def __init__(self, folder):
        self.folder = folder

    def environment(self, https):
        """Settings for the server: a fresh database, Secure cookies over
        HTTPS (``https_settings.py``, as a deployment would)."""
        settings = os.path.join(self.folder, "https.py" if https else "http.py")
        with open(settings, "w") as out:
            out.write("DATABASE = %r\n" % os.path.join(self.folder, "chat.sqlite"))
            if https:
                with open(os.path.join(self.path, "https_settings.py")) as deploy:
                    out.write(deploy.read())
        return {"CHAT_SETTINGS": settings}


@pytest.fixture(scope="session")
def chat_example(tmpdir_factory):
    for module, package in (("flask_login", "flask-login"),
                            ("flask_wtf", "flask-wtf"),
                            ("whitenoise", "whitenoise")):
        pytest.importorskip(module, reason="pip install " + package)
    return ChatExample(str(tmpdir_factory.mktemp("chat")))


def open_h2(server):
    sock = socket.create_connection(("127.0.0.1", server.port), WAIT)
    if server.scheme == "https":
        context = ssl.SSLContext(getattr(ssl, "PROTOCOL_TLS_CLIENT",
                                         ssl.PROTOCOL_SSLv23))
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        context.set_alpn_protocols(["h2"])
        sock = context.wrap_socket(sock, server_hostname="127.0.0.1")
    h2 = H2Client(sock, "127.0.0.1:%d" % server.port, scheme=server.scheme)
    h2.get("/static/chat.css")  # SETTINGS have arrived: extended CONNECT on
    return h2


def chat_over_websocket(server, version, cookie, said):
    """Join the room with the session *cookie*, say *said*; returns the
    room's history and the echo of *said*."""
    if version == "1.1":  # websocket-client sends the Origin a page would
        ws = websocket.WebSocket(sslopt={"cert_reqs": ssl.CERT_NONE})
        ws.connect(server.base.replace("http", "ws", 1) + "/ws", timeout=WAIT,
                   cookie=cookie)
        history = ws.recv()
        ws.send(said)
        echoed = ws.recv()
        ws.close()
    else:
        h2 = open_h2(server)
        ws = H2WebSocket(h2, "/ws", [("cookie", cookie),
                                     ("origin", server.base)])
        assert ws.status == 200
        history = ws.receive()
        ws.send(said)
        echoed = ws.receive()
        ws.close()
        h2.close()
    return json.loads(history), json.loads(echoed)


@pytest.mark.parametrize("host,protocol", SERVED)
def test_log_in_post_read_back_and_chat_live(chat_example, serve, host,
                                             protocol, tmpdir):
    wanted = PROTOCOLS[protocol]
    server = serve(chat_example, host, tls=wanted.tls)
    visit = Curl(str(tmpdir), protocol)
    login = visit.get(server.base + "/")
    assert login.url == server.base + "/login?next=%2F", login.text
    page = visit.submit(find_form(login.text, login.url, "login"), login,
                        username=chat_example.username,
                        password=chat_example.password)
    assert (page.status, page.url) == (200, server.base + "/"), page.text
    assert '<strong id="user">ada</strong>' in page.text
    said = u"posted over %s to %s" % (protocol, host)
    page = visit.submit(find_form(page.text, page.url, "post"), page, text=said)
    assert said in page.text
    api = json.loads(visit.get(server.base + "/api/messages").text)
    assert {"user": "ada", "text": said} in api["messages"]
    css = visit.get(server.base + "/static/chat.css")
    assert css.status == 200 and "#messages" in css.text
    assert visit.versions() == set([wanted.version])
    assert visit.malformed() == []
    cookie = "session=" + visit.cookies()["session"].value
    assert visit.cookies()["session"].secure == wanted.tls
    live = u"live over %s to %s" % (protocol, host)
    history, echoed = chat_over_websocket(server, wanted.version, cookie, live)
    assert {"user": "ada", "text": said} in history["history"]
    assert echoed == {"user": "ada", "text": live}
    assert "Traceback" not in serve.output()
