"""Give a body of unknown length a ``CONTENT_LENGTH``.

Django (every version) and older frameworks read nothing without
``CONTENT_LENGTH``, even when the host promises EOF with
``wsgi.input_terminated``.  HTTP/2 requests and chunked HTTP/1.1 requests
often have no length, so the shim reads the body first -- into memory, then
into a temporary file -- bounded by a limit.
"""
import tempfile

#: Bytes asked of ``wsgi.input`` per read.
BLOCK_SIZE = 65536
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


class LimitedInput(object):
    """``wsgi.input`` for a body of declared *length*, safe to read to EOF.

    On some servers (werkzeug's, wsgiref) ``wsgi.input`` is the connection
    itself: a read past the body waits for bytes the client never sends.
    Werkzeug-based apps (Flask) read to EOF once ``wsgi.input_terminated``
    is set, so a shim that sets it must stop reads at the length.
    """

    def __init__(self, stream, length):
        self._stream = stream
        self._remaining = length

    def _limit(self, size):
        if size is None or size < 0 or size > self._remaining:
            return self._remaining
        return size

    def _took(self, data):
        self._remaining -= len(data)
        if not data:  # the client sent less than it said: no more comes
            self._remaining = 0
        return data

    def read(self, size=-1):
        size = self._limit(size)
        return self._took(self._stream.read(size)) if size else b""

    def readline(self, size=-1):
        size = self._limit(size)
        return self._took(self._stream.readline(size)) if size else b""

    def readlines(self, hint=-1):
        return list(iter(self.readline, b""))

    def __iter__(self):
        return iter(self.readline, b"")


def spool(stream, max_body_size, memory_size, first=None):
    """Read *stream* to EOF into a seekable file; return ``(file, length)``.

    *first*: the body's first block, read by the caller already.  Returns
    ``(None, 0)`` for an empty body without creating a file (the common
    case: a GET).  Raises ``BodyTooLarge`` as soon as more than
    *max_body_size* bytes arrived, without reading the rest.
    """
    block = stream.read(BLOCK_SIZE) if first is None else first
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
        block = stream.read(BLOCK_SIZE)
    spooled.seek(0)
    return spooled, length
