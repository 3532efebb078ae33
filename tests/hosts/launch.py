"""Start one WSGI server on the inherited listening socket (fd 3).

    python launch.py SERVER MODULE:APP

The test that runs this bound the socket already (systemd socket
activation: ``LISTEN_FDS=1``), so clients can connect before this process
has even started.  gunicorn reads the same protocol itself.
"""
import importlib
import socket
import sys

LISTEN_FD = 3


def load(spec):
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def listening_socket():
    sock = socket.fromfd(LISTEN_FD, socket.AF_INET, socket.SOCK_STREAM)
    if not isinstance(sock, socket.socket):  # Python 2 returns the raw type
        sock = socket.socket(_sock=sock)
    return sock


def werkzeug(app):
    from werkzeug.serving import make_server
    make_server("127.0.0.1", 0, app, threaded=True, fd=LISTEN_FD).serve_forever()


def waitress(app):
    from waitress import serve
    serve(app, sockets=[listening_socket()], threads=4)


def wsgiref(app):
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

    class InheritedSocketServer(WSGIServer):
        def server_bind(self):
            self.socket = listening_socket()
            self.server_address = self.socket.getsockname()
            self.server_name, self.server_port = self.server_address[:2]
            self.setup_environ()
    server = InheritedSocketServer(("127.0.0.1", 0), WSGIRequestHandler,
                                   bind_and_activate=False)
    server.server_bind()  # adopts the inherited, already listening socket
    server.set_app(app)
    server.serve_forever()


SERVERS = {"werkzeug": werkzeug, "waitress": waitress, "wsgiref": wsgiref}

if __name__ == "__main__":
    sys.path.insert(0, ".")
    SERVERS[sys.argv[1]](load(sys.argv[2]))
