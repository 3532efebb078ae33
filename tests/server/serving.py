"""Run the reference server in this process on a port of 127.0.0.1, for
tests that talk to it over real sockets."""
import contextlib
import socket
import threading

from wsgi_ng.server import Config, Server

WAIT = 10.0  # bound on every wait in these tests


@contextlib.contextmanager
def running(app, ng=True, **settings):
    """Yield the running ``Server``; its ``url`` is ``127.0.0.1:PORT``."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    server = Server(app, sockets=[listener], ng=ng, config=Config(**settings))
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
