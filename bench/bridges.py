"""In-process cost of the WSGI<->ASGI bridges, side by side (Python 3).

    python bench/bridges.py [--requests 2000] [--rounds 7]

WSGI -> ASGI: ``to_asgi``, ``a2wsgi.WSGIMiddleware`` and
``asgiref.wsgi.WsgiToAsgi`` serve the WSGI hello (``apps.hello``) to an
in-memory ASGI server; ASGI -> WSGI: ``from_asgi`` and
``a2wsgi.ASGIMiddleware`` serve the ASGI hello (``apps.asgi_app``) to an
in-memory WSGI server.  A bridge's *added cost* is its time per request
minus the app's own (called directly, without a bridge).  Each round
measures every bridge once, in turn; the report gives per bridge the
median added cost and the median of the per-round ratios to a2wsgi's, so
load elsewhere on the machine moves both sides of a ratio alike.
"""
import argparse
import asyncio
import io
import statistics
import sys
import time

import apps

SCOPE = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
         "method": "GET", "scheme": "http", "path": "/", "raw_path": b"/",
         "query_string": b"", "root_path": "", "headers": [(b"host", b"bench")],
         "client": ("127.0.0.1", 1234), "server": ("127.0.0.1", 8000)}
ENVIRON = {"REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": "/",
           "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
           "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "bench",
           "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
           "wsgi.errors": sys.stderr, "wsgi.multithread": True,
           "wsgi.multiprocess": False, "wsgi.run_once": False}


async def _receive():
    return {"type": "http.request", "body": b"", "more_body": False}


def asgi_seconds(app, requests):
    """Seconds per request of the ASGI *app*, one request at a time."""
    body = []

    async def send(message):
        if message["type"] == "http.response.body":
            body.append(message.get("body", b""))

    async def run():
        start = time.perf_counter()
        for _ in range(requests):
            await app(dict(SCOPE), _receive, send)
        return time.perf_counter() - start
    elapsed = asyncio.run(run())
    assert b"".join(body) == apps.BODY * requests, "wrong body"
    return elapsed / requests


def wsgi_seconds(app, requests):
    """Seconds per request of the WSGI *app*, one request at a time."""
    statuses = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    start = time.perf_counter()
    for _ in range(requests):
        environ = dict(ENVIRON, **{"wsgi.input": io.BytesIO(b"")})
        result = app(environ, start_response)
        data = b"".join(result)
        if hasattr(result, "close"):
            result.close()
        assert data == apps.BODY, data
    elapsed = time.perf_counter() - start
    assert statuses[-1].startswith("200"), statuses[-1]
    return elapsed / requests


def bridges():
    """name -> (direction, measure(requests) -> seconds per request)."""
    from a2wsgi import ASGIMiddleware, WSGIMiddleware
    from asgiref.wsgi import WsgiToAsgi
    from wsgi_ng.adapters.asgi import from_asgi, to_asgi
    return {
        "WSGI app": ("wsgi->asgi", lambda n: wsgi_seconds(apps.hello, n)),
        "to_asgi": ("wsgi->asgi", lambda n: asgi_seconds(to_asgi(apps.hello), n)),
        "a2wsgi WSGIMiddleware": ("wsgi->asgi", lambda n: asgi_seconds(
            WSGIMiddleware(apps.hello), n)),
        "asgiref WsgiToAsgi": ("wsgi->asgi", lambda n: asgi_seconds(
            WsgiToAsgi(apps.hello), n)),
        "ASGI app": ("asgi->wsgi", lambda n: asgi_seconds(apps.asgi_app, n)),
        "from_asgi": ("asgi->wsgi", lambda n: wsgi_seconds(
            from_asgi(apps.asgi_app), n)),
        "a2wsgi ASGIMiddleware": ("asgi->wsgi", lambda n: wsgi_seconds(
            ASGIMiddleware(apps.asgi_app), n)),
    }


BASELINE = {"wsgi->asgi": "WSGI app", "asgi->wsgi": "ASGI app"}
PEER = {"wsgi->asgi": "a2wsgi WSGIMiddleware", "asgi->wsgi": "a2wsgi ASGIMiddleware"}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    table = bridges()
    for _, measure in table.values():
        measure(200)  # warm up: imports, thread pools
    seconds = dict((name, []) for name in table)
    for _ in range(args.rounds):
        for name, (_, measure) in table.items():
            seconds[name].append(measure(args.requests))
    added = {}
    for name, (direction, _) in table.items():
        base = seconds[BASELINE[direction]]
        added[name] = [s - b for s, b in zip(seconds[name], base)]
    print("%d requests x %d rounds, one at a time; us per request" % (
        args.requests, args.rounds))
    print("%-24s %-11s %9s %9s %14s" % ("bridge", "direction", "total", "added",
                                        "vs a2wsgi"))
    for name, (direction, _) in table.items():
        if name in BASELINE.values():
            print("%-24s %-11s %9.1f %9s %14s" % (
                name, direction, statistics.median(seconds[name]) * 1e6, "-", "-"))
            continue
        ratios = [a / p for a, p in zip(added[name], added[PEER[direction]])]
        print("%-24s %-11s %9.1f %9.1f %13.2fx" % (
            name, direction, statistics.median(seconds[name]) * 1e6,
            statistics.median(added[name]) * 1e6, statistics.median(ratios)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
