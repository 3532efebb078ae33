"""Every test here runs once on each HTTP/1.1 parser named in
``WSGI_NG_HTTP1_PARSERS`` (comma-separated: ``h11,httptools``); by
default on the one ``auto`` picks here (under tox: h11 on 2.7, 3.6 and
3.7, httptools on 3.8+).  A
named parser that cannot run here stops the run (``wire_class`` says
why)."""
import os

import pytest

import serving
from wsgi_ng.server.wire import wire_class

PARSERS = [wire_class(name).name for name in os.environ.get(
    "WSGI_NG_HTTP1_PARSERS", "auto").split(",") if name]


@pytest.fixture(scope="session", autouse=True, params=PARSERS)
def http1_parser(request):
    """The parser the servers of this run use (``serving.running`` and
    ``serving.serve_command``)."""
    serving.HTTP1_PARSER = request.param
    yield request.param
    serving.HTTP1_PARSER = "auto"
