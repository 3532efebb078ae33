"""Give a body of unknown length a ``CONTENT_LENGTH``.

Django (every version) and older frameworks read nothing without
``CONTENT_LENGTH``, even when the host promises EOF with
``wsgi.input_terminated``.  HTTP/2 requests and chunked HTTP/1.1 requests
often have no length, so the shim reads the body first -- into memory, then
into a temporary file -- bounded by a limit.
"""
import tempfile

from wsgi_ng import keys

_CHUNK = 65536
#: Largest request body a shim reads for an app, by default (32 MiB).
DEFAULT_MAX_BODY_SIZE = 32 * 1024 * 1024
#: Spooled bodies up to this size stay in memory (1 MiB).
DEFAULT_SPOOL_MEMORY = 1024 * 1024


class BodyTooLarge(Exception):
    """The request body is larger than the shim's ``max_body_size``."""

    def __init__(self, limit):
        Exception.__init__(self, "request body exceeds %d bytes" % limit)
        self.limit = limit


def refuse(start_response, status, text):
    """Answer with a short plain-text error (400, 411, 413) instead of
    calling the app."""
    body = text.encode("utf-8")
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"),
                            ("Content-Length", str(len(body)))])
    return [body]


def declared_length(environ):
    """The request's ``CONTENT_LENGTH`` as an int, or None when absent."""
    value = environ.get("CONTENT_LENGTH", "")
    return int(value) if value.strip() else None


def needs_spooling(environ):
    """True when the body has no length but the host promises EOF."""
    return (declared_length(environ) is None
            and environ.get(keys.INPUT_TERMINATED) is True)


def spool(stream, max_body_size, memory_size):
    """Read *stream* to EOF into a seekable file; return ``(file, length)``.

    Returns ``(None, 0)`` for an empty body without creating a file (the
    common case: a GET).  Raises ``BodyTooLarge`` as soon as more than
    *max_body_size* bytes arrived, without reading the rest.
    """
    block = stream.read(_CHUNK)
    if not block:
        return None, 0
    spooled = tempfile.SpooledTemporaryFile(max_size=memory_size)
    length = 0
    while block:
        length += len(block)
        if length > max_body_size:
            spooled.close()
            raise BodyTooLarge(max_body_size)
        spooled.write(block)
        block = stream.read(_CHUNK)
    spooled.seek(0)
    return spooled, length
