"""from_asgi: a Starlette app with a WebSocket route and a lifespan
handler, served for real -- by ``wsgi-ng serve`` over HTTP/1.1, HTTP/2 and
WebSocket, and by gunicorn's gthread workers (pre-fork, two processes)
through ``to_wsgi``."""
import hashlib
import json
import os
import signal
import time

import pytest
from wsproto.connection import Connection, ConnectionType
from wsproto.events import TextMessage

from h2client import H2Client
from live import WAIT, LiveServer
from process import wait_bounded
from serving import serve_command
from wsgi_scenarios import exchange, raw_handshake, response_of
from test_to_asgi import HANDSHAKE, next_close

pytest.importorskip("starlette", reason="pip install starlette")
websocket = pytest.importorskip("websocket", reason="pip install websocket-client")

HOSTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                     os.pardir, "hosts")
FIVE_MIB = os.urandom(5 * 1024 * 1024)


class Served(object):
    """``wsgi-ng serve`` as a live server (``url``, ``port``, ``connect``)."""

    def __init__(self, process, port, log):
        self.process, self.port, self._log = process, port, log
        self.url = "127.0.0.1:%d" % port

    def connect(self):
        import socket
        return socket.create_connection(("127.0.0.1", self.port), WAIT)

    def output(self):
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")


def wait_for(condition, what):
    deadline = time.time() + WAIT
    while not condition():
        assert time.time() < deadline, what
        time.sleep(0.05)


def test_starlette_under_wsgi_ng_serve_http1_http2_and_websocket():
    with serve_command(["serve", "starlette_app:application", "--log-level",
                        "info"], HOSTS) as (process, port, log):
        server = Served(process, port, log)
        wait_for(lambda: "wsgi-ng serving" in server.output(), server.output())
        status, _, body = response_of(exchange(server, "GET", "/pid"))
        report = json.loads(body.decode())
        assert status == 200 and report["lifespan"] == process.pid
        assert report["protocol"] == "1.1"
        # the lifespan ran before the first request, not because of it
        assert server.output().index("lifespan startup") < server.output().index(
            "wsgi-ng serving")

        h2 = H2Client(server.connect(), server.url)
        assert json.loads(h2.get("/pid").body.decode())["protocol"] == "2"
        numbers = h2.get("/numbers")
        upload = h2.response(h2.request("POST", "/upload", body=FIVE_MIB))
        h2.close()
        assert numbers.body == b"".join(b"%d\n" % n for n in range(1000))
        assert json.loads(upload.body.decode()) == {
            "length": len(FIVE_MIB),
            "sha256": hashlib.sha256(FIVE_MIB).hexdigest()}

        ws = websocket.create_connection("ws://%s/ws" % server.url,
                                         timeout=WAIT, subprotocols=["echo"])
        ws.send(u"h\u00e9llo")
        assert ws.recv() == u"h\u00e9llo"
        ws.send_binary(b"\x00\xff")
        assert ws.recv() == b"\x00\xff"
        assert ws.subprotocol == "echo"
        ws.close()

        sock = raw_handshake(server)
        conn = Connection(ConnectionType.CLIENT)
        sock.sendall(conn.send(TextMessage(data=u"close:4003")))
        close = next_close(sock, conn)
        sock.close()
        assert (close.code, close.reason) == (4003, u"starlette says bye")

        status, _, _ = response_of(exchange(server, "GET", "/refuse",
                                            headers=HANDSHAKE))
        assert status == 403
        process.send_signal(signal.SIGTERM)
        wait_bounded(process, WAIT)
        output = server.output()
    assert process.returncode == 0, output
    assert "lifespan shutdown in %d" % process.pid in output
    assert "Traceback" not in output, output


def test_a_failing_startup_is_a_clear_error_and_nothing_is_served():
    with serve_command(["serve", "starlette_app:broken"], HOSTS) as (
            process, port, log):
        wait_bounded(process, WAIT)
        log.seek(0)
        output = log.read().decode("utf-8", "replace")
    assert process.returncode == 1
    assert output.rstrip().splitlines()[-1] == (
        "wsgi-ng: the ASGI application's startup failed: RuntimeError: "
        "no database"), output


def test_starlette_under_gunicorn_gthread_with_two_workers():
    """Pre-fork: the workers fork after the import; each runs its own
    loop and lifespan, before its first request."""
    with LiveServer("gunicorn-gthread-2", "starlette_app:wsgi_application") as server:
        wait_for(lambda: server.output().count("Booting worker") == 2,
                 server.output())
        seen = {}
        deadline = time.time() + WAIT
        while len(seen) < 2:  # gunicorn decides which worker accepts
            assert time.time() < deadline, seen
            _, _, body = response_of(exchange(server, "GET", "/pid"))
            report = json.loads(body.decode())
            seen[report["pid"]] = report["lifespan"]
        ws = websocket.create_connection("ws://%s/ws" % server.url, timeout=WAIT)
        ws.send(u"through gthread")
        echoed = ws.recv()
        ws.close()
        chunks = (FIVE_MIB[i:i + 65536] for i in range(0, len(FIVE_MIB), 65536))
        status, _, body = response_of(exchange(server, "POST", "/upload",
                                               body=chunks))
        server.process.send_signal(signal.SIGTERM)
        wait_bounded(server.process, WAIT)
    assert all(pid == lifespan for pid, lifespan in seen.items()), seen
    assert echoed == u"through gthread"
    assert status == 200 and json.loads(body.decode())["length"] == len(FIVE_MIB)
    for pid in seen:
        assert "lifespan startup in %d" % pid in server.final_output
        assert "lifespan shutdown in %d" % pid in server.final_output
    assert "Traceback" not in server.final_output, server.final_output
