"""Run the reference server in this process on a port of 127.0.0.1, for
tests that talk to it over real sockets."""
import contextlib
import signal
import socket
import subprocess
import sys
import tempfile
import threading

from wsproto.connection import Connection, ConnectionType

from process import inheriting, listening_socket, wait_bounded
from wsgi_ng.hosting.client import read_until_closed  # noqa: F401 (for the tests)
from wsgi_ng.server import Config, Server

WAIT = 10.0  # bound on every wait in these tests
#: The HTTP/1.1 parser servers use (set per run by conftest.http1_parser).
HTTP1_PARSER = "auto"


@contextlib.contextmanager
def running(app, ng=True, tls=None, **settings):
    """Yield the running ``Server``; its ``url`` is ``127.0.0.1:PORT``.
    Connections a test leaves open are cut off 2 s after it ends."""
    settings.setdefault("graceful_timeout", 2.0)
    settings.setdefault("http1_parser", HTTP1_PARSER)
    listener = listening_socket()
    server = Server(app, sockets=[listener], ng=ng, config=Config(**settings),
                    tls=tls)
    server.port = listener.getsockname()[1]
    server.url = "127.0.0.1:%d" % server.port
    thread = threading.Thread(target=server.serve_forever)
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        assert server.wait_stopped(WAIT + 5), "the server did not stop"


def connect(server):
    return socket.create_connection(("127.0.0.1", server.port), WAIT)


@contextlib.contextmanager
def serve_command(args, cwd):
    """``wsgi-ng ARGS --fd N`` in a child process on a socket bound here;
    yields ``(process, port, log file)``; SIGTERM at the end."""
    listener = listening_socket()
    fd = listener.fileno()
    log = tempfile.TemporaryFile()
    args = list(args) + ["--fd", str(fd), "--http1-parser", HTTP1_PARSER]
    process = subprocess.Popen(
        [sys.executable, "-m", "wsgi_ng"] + args,
        cwd=cwd, stdout=log, stderr=subprocess.STDOUT, **inheriting(fd))
    port = listener.getsockname()[1]
    listener.close()  # the child has its own copy
    try:
        yield process, port, log
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            wait_bounded(process, WAIT)
        log.close()


def raw_session(port, path="/"):
    """A socket that did a WebSocket handshake with the server on *port*,
    and the client's wsproto connection for what comes on it afterwards."""
    sock = socket.create_connection(("127.0.0.1", port), WAIT)
    sock.sendall(b"GET " + path.encode("ascii") + b" HTTP/1.1\r\nHost: x\r\n"
                 b"Upgrade: websocket\r\n"
                 b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                 b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        assert chunk, "closed during the handshake"
        head += chunk
    assert head.startswith(b"HTTP/1.1 101 ")
    # the handshake is done: wsproto only frames from here on
    return sock, Connection(ConnectionType.CLIENT)


def events_until_closed(sock, client):
    """Every event the server sends until it closes the connection."""
    events = []
    while True:
        data = sock.recv(65536)
        client.receive_data(data or None)
        events.extend(client.events())
        if not data:
            return events
