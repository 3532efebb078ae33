"""Back-pressure, in process: each bridge holds its producer back while
the other side takes nothing, instead of buffering the whole body.  The
other side here is a coroutine or a loop over the body that stops taking,
so what is measured is the bridge's own bound, with no socket buffer in
between (the real servers' streaming is in test_to_asgi and
test_from_asgi).  A producer that is not held back runs through its 200
blocks at once; the test gives it a second to do so."""
import asyncio
import io
import threading

from wsgi_ng.adapters.asgi import from_asgi, to_asgi
from wsgi_ng.adapters.asgi.to_asgi_call import _DEPTH

WAIT = 10.0
BLOCKS = 200
SCOPE = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
         "method": "GET", "scheme": "http", "path": "/", "raw_path": b"/",
         "query_string": b"", "root_path": "", "headers": [(b"host", b"x")],
         "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}


class Producer(object):
    """A body of BLOCKS blocks that records how many were made, whether it
    ran out, and whether ``close()`` was called."""

    def __init__(self):
        self.made = 0
        self.finished = threading.Event()
        self.closed = threading.Event()

    def __iter__(self):
        for _ in range(BLOCKS):
            self.made += 1
            yield b"x" * 1024
        self.finished.set()

    def close(self):
        self.closed.set()


def test_to_asgi_holds_the_apps_thread_while_the_server_sends_nothing():
    body = Producer()

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return body

    async def serve():
        stuck, requests = asyncio.Event(), [{"type": "http.request"}]

        async def receive():  # the request, then nothing until disconnect
            if requests:
                return requests.pop()
            await asyncio.Event().wait()

        async def send(message):  # a client that reads nothing
            if message["type"] == "http.response.body":
                stuck.set()
                await asyncio.Event().wait()

        call = asyncio.ensure_future(to_asgi(app)(dict(SCOPE), receive, send))
        await asyncio.wait_for(stuck.wait(), WAIT)
        loop = asyncio.get_event_loop()
        ran_out = await loop.run_in_executor(None, body.finished.wait, 1.0)
        made = body.made
        call.cancel()  # the server gives up on the client
        closed = await loop.run_in_executor(None, body.closed.wait, WAIT)
        return ran_out, made, closed

    loop = asyncio.new_event_loop()  # asyncio.run: 3.7+
    try:
        ran_out, made, closed = loop.run_until_complete(serve())
    finally:
        loop.close()
    assert not ran_out
    # one block being sent, _DEPTH - 1 batches waiting, one in the thread
    assert made <= _DEPTH + 1, made
    assert closed  # and close() once the client has gone (PEP 3333)


def test_from_asgi_holds_the_apps_send_while_the_host_takes_nothing():
    sent = []
    finished = threading.Event()

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return  # no lifespan
        await receive()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/plain")]})
        for _ in range(BLOCKS):
            await send({"type": "http.response.body", "body": b"x" * 1024,
                        "more_body": True})
            sent.append(1)
        finished.set()
        await send({"type": "http.response.body", "body": b""})

    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "SCRIPT_NAME": "",
               "QUERY_STRING": "", "SERVER_NAME": "x", "SERVER_PORT": "80",
               "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
               "CONTENT_LENGTH": "0", "wsgi.input": io.BytesIO()}
    statuses = []
    response = from_asgi(app)(environ, lambda status, headers: statuses.append(
        status))
    first = next(iter(response))  # the host takes one block, then no more
    ran_out = finished.wait(1.0)
    taken = len(sent)
    response.close()  # the client has gone
    assert statuses == ["200 OK"] and first == b"x" * 1024
    assert not ran_out
    assert taken <= 1, taken  # each send returns once the host took it
