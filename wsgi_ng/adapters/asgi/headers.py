"""Headers between the two worlds: ASGI carries them as lowercase
``bytes`` pairs, WSGI as native ``str`` pairs (latin-1, PEP 3333)."""


def encode_headers(headers):
    """WSGI ``(name, value)`` pairs as ASGI's."""
    return [(name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in headers]


def decode_headers(headers):
    """ASGI ``(name, value)`` pairs as WSGI's."""
    return [(name.decode("latin-1"), value.decode("latin-1"))
            for name, value in headers]
