"""SIGTERM on a real ``wsgi-ng serve`` with many WebSocket sessions open:
each session gets 1001 (going away) after the drain's announcement, its
thread ends and the process exits; a second signal stops at once.  Real
clients (websocket-client; wsproto on raw sockets), a bounded number of
sessions, every wait bounded."""
import signal

import pytest
from wsproto.events import TextMessage

from process import wait_bounded
from serving import WAIT, raw_session, serve_command
from test_cli_serve import HERE, output, wait_for_output

websocket = pytest.importorskip("websocket", reason="pip install websocket-client")
resource = pytest.importorskip("resource", reason="Unix: RLIMIT_NOFILE")
SESSIONS = 50

#: The test servers' app, served with descriptors past 1023 (as a server
#: with 1,000 connections has them): ``select()`` refuses those, and the
#: Python 2.7 shutdown waited in it.
MANY_FDS_APP = """
import os
import resource
import sys

sys.path.insert(0, %r)
from apps import application  # noqa: E402

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
HELD = [os.open(os.devnull, os.O_RDONLY) for _ in range(1024)]
""" % HERE


def many_fds_app(tmpdir):
    if resource.getrlimit(resource.RLIMIT_NOFILE)[1] < 2048:
        pytest.skip("needs a hard RLIMIT_NOFILE of 2048 or more")
    tmpdir.join("many_fds.py").write(MANY_FDS_APP)
    return "many_fds:application"


def test_sigterm_closes_every_session_with_1001_and_exits(tmpdir):
    with serve_command(["serve", many_fds_app(tmpdir), "--ng"],
                       str(tmpdir)) as (process, port, log):
        sessions = []
        for number in range(SESSIONS):
            ws = websocket.create_connection("ws://127.0.0.1:%d/ws" % port,
                                             timeout=WAIT)
            sessions.append(ws)
            ws.send(u"%d" % number)  # echoed: the session is the app's
            assert ws.recv() == u"%d" % number
        process.send_signal(signal.SIGTERM)
        closes = [each.recv_data(control_frame=True) for each in sessions]
        wait_bounded(process, WAIT)  # their threads ended: it exits
        for ws in sessions:
            ws.close()
        text = output(log)
    assert closes == [(websocket.ABNF.OPCODE_CLOSE, b"\x03\xe9")] * SESSIONS
    assert "stopping: finishing 0 requests and %d WebSocket sessions" \
        % SESSIONS in text  # sessions are not requests
    assert "Traceback" not in text
    assert process.returncode == 0


#: Sessions that never end: accepted, one message sent, then the app hangs.
HANGING_SESSIONS_APP = """
import threading


def application(environ, start_response):
    ws = environ["ng.websocket"]
    ws.accept()
    ws.send(u"accepted")
    threading.Event().wait()  # for ever


application.wsgi_ng = True
"""


def test_a_second_sigterm_stops_at_once_with_sessions_that_never_end(tmpdir):
    tmpdir.join("hanging_sessions.py").write(HANGING_SESSIONS_APP)
    with serve_command(["serve", "hanging_sessions", "--graceful-timeout",
                        "600"], str(tmpdir)) as (process, port, log):
        sessions = [raw_session(port) for _ in range(SESSIONS)]
        for sock, client in sessions:
            events = []
            while not events:
                data = sock.recv(65536)
                assert data, "closed before the app's first message"
                client.receive_data(data)
                events = list(client.events())
            assert isinstance(events[0], TextMessage), events
        process.send_signal(signal.SIGTERM)
        assert wait_for_output(log, "finishing 0 requests and %d WebSocket "
                               "sessions" % SESSIONS)
        process.send_signal(signal.SIGTERM)
        wait_bounded(process, WAIT)  # not the 600 s grace: at once
        text = output(log)
        for sock, _ in sessions:
            sock.close()
    assert "stopping at once; closing %d connections" % SESSIONS in text
    assert "Traceback" not in text
    assert process.returncode == 0
