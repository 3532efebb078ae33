"""The blocking HTTP/2 client of ``wsgi_ng.hosting`` (what ``wsgi-ng
check`` talks to hosts with), for tests that must see frames a
higher-level client hides: 103s, trailers, resets, extended CONNECT."""
from wsgi_ng.hosting.h2client import Exchange, H2Client, H2WebSocket  # noqa: F401
