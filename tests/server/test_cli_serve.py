"""``wsgi-ng serve`` and ``wsgi-ng demo`` as a user runs them: a child
process on an inherited socket, talked to by curl and the h2 client, and
stopped with SIGTERM."""
import errno
import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from wsproto.events import BytesMessage, CloseConnection

from h2client import H2Client
from process import wait_bounded
from serving import (
    WAIT, events_until_closed, raw_session, read_until_closed, serve_command,
)

HERE = os.path.dirname(os.path.abspath(__file__))
DJANGO = os.path.join(HERE, os.pardir, os.pardir, "examples", "django_project")


def h2_get(port, path):
    h2 = H2Client(socket.create_connection(("127.0.0.1", port), WAIT),
                  "127.0.0.1:%d" % port)
    try:
        return h2.get(path)
    finally:
        h2.close()


def output(log):
    log.seek(0)
    return log.read().decode("utf-8", "replace")


def test_serve_an_app_then_stop_it_with_sigterm():
    with serve_command(["serve", "apps:application", "--ng"], HERE) as (
            process, port, log):
        report = json.loads(h2_get(port, "/info?q=1").body.decode())
        assert report["protocol"] == "HTTP/2" and "push" in report["features"]
        process.send_signal(signal.SIGTERM)
        wait_bounded(process, WAIT)
        assert process.returncode == 0
        text = output(log)
    assert '"GET /info?q=1 HTTP/2" 200' in text  # the access log
    assert "Traceback" not in text


def test_serve_a_django_project_unchanged_over_http2():
    pytest.importorskip("django", reason="pip install django")
    with serve_command(["serve", "mysite.wsgi:application"], DJANGO) as (
            process, port, log):
        h2 = H2Client(socket.create_connection(("127.0.0.1", port), WAIT),
                      "127.0.0.1:%d" % port)
        reply = h2.response(h2.request(
            "POST", "/form", [("content-type", "application/x-www-form-urlencoded")],
            body=b"name=ng&version=1"))  # no content-length: contained
        h2.close()
        assert "Traceback" not in output(log)
    assert json.loads(reply.body.decode()) == {"name": "ng", "version": "1"}


def readme_app_source():
    """The README's "30 seconds" app, exactly as a user copies it."""
    readme = os.path.join(HERE, os.pardir, os.pardir, "README.md")
    with open(readme) as text:
        return text.read().split("```python\n", 1)[1].split("```", 1)[0]


def test_the_readme_app_served_as_the_readme_says_echoes(tmpdir):
    websocket = pytest.importorskip("websocket",
                                    reason="pip install websocket-client")
    tmpdir.join("myapp.py").write(readme_app_source())
    with serve_command(["serve", "myapp:app"], str(tmpdir)) as (
            process, port, log):
        ws = websocket.create_connection("ws://127.0.0.1:%d/ws" % port,
                                         timeout=WAIT)
        ws.send(u"hello")
        assert ws.recv() == u"hello"
        ws.close()
        page = h2_get(port, "/")
        assert page.status == 200 and b"<h1>Hello</h1>" in page.body
        assert "Traceback" not in output(log)


def test_max_body_size_holds_for_a_contained_app():
    """The server's limit, not from_wsgi's own default (32 MiB), bounds what
    a contained app spools from a body without a length."""
    limit = 34 * 1024 * 1024
    with serve_command(["serve", "apps:application", "--max-body-size",
                        str(limit)], HERE) as (process, port, log):
        h2 = H2Client(socket.create_connection(("127.0.0.1", port), WAIT),
                      "127.0.0.1:%d" % port)
        served = h2.response(h2.request("POST", "/upload",
                                        body=b"x" * (limit - 1)))
        refused = h2.response(h2.request("POST", "/upload",
                                         body=b"x" * (limit + 1)))
        h2.close()
        process.send_signal(signal.SIGTERM)
        wait_bounded(process, WAIT)
        text = output(log)
    assert refused.status == 413 and served.status == 200
    assert "InvalidBodyLength" not in text and "Traceback" not in text


def test_max_message_size_closes_a_session_with_1009():
    websocket = pytest.importorskip("websocket",
                                    reason="pip install websocket-client")
    with serve_command(["serve", "apps:application", "--max-message-size",
                        "1024"], HERE) as (process, port, log):
        ws = websocket.create_connection("ws://127.0.0.1:%d/ws" % port,
                                         timeout=WAIT)
        ws.send_binary(b"x" * 1024)
        assert ws.recv() == b"x" * 1024
        ws.send_binary(b"x" * 1025)
        opcode, data = ws.recv_data(control_frame=True)
        ws.close()
    assert opcode == websocket.ABNF.OPCODE_CLOSE and data[:2] == b"\x03\xf1"


def test_ws_ping_options_close_a_silent_peer_with_1011():
    with serve_command(["serve", "apps:application", "--ws-ping-interval",
                        "0.2", "--ws-ping-timeout", "0.3"], HERE) as (
            process, port, log):
        sock, client = raw_session(port, "/ws")
        events = events_until_closed(sock, client)  # it never answers
        sock.close()
    assert [event.code for event in events
            if isinstance(event, CloseConnection)][0] == 1011


def whole_message(sock, client):
    """The next whole message the server sends on a raw session."""
    parts = []
    while True:
        for event in client.events():
            if isinstance(event, BytesMessage):
                parts.append(bytes(event.data))  # bytearray, wsproto 0.14
                if event.message_finished:
                    return b"".join(parts)
        data = sock.recv(65536)
        assert data, "the server closed the session"
        client.receive_data(data)


def test_ws_buffer_limit_makes_a_session_mid_message_wait_for_room(tmpdir):
    """Two sessions each in the middle of a message, together past
    --ws-buffer-limit: whichever the server read second waits (the log
    says so) until they complete, and then both messages echo whole."""
    with serve_command(["serve", "apps:application", "--ws-buffer-limit",
                        "65536"], HERE) as (process, port, log):
        sessions = [raw_session(port, "/served") for _ in range(2)]
        heads = [os.urandom(100 * 1024), os.urandom(10 * 1024)]
        for (sock, client), head in zip(sessions, heads):
            sock.sendall(client.send(BytesMessage(data=head,
                                                  message_finished=False)))
        assert wait_for_output(log, "ws_buffer_limit=65536 bytes reached: "
                               "WebSocket sessions in the middle of a "
                               "message wait to read")
        for (sock, client), tail in zip(sessions, [b"one", b"two"]):
            sock.sendall(client.send(BytesMessage(data=tail)))
        echoed = [whole_message(sock, client) for sock, client in sessions]
        for sock, client in sessions:
            sock.close()
    assert echoed == [heads[0] + b"one", heads[1] + b"two"]


HANGING_APP = """
import sys
import threading

def application(environ, start_response):
    sys.stderr.write("the app was called\\n")
    sys.stderr.flush()
    threading.Event().wait()  # for ever
"""


def wait_for_output(log, text):
    deadline = time.time() + WAIT
    while text not in output(log) and time.time() < deadline:
        time.sleep(0.05)  # the child's log is a file: look again
    return text in output(log)


def test_sigterm_says_what_it_waits_for_and_a_second_one_stops_at_once(
        tmpdir):
    tmpdir.join("hanging.py").write(HANGING_APP)
    with serve_command(["serve", "hanging", "--graceful-timeout", "600"],
                       str(tmpdir)) as (process, port, log):
        sock = socket.create_connection(("127.0.0.1", port), WAIT)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert wait_for_output(log, "the app was called")
        process.send_signal(signal.SIGTERM)
        assert wait_for_output(log, "finishing 1 request")
        process.send_signal(signal.SIGTERM)
        wait_bounded(process, WAIT)  # not the 600 s grace: at once
        text = output(log)
        sock.close()
    assert "press Ctrl+C again, or send another SIGTERM, to stop at " \
        "once" in text
    assert "stopping: finishing 1 request and 0 WebSocket sessions" in text
    assert "stopping at once; closing 1 connections" in text
    assert process.returncode == 0


SIGTERM_ELSEWHERE = """
import select
import signal
import sys

real_select = select.select


def select_with_sigterm_blocked(*args):
    # this thread (the main one) blocks SIGTERM: the kernel must deliver it
    # to another -- which it may do anyway, whenever it likes
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM])
    return real_select(*args)


select.select = select_with_sigterm_blocked
from wsgi_ng.cli import main  # noqa: E402
sys.exit(main())
"""


def test_sigterm_delivered_to_another_thread_still_stops_the_server(tmpdir):
    """Python runs a signal's handler in the main thread when that thread
    wakes; a main thread waiting for ever never did."""
    if not hasattr(signal, "pthread_sigmask"):
        pytest.skip("signal.pthread_sigmask needs Python 3.3")
    tmpdir.join("sigterm_elsewhere.py").write(SIGTERM_ELSEWHERE)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    process = subprocess.Popen(
        [sys.executable, str(tmpdir.join("sigterm_elsewhere.py")), "serve",
         "apps:application", "--fd", str(listener.fileno())], cwd=HERE,
        pass_fds=[listener.fileno()], stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT)
    try:
        assert h2_get(listener.getsockname()[1], "/info").status == 200
        process.send_signal(signal.SIGTERM)
        wait_bounded(process, WAIT)
    finally:
        listener.close()
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0


def test_demo_serves_the_showcase():
    with serve_command(["demo"], HERE) as (process, port, log):
        page = h2_get(port, "/")
        assert page.status == 200
        assert b'<b id="protocol">HTTP/2</b>' in page.body
        assert b'<b id="delivery">push</b>' in page.body
        assert page.trailers[0][0] == "server-timing"
        if subprocess.call(["which", "curl"], stdout=subprocess.PIPE) == 0:
            http1 = subprocess.check_output(
                ["curl", "-sS", "-m", str(int(WAIT)), "http://127.0.0.1:%d/" % port])
            assert b'<b id="protocol">HTTP/1.1</b>' in http1
            assert b'<b id="delivery">early_hint</b>' in http1
        text = output(log)
        assert "[h2] GET / -> 200 OK" in text  # the report came first
        assert "Ctrl+C stops" in text


#: Bound on a server process starting; under --reload two start in turn
#: (the supervisor, then its child), which on a busy machine took longer
#: than WAIT (tox py310 and py312, running beside other environments).
STARTUP = 3 * WAIT


def http_get(port, timeout=WAIT):
    sock = socket.create_connection(("127.0.0.1", port), timeout)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    reply = read_until_closed(sock)
    sock.close()
    return reply.partition(b"\r\n\r\n")[2]


def write_app(path, body):
    """Write the app module, its mtime moved on by whole seconds: a change
    within the same second must be seen, and recompiled (a .pyc records
    the source's mtime in seconds)."""
    before = os.stat(path).st_mtime if os.path.exists(path) else 0
    with open(path, "w") as module:
        module.write(body)
    later = max(before + 2, time.time())
    os.utime(path, (later, later))


def app_source(answer):
    return ("def application(environ, start_response):\n"
            "    start_response('200 OK', [('Content-Length', '2')])\n"
            "    return [b'%s']\n" % answer)


def served_eventually(port, wanted):
    """True once *port* answers with the body *wanted* (or one *wanted*
    says yes to) within STARTUP: each reload starts a new process, which
    answers the requests made meanwhile from the backlog."""
    deadline = time.time() + STARTUP
    while time.time() < deadline:
        try:
            body = http_get(port, STARTUP)
        except socket.error as error:
            # KNOWN: on 2.7, about 1 run in 20, a request made while the
            # old process stops is reset (not yet found; see the session
            # note): tried again, as a browser would
            if error.args[0] != errno.ECONNRESET:
                raise
            continue
        if wanted(body) if callable(wanted) else body == wanted:
            return True
    return False


def test_reload_serves_the_changed_app_on_the_same_port(tmpdir):
    path = str(tmpdir.join("reloadme.py"))
    write_app(path, app_source("v1"))
    with serve_command(["serve", "reloadme:application", "--reload"],
                       str(tmpdir)) as (process, port, log):
        assert served_eventually(port, b"v1")
        write_app(path, app_source("v2"))
        assert served_eventually(port, b"v2")
        write_app(path, "def application(:\n")  # a typo mid-edit
        # the old app answers until the reload, then a 500 with the traceback
        assert served_eventually(port, lambda body: b"SyntaxError" in body)
        assert "cannot load reloadme:application" in output(log)
        write_app(path, app_source("v3"))
        assert served_eventually(port, b"v3")
        process.send_signal(signal.SIGTERM)
        wait_bounded(process, WAIT)
        assert process.returncode == 0
    with pytest.raises(socket.error):  # no child left holding the port
        socket.create_connection(("127.0.0.1", port), WAIT)
