"""HTTP/1.1 responses as bytes, framed by the rules h11 follows, for the
httptools wire (which parses requests only).

The app's headers arrive checked (``validate.check_start_response``); what
is left is framing: a body without ``Content-Length`` goes chunked to an
HTTP/1.1 client and is delimited by the close for HTTP/1.0; a ``HEAD``
response carries the headers a ``GET`` would, and no body; ``204`` and
``304`` carry none either; ``Connection: close`` is added whenever the
connection will not be kept alive.  Sending more or less than the declared
``Content-Length`` is the app's error, as on h11.
"""
from wsgi_ng.errors import LocalProtocolError

#: How a response body is delimited.
_NO_BODY, _LENGTH, _CHUNKED, _UNTIL_CLOSE = range(4)


def informational(status_code, reason, headers):
    """A 1xx response's bytes."""
    return _head_bytes(status_code, reason, headers)


def _head_bytes(status_code, reason, headers):
    # (map in C: a list comprehension is a Python call of its own)
    return ("HTTP/1.1 %d %s\r\n%s\r\n" % (
        status_code, reason, "".join(map(_field_line, headers)))
    ).encode("latin-1")


#: ``(name, value)`` -> its line in a head.
_field_line = "%s: %s\r\n".__mod__


class ResponseWriter(object):
    """The final responses on one connection, one at a time: ``head``
    begins one and decides how its body is framed, ``body`` and ``end``
    frame what follows.  (The httptools wire is one, so a response's parts
    are a call each, with no object per response.)"""

    #: After the response: may the connection serve another request?
    keep_alive = True
    #: True once the response ended.
    done = False
    _framing = _NO_BODY
    _left = 0  # bytes a Content-Length still expects

    def head(self, status_code, reason, headers, method, http_version,
             keep_alive):
        """The bytes of the head of a response to a request made with
        *method* (bytes) over HTTP/*http_version* (``"1.0"`` or
        ``"1.1"``), on a connection the request lets live on when
        *keep_alive*; it decides how the body is framed."""
        self.keep_alive = keep_alive
        self.done = False
        self._framing = _NO_BODY
        self._left = 0
        length = None
        chunked = False
        connection = []
        fields = []
        for name, value in headers:
            lower = name.lower()
            if lower == "content-length":
                length = value
            elif lower == "transfer-encoding":
                chunked = True  # checked: only "chunked" gets this far
                continue  # set below, once, as framing needs
            elif lower == "connection":
                tokens = [t.strip().lower() for t in value.split(",")]
                connection.extend(t for t in tokens if t)
                continue  # set below, with close if it must be
            fields.append((name, value))
        if "close" in connection:
            self.keep_alive = False
        status_has_body = status_code not in (204, 304) and not (
            method == b"CONNECT" and 200 <= status_code < 300)
        if status_has_body and (chunked or length is None):
            fields = [f for f in fields if f[0].lower() != "content-length"]
            if http_version == "1.1":
                fields.append(("Transfer-Encoding", "chunked"))
                self._framing = _CHUNKED
            else:  # HTTP/1.0 knows no chunks: the close ends the body
                self._framing = _UNTIL_CLOSE
                if method != b"HEAD":
                    self.keep_alive = False
        elif status_has_body:
            self._framing = _LENGTH
            self._left = int(length)
        elif chunked:  # no body here: the app's header goes out as it was
            fields.append(("Transfer-Encoding", "chunked"))
        if method == b"HEAD":
            self._framing = _NO_BODY  # the headers a GET gets; no body
        if not self.keep_alive:
            connection = [t for t in connection if t != "keep-alive"]
            connection.append("close")
        if connection:
            fields.append(("Connection", ", ".join(sorted(set(connection)))))
        return _head_bytes(status_code, reason, fields)

    def body(self, data):
        """*data* framed as the head said."""
        framing = self._framing
        if framing is _CHUNKED:
            if not data:
                return b""
            return b"%x\r\n%s\r\n" % (len(data), data)
        if framing is _LENGTH or framing is _NO_BODY:
            if len(data) > self._left:
                raise LocalProtocolError(
                    "Too much data for declared Content-Length")
            self._left -= len(data)
        return data

    def end(self, trailers):
        """The bytes that end the response (the last chunk and trailers)."""
        self.done = True
        if self._framing is _CHUNKED:
            return ("0\r\n%s\r\n" % "".join(
                "%s: %s\r\n" % field for field in trailers)).encode("latin-1")
        if trailers:
            raise LocalProtocolError("trailers need a chunked response")
        if self._left:
            raise LocalProtocolError(
                "Too little data for declared Content-Length")
        if self._framing is _UNTIL_CLOSE:
            self.keep_alive = False
        return b""
