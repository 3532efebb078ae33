"""Start a server that has no command line adopting a socket, on the
inherited listening socket (descriptor 3)::

    python -m wsgi_ng.hosting.launch SERVER MODULE:APP

Whoever runs this bound the socket already (systemd socket activation:
``LISTEN_FDS=1``), so clients can connect before this process has even
started.  gunicorn, uWSGI and ``wsgi-ng serve`` read the socket
themselves.  Each server loads the app after its own set-up, because
gevent and eventlet must patch the standard library first.
"""
import importlib
import os
import socket
import sys

from wsgi_ng._compat import socket_object
from wsgi_ng.hosting.process import LISTEN_FD


def load(spec):
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def listening_socket():
    return socket_object(socket.fromfd(LISTEN_FD, socket.AF_INET,
                                       socket.SOCK_STREAM))


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
    sys.path.insert(0, os.getcwd())
    SERVERS[sys.argv[1]](sys.argv[2])
