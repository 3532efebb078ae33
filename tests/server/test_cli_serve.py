"""``wsgi-ng serve`` and ``wsgi-ng demo`` as a user runs them: a child
process on an inherited socket, talked to by curl and the h2 client, and
stopped with SIGTERM."""
import json
import os
import signal
import socket
import subprocess

import pytest

from h2client import H2Client
from process import wait_bounded
from serving import WAIT, serve_command

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
        assert "[h2] GET / -> 200 OK" in output(log)  # the report came first
