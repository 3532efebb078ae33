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
_NO_BODY, _BY_LENGTH, _CHUNKED, _UNTIL_CLOSE = range(4)
_CHUNKED_LINE = "Transfer-Encoding: chunked\r\n"


def informational(status_code, reason, headers):
    """A 1xx response's bytes."""
    return _head_bytes(status_code, reason, headers)


def _head_bytes(status_code, reason, headers):
    return _joined(_status_line(status_code, reason),
                   [_field(field)[0] for field in headers])


def _joined(status_line, lines):
    return (status_line + "".join(lines) + "\r\n").encode("latin-1")


# Lines come from caches: formatting one costs about 2,000 instructions
# (CPython 3.11), a look-up a third of that, and responses repeat their
# status and most fields.  Bounded, since apps vary values without end
# (cookies, lengths): past the bound, lines are made anew.
_STATUS_LINES = {}  # (status code, reason) -> its line
_FIELDS = {}  # (name, value) -> (its line, its role in framing, length)
_KEPT = 4096

#: The roles of the fields framing looks at (None for any other).
_LENGTH, _CODING, _CONNECTION = "length", "coding", "connection"
_ROLES = {"content-length": _LENGTH, "transfer-encoding": _CODING,
          "connection": _CONNECTION}


def _status_line(status_code, reason):
    line = _STATUS_LINES.get((status_code, reason))
    if line is None:
        line = "HTTP/1.1 %d %s\r\n" % (status_code, reason)
        if len(_STATUS_LINES) < _KEPT:
            _STATUS_LINES[status_code, reason] = line
    return line


def _field(field):
    """``(line, role, length)`` for a ``(name, value)`` field: *length* is
    a ``Content-Length``'s value as an int (parsed once), else None."""
    entry = _FIELDS.get(field)
    if entry is None:
        role = _ROLES.get(field[0].lower())
        entry = ("%s: %s\r\n" % field, role,
                 int(field[1]) if role is _LENGTH else None)
        if len(_FIELDS) < _KEPT:
            _FIELDS[field] = entry
    return entry


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
        lines = []
        known = _FIELDS.get
        for field in headers:  # (the app's tuples: the caches' keys)
            entry = known(field) or _field(field)
            role = entry[1]
            if role is None:
                lines.append(entry[0])
            elif role is _LENGTH:
                length = entry[2]
                lines.append(entry[0])
            elif role is _CODING:
                chunked = True  # checked: only "chunked" gets this far;
                # set below, once, as framing needs
            else:  # set below, with close if it must be
                tokens = [t.strip().lower() for t in field[1].split(",")]
                connection.extend(t for t in tokens if t)
        if "close" in connection:
            self.keep_alive = False
        status_has_body = status_code not in (204, 304) and not (
            method == b"CONNECT" and 200 <= status_code < 300)
        if status_has_body and (chunked or length is None):
            if length is not None:  # meaningless next to chunking: only
                # the fields of no role are left (the rare case, made anew)
                lines = [made[0] for made in map(_field, headers)
                         if made[1] is None]
            if http_version == "1.1":
                lines.append(_CHUNKED_LINE)
                self._framing = _CHUNKED
            else:  # HTTP/1.0 knows no chunks: the close ends the body
                self._framing = _UNTIL_CLOSE
                if method != b"HEAD":
                    self.keep_alive = False
        elif status_has_body:
            self._framing = _BY_LENGTH
            self._left = length
        elif chunked:  # no body here: the app's header goes out as it was
            lines.append(_CHUNKED_LINE)
        if method == b"HEAD":  # the headers a GET gets, Content-Length
            self._framing, self._left = _NO_BODY, 0  # too; no body at all
        if not self.keep_alive:
            connection = [t for t in connection if t != "keep-alive"]
            connection.append("close")
        if connection:
            lines.append("Connection: %s\r\n"
                         % ", ".join(sorted(set(connection))))
        # (_joined and the status line's cache, inline: two calls less)
        line = _STATUS_LINES.get((status_code, reason)) or \
            _status_line(status_code, reason)
        return (line + "".join(lines) + "\r\n").encode("latin-1")

    def body(self, data):
        """*data* framed as the head said."""
        framing = self._framing
        if framing is _CHUNKED:
            if not data:
                return b""
            return b"%x\r\n%s\r\n" % (len(data), data)
        if framing is _BY_LENGTH or framing is _NO_BODY:
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
