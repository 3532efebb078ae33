"""The floor under a pure-Python WSGI server: the least one can do per
HTTP/1.1 keep-alive request, to tell what the language costs from what our
layers cost (Python 3 only).

One thread, epoll and httptools; per request an environ, the ``hello`` app
through ``start_response``, a serialised head and one send -- no checks, no
containment, no pool, no limits, nothing a real server may skip.  ``fixed``
sends a constant response instead (the I/O and parse floor).  Not a server
to use; a measuring stick:

    taskset -c 0 python bench/floor.py 8000 wsgi   # or: fixed
    taskset -c 1 wrk -t1 -c32 -d4s http://127.0.0.1:8000/

and read the process's user and system CPU per request from /proc.
"""
import io
import select
import socket
import sys

import httptools

from apps import hello

FIXED = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
         b"Content-Length: 13\r\n\r\nHello, world!")


class Connection(object):
    """httptools' callbacks for one client; responses queue in ``out``."""

    def __init__(self, sock, base, fixed):
        self.sock = sock
        self.base = base
        self.fixed = fixed
        self.parser = httptools.HttpRequestParser(self)
        self.out = []
        self.url = b""
        self.headers = []

    def on_message_begin(self):
        self.url, self.headers = b"", []

    def on_url(self, url):
        self.url += url

    def on_header(self, name, value):
        self.headers.append((name, value))

    def on_message_complete(self):
        if self.fixed:
            self.out.append(FIXED)
            return
        environ = dict(self.base)
        path, _, query = self.url.partition(b"?")
        environ["REQUEST_METHOD"] = self.parser.get_method().decode("latin-1")
        environ["PATH_INFO"] = path.decode("latin-1")
        environ["QUERY_STRING"] = query.decode("latin-1")
        environ["SERVER_PROTOCOL"] = "HTTP/1.1"
        environ["wsgi.input"] = io.BytesIO()
        for name, value in self.headers:
            key = "HTTP_" + name.decode("latin-1").upper().replace("-", "_")
            environ[key] = value.decode("latin-1")
        started = []
        body = b"".join(hello(environ, lambda *args: started.append(args)))
        status, headers = started[0][:2]
        head = "HTTP/1.1 %s\r\n%s\r\n\r\n" % (
            status, "\r\n".join(n + ": " + v for n, v in headers))
        self.out.append(head.encode("latin-1") + body)


def serve(port, fixed):
    base = {"SERVER_NAME": "127.0.0.1", "SERVER_PORT": str(port),
            "SCRIPT_NAME": "", "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
            "wsgi.multithread": False, "wsgi.multiprocess": False,
            "wsgi.run_once": False}
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(1024)
    listener.setblocking(False)
    poll = select.epoll()
    poll.register(listener.fileno(), select.EPOLLIN)
    connections = {}
    while True:
        for fd, _ in poll.poll():
            if fd == listener.fileno():
                sock, _ = listener.accept()
                sock.setblocking(False)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                connections[sock.fileno()] = Connection(sock, base, fixed)
                poll.register(sock.fileno(), select.EPOLLIN)
                continue
            connection = connections[fd]
            try:
                data = connection.sock.recv(65536)
            except BlockingIOError:
                continue
            except ConnectionError:
                data = b""
            if not data:
                poll.unregister(fd)
                connection.sock.close()
                del connections[fd]
                continue
            connection.parser.feed_data(data)
            if connection.out:
                connection.sock.sendall(b"".join(connection.out))
                connection.out = []


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[2] not in ("wsgi", "fixed"):
        sys.exit("usage: python bench/floor.py PORT wsgi|fixed")
    try:
        serve(int(sys.argv[1]), sys.argv[2] == "fixed")
    except KeyboardInterrupt:
        pass
