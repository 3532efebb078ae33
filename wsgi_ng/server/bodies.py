"""``wsgi.input`` for the server: a file over the request body as the
protocol handler receives it, with the size limit applied as it arrives."""
from wsgi_ng.shims.spool import BodyTooLarge


class RequestBody(object):
    """The file-like ``wsgi.input``; subclasses supply ``_next_chunk()``
    (the next received bytes, ``b""`` at the end of the body)."""

    def __init__(self, limit):
        self._limit = limit
        self._buffer = bytearray()  # appends in place: no quadratic copying
        self._eof = False
        self.received = 0

    def _next_chunk(self):
        raise NotImplementedError

    def _pull(self):
        """Append one chunk to the buffer; False at the end of the body."""
        if self._eof:
            return False
        chunk = self._next_chunk()
        if not chunk:
            self._eof = True
            return False
        self.received += len(chunk)
        if self.received > self._limit:
            raise BodyTooLarge(self._limit)
        self._buffer += chunk
        return True

    @property
    def complete(self):
        return self._eof and not self._buffer

    def read(self, size=-1):
        if self._eof and not self._buffer:  # the end, or no body at all
            return b""
        if size is None or size < 0:
            while self._pull():
                pass
        else:
            while len(self._buffer) < size and self._pull():
                pass
            if size < len(self._buffer):
                return self._take(size)
        return self._take(len(self._buffer))

    def _take(self, size):
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def readline(self, size=-1):
        while b"\n" not in self._buffer and (
                size is None or size < 0 or len(self._buffer) < size):
            if not self._pull():
                break
        end = self._buffer.find(b"\n") + 1 or len(self._buffer)
        if size is not None and 0 <= size < end:
            end = size
        return self._take(end)

    def readlines(self, hint=-1):
        lines, total = [], 0
        for line in self:
            lines.append(line)
            total += len(line)
            if hint is not None and 0 < hint <= total:
                break
        return lines

    def __iter__(self):
        line = self.readline()
        while line:
            yield line
            line = self.readline()
