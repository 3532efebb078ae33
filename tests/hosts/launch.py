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


def werkzeug(spec):
    from werkzeug.serving import make_server
    make_server("127.0.0.1", 0, load(spec), threaded=True,
                fd=LISTEN_FD).serve_forever()


def waitress(spec):
    from waitress import serve
    serve(load(spec), sockets=[listening_socket()], threads=4)


def wsgiref(spec):
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
    server.set_app(load(spec))
    server.serve_forever()


def gevent(spec):
    from gevent import monkey
    monkey.patch_all()  # how gevent apps are deployed
    from gevent.pywsgi import WSGIServer
    WSGIServer(listening_socket(), load(spec)).serve_forever()


def eventlet(spec):
    import eventlet
    import eventlet.wsgi
    eventlet.monkey_patch()  # how eventlet apps are deployed: first thing
    eventlet.wsgi.server(listening_socket(), load(spec))


def cheroot(spec):  # cheroot adopts the LISTEN_FDS socket by itself
    from cheroot.wsgi import Server
    Server(("127.0.0.1", 0), load(spec), numthreads=4).start()


SERVERS = {"werkzeug": werkzeug, "waitress": waitress, "wsgiref": wsgiref,
           "gevent": gevent, "eventlet": eventlet, "cheroot": cheroot}

if __name__ == "__main__":
    sys.path.insert(0, ".")
    SERVERS[sys.argv[1]](sys.argv[2])  # each loads the app after patching
