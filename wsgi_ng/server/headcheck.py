"""What the HTTP/1.1 request parsers must be stricter about than they are.

h11 reads a request head leniently where RFC 9112 leaves a choice: it
unfolds obsolete line folding and (from 0.14) takes a bare LF for a line
end, while h11 0.11, on Python 2, does not see a bare LF at all.  A proxy in
front may read either differently -- a request smuggling vector -- so the
server refuses both (RFC 9112 sections 2.2 and 5.2), whichever parser runs.
``head_end`` finds where a head ends, and ``HeadCheck`` checks it before h11
acts on it, keeping the raw bytes h11 is fed.  The httptools wire feeds
llhttp one complete head at a time (found by ``head_end``), and llhttp
refuses both on its own; the golden corpus holds them, for both parsers.

It also turns the parsers' errors into a status and words: a
``Transfer-Encoding`` whose final coding is not chunked is a 400 (RFC 9112
section 6.3), an unknown coding alone a 501, a request line longer than the
head limit a 414, and no message carries a Python repr.
"""
import re

from wsgi_ng.errors import BadRequest

_BLANK_LINE = re.compile(br"\n\r?\n")
_TRANSFER_ENCODING = re.compile(br"^transfer-encoding[ \t]*:(.*?)\r?$",
                                re.I | re.M)
_CONTENT_LENGTH = re.compile(br"^content-length[ \t]*:", re.I | re.M)
#: h11's reprs of the bytes it choked on: words come before them.
_REPR = re.compile(r":\s*(?:bytearray\()?b?['\"].*$")


class HeadCheck(object):
    """The raw request head as it arrives, checked once complete (for h11,
    which is fed the same bytes)."""

    def __init__(self):
        self.head = None  # the complete head, once it is
        self._data = bytearray()
        self._searched = 0

    def reset(self, leftover):
        """A new head starts; *leftover* are bytes already received."""
        self.head = None
        self._data = bytearray(leftover)
        self._searched = 0
        if leftover:
            self._check()

    def target_too_long(self, limit):
        """True when the head is incomplete and its request target is
        longer than *limit*: a 414, not a 431."""
        return self.head is None and target_too_long(self._data, limit)

    def feed(self, data):
        """Bytes received while the head is incomplete; ``BadRequest`` when
        the completed head is one to refuse."""
        if self.head is None and data:
            self._data += data
            self._check()

    def _check(self):
        end = head_end(self._data, self._searched)
        if end is None:
            self._searched = len(self._data)
            return
        self.head = bytes(self._data[:end])
        self._data = bytearray()
        check_lines(self.head)


def head_end(data, searched=0):
    """Where the request head at the start of *data* ends (just past its
    empty line), or None while it is incomplete -- *searched* bytes of it
    were looked at before; ``BadRequest`` for an empty line before it."""
    if data[:1] in (b"\r", b"\n"):
        # RFC 9112 section 2.2 lets a server skip it; h11 refuses it, and
        # so, alike on every parser, does this server
        raise BadRequest(400, "an empty line before the request line")
    start = max(0, searched - 3)
    # (a find in C first: a regular expression's set-up alone costs more
    # than the search of a short head; that one finds a head ended by a
    # bare LF, to be refused, which would otherwise wait for ever)
    end = data.find(b"\r\n\r\n", start)
    if end != -1:
        return end + 4  # (an earlier bare-LF end is a bare LF: refused)
    blank = _BLANK_LINE.search(data, start)
    return None if blank is None else blank.end()


def check_lines(head):
    """Refuse a complete *head* with a bare LF or obsolete line folding."""
    # (counts and finds, a scan in C each: the regular expressions, one with
    # a look-behind, were 13% of the instructions of parsing a short head)
    if head.count(b"\n") != head.count(b"\r\n"):
        raise BadRequest(400, "a line of the request head ends in a bare "
                         "LF, not CRLF")
    # (find, not "in": "in" on bytes first tries its operand as an int,
    # and pays for the exception that fails, each time)
    if head.find(b"\n ") != -1 or head.find(b"\n\t") != -1:
        raise BadRequest(400, "obsolete line folding in the request head")


def target_too_long(data, limit):
    """True when the request target at the start of *data* -- as much of
    it as came -- is longer than *limit*."""
    line = bytes(data).split(b"\n", 1)[0]
    target = line.partition(b" ")[2].split(b" ", 1)[0]
    return len(target) > limit


def parser_error(error, check, in_body, max_target_size):
    """The ``BadRequest`` for h11's ``RemoteProtocolError`` *error*, read
    with the request's ``HeadCheck`` *check*; *in_body*: while reading the
    body (a chunk line past h11's buffer limit is then what was too long)."""
    message = str(error)
    if "Transfer-Encoding" in message:
        return transfer_coding_error(check.head)
    if error.error_status_hint == 431:  # h11's buffer limit: too long
        if in_body:
            return BadRequest(400, "a chunk size line is too long (chunk "
                              "extensions)")
        if check.target_too_long(max_target_size):
            return BadRequest(414, "the request target is too long")
        return BadRequest(431, "the request head is too large")
    return BadRequest(error.error_status_hint, words(message))


def transfer_coding_error(head):
    """The ``BadRequest`` for a head whose ``Transfer-Encoding`` h11 cannot
    take (RFC 9112 section 6.3 item 4; section 6.1 for repeated chunked)."""
    values = _TRANSFER_ENCODING.findall(head or b"")
    codings = [coding.strip().lower() for value in values
               for coding in value.split(b",") if coding.strip()]
    if _CONTENT_LENGTH.search(head or b""):
        return BadRequest(400, "both Content-Length and Transfer-Encoding "
                          "(request smuggling)")
    if not codings or codings.count(b"chunked") > 1 or (
            b"chunked" in codings[:-1]) or (
            codings[-1] != b"chunked" and len(codings) > 1):
        return BadRequest(400, "Transfer-Encoding must end in chunked, once")
    return BadRequest(501, "Transfer-Encoding other than chunked is not "
                      "supported")


def words(message):
    """An h11 error message without the repr of the offending bytes."""
    return _REPR.sub("", message).strip() or "malformed request"
