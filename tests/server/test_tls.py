"""HTTPS on the same server: ALPN chooses HTTP/2 or HTTP/1.1, and a real
browser (headless Chromium) loads the demo page over HTTP/2 and completes a
WebSocket round trip -- over HTTP/2 too (RFC 8441)."""
import json
import logging
import socket
import ssl
import subprocess
import threading
import time

import pytest

from apps import application
from h2client import H2Client
from process import wait_bounded
from realapps import chromium
from realapps.certificate import self_signed
from serving import WAIT, running
from wsgi_ng.demo import app as demo_app
from wsgi_ng.server import tls_context


@pytest.fixture(scope="module")
def certificate(tmpdir_factory):
    """A self-signed certificate for 127.0.0.1: (certfile, keyfile)."""
    return self_signed(str(tmpdir_factory.mktemp("tls")))


def client_tls(protocols):
    context = ssl.SSLContext(getattr(ssl, "PROTOCOL_TLS_CLIENT",
                                     ssl.PROTOCOL_SSLv23))  # 2.7: the latter
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(protocols)
    return context


@pytest.mark.parametrize("alpn,expected", [(["h2", "http/1.1"], "h2"),
                                           (["http/1.1"], "http/1.1")])
def test_alpn_picks_the_protocol(certificate, alpn, expected):
    with running(application, tls=tls_context(*certificate)) as server:
        raw = socket.create_connection(("127.0.0.1", server.port), WAIT)
        sock = client_tls(alpn).wrap_socket(raw, server_hostname="127.0.0.1")
        assert sock.selected_alpn_protocol() == expected
        if expected == "h2":
            h2 = H2Client(sock, server.url, scheme="https")
            report = json.loads(h2.get("/info").body.decode())
            h2.close()
            assert report["protocol"] == "HTTP/2"
        else:
            sock.sendall(b"GET /info HTTP/1.1\r\nHost: x\r\n"
                         b"Connection: close\r\n\r\n")
            data = b""
            while True:
                try:
                    chunk = sock.recv(65536)
                except ssl.SSLError:  # Python 2: EOF without close_notify
                    break
                if not chunk:
                    break
                data += chunk
            assert data.startswith(b"HTTP/1.1 200 ") and b'"HTTP/1.1"' in data
            sock.close()


def test_a_tls_client_that_stops_reading_is_dropped_after_send_timeout(
        certificate):
    """TLS keeps Python's socket timeout (not the kernel's): it holds too."""
    with running(application, tls=tls_context(*certificate),
                 send_timeout=0.5) as server:
        raw = socket.create_connection(("127.0.0.1", server.port), WAIT)
        sock = client_tls(["http/1.1"]).wrap_socket(
            raw, server_hostname="127.0.0.1")
        sock.sendall(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(1.5)  # the attack: read nothing while the server writes
        received = 0
        while True:
            try:
                chunk = sock.recv(1 << 20)
            except (ssl.SSLError, socket.error):  # cut off mid-record
                break
            if not chunk:
                break
            received += len(chunk)
        sock.close()
        assert received < 64 * 1024 * 1024  # cut off, not delivered


def test_chromium_loads_the_demo_over_http2_and_echoes_on_a_websocket(
        certificate, tmpdir, caplog):
    """The demo page opens a WebSocket, sends "ready" and, on the echo,
    fetches ``/features?echo=ready``: that request is the signal."""
    caplog.set_level(logging.INFO, logger="wsgi_ng.access")
    echoed = threading.Event()

    def watching(environ, start_response):
        if environ["QUERY_STRING"] == "echo=ready":
            echoed.set()
        return demo_app(environ, start_response)
    watching.wsgi_ng = True

    with running(watching, tls=tls_context(*certificate)) as server:
        browser = subprocess.Popen([
            chromium.program(), "--headless", "--no-sandbox", "--disable-gpu",
            "--ignore-certificate-errors", "--no-first-run",
            "--user-data-dir=%s" % tmpdir, "https://%s/" % server.url],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            assert echoed.wait(60), "no WebSocket echo reached the page"
        finally:
            browser.terminate()
            wait_bounded(browser, WAIT, communicate=True)
    log = caplog.text
    assert '"GET / HTTP/2" 200' in log  # the page over HTTP/2 (ALPN)
    assert '"GET /ws HTTP/2" 200' in log  # the WebSocket over HTTP/2 too
    assert '"GET /features?echo=ready HTTP/2" 200' in log


def test_a_served_session_over_tls_echoes_small_and_large_messages(
        certificate):
    """A session handed to a handler waits in the poller; over TLS a read
    may bring part of a record, or more than one message."""
    websocket = pytest.importorskip("websocket",
                                    reason="pip install websocket-client")
    with running(application, tls=tls_context(*certificate)) as server:
        ws = websocket.create_connection(
            "wss://%s/served" % server.url, timeout=WAIT,
            sslopt={"cert_reqs": ssl.CERT_NONE, "check_hostname": False})
        big = b"\x01" * (300 * 1024)  # many TLS records
        for message in (b"small", big, b"again"):
            ws.send_binary(message)
        assert [ws.recv() for _ in range(3)] == [b"small", big, b"again"]
        ws.close()
