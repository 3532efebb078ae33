"""Headers and statuses between the two worlds: ASGI carries headers as
lowercase ``bytes`` pairs and statuses as numbers, WSGI as native
``str`` pairs (latin-1, PEP 3333) and a status line."""
from http.client import responses


def encode_headers(headers):
    """WSGI ``(name, value)`` pairs as ASGI's."""
    return [(name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in headers]


def decode_headers(headers):
    """ASGI ``(name, value)`` pairs as WSGI's."""
    return [(name.decode("latin-1"), value.decode("latin-1"))
            for name, value in headers]


def status_line(status):
    """``"404 Not Found"`` for ASGI's ``404``."""
    status = int(status)
    return "%d %s" % (status, responses.get(status, "Unknown"))
