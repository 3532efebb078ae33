"""What containment costs a request, the shim alone, in this process.

The live comparison (``wsgi-ng`` against ``wsgi-ng --ng`` in ``h1``)
differs by a few microseconds of CPU per request, while on a shared
machine two rounds minutes apart differ by ten or more: it cannot resolve
the issue's ~2 us.  Here the same hello world runs bare and through
``from_wsgi`` in a tight loop, with the environ the reference server
gives a GET (a ``BytesIO`` input the server says ends), so the figure is
the shim's own work -- a floor: in a live server, with its caches shared
with the kernel and the load, each call costs more.
"""
import io
import time

from wsgi_ng import keys
from wsgi_ng.shims import from_wsgi

import apps

_ENVIRON = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "QUERY_STRING": "",
            "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "bench",
            "wsgi.url_scheme": "http", keys.INPUT_TERMINATED: True}


def _start_response(status, headers, exc_info=None):
    return None


def _per_call(app, calls, repeats):
    """Best seconds per request over *repeats* loops of *calls*."""
    best = None
    for _ in range(repeats):
        began = time.perf_counter()
        for _ in range(calls):
            environ = dict(_ENVIRON)
            environ["wsgi.input"] = io.BytesIO()
            for _block in app(environ, _start_response):
                pass
        took = (time.perf_counter() - began) / calls
        best = took if best is None else min(best, took)
    return best


def shim_cost_us(calls=100000, repeats=7):
    """Microseconds the shim adds to one request (best of *repeats*)."""
    bare = _per_call(apps.hello, calls, repeats)
    contained = _per_call(from_wsgi(apps.hello), calls, repeats)
    return (contained - bare) * 1e6
