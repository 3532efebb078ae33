"""The HTTP/1.1 wire on httptools: llhttp, Node.js's request parser, in C,
reads requests; ``h1write`` writes responses.  Python 3 only.

It answers like the h11 wire (``wire.H11Wire``) on every request of the
golden corpus, which takes some care, as llhttp differs from h11 in places:

* it is fed one request head at a time, found by ``headcheck.head_end``,
  and then the body a ``Content-Length`` announces, so it never runs ahead
  into the next pipelined request.  Only a chunked body is fed whole, and
  when the next request follows it in the same read, llhttp reads that
  one's head on its own.  llhttp refuses a bare LF, folding and control
  characters itself, where h11 needs ``headcheck.HeadCheck`` for the first
  two;
* it knows a fixed list of methods: a request with another method that is
  a valid token is parsed with ``GET`` in its place, keeping its own;
* it treats a request that asks for an upgrade as bodyless: one with a
  body is parsed again with the ``Upgrade`` field hidden from it, so the
  body is read as a body (the server switches only for bodyless requests);
* it takes HTTP/0.9 and only HTTP/1.x: a request line with another version
  is a 505, as on h11.
"""
import collections
import re

import httptools

from wsgi_ng.errors import BadRequest
from wsgi_ng.server.exchange import ClientGone
from wsgi_ng.server.h1write import ResponseWriter, informational
from wsgi_ng.server.headcheck import (
    head_end, target_too_long, transfer_coding_error, words,
)
from wsgi_ng.server.wire import CLOSED, END, NEED_DATA, Head

_TOKEN = re.compile(br"[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")
_VERSION = re.compile(br"HTTP/\d\.\d\Z")
_UPGRADE_FIELD = re.compile(br"^upgrade([ \t]*:)", re.I | re.M)
#: ``close`` among the tokens of a ``Connection`` value.
_CLOSE_TOKEN = re.compile(br"(?:^|,)[ \t]*close[ \t]*(?:,|$)", re.I)
#: The request fields that say how the request is framed and answered.
_FRAMING = frozenset([b"content-length", b"transfer-encoding", b"connection",
                      b"expect"])

#: Where the client is in its current request (_ERROR: it broke the
#: rules, and nothing more is read).
_IDLE, _BODY, _DONE, _ERROR = range(4)
#: Bytes of a chunked body fed to llhttp at once: a chunk size line (or
#: extension) running past ``max_header_size`` is seen within this many.
_CHUNKED_SLICE = 16 * 1024


class _Failure(object):
    """A parse error, raised when ``next_event`` reaches it: the requests
    before it in the same read are served first."""

    def __init__(self, error):
        self.error = error


class FastWire(ResponseWriter):
    """The wire on httptools (see the module's doc); it writes the
    responses itself (``ResponseWriter``'s ``body`` and ``end``)."""

    name = "httptools"

    def __init__(self, config):
        self._max_header_size = config.max_header_size
        self._max_target_size = config.max_target_size
        self._parser = httptools.HttpRequestParser(self)
        self._buffer = b""  # received, not fed to llhttp yet
        self._searched = 0  # bytes of an incomplete head looked at
        self._events = collections.deque()
        self._eof = False
        self._their = _IDLE
        self._responding = False  # this cycle's response began
        self._keep_alive = True
        self._expect_continue = False
        # what llhttp is doing, known from its callbacks
        self._in_message = False
        self._in_head = False
        self._aligned = True  # llhttp stopped where a message ended
        self._ended_in_feed = False
        self._body_left = None  # Content-Length bytes to feed; None: all
        self._method = None  # a method llhttp does not know, in its place
        self._hide_head = False  # feeding a head again (hidden upgrade)
        self._head = b""  # the raw head llhttp was last fed
        self._unaligned_head = 0  # bytes fed into a head not checked
        self._url = b""
        self._fields = []
        self._spoke = False  # a callback came since the last chunked slice
        self._silent = 0  # chunked body bytes fed since one last came
        # the request a response answers (a refusal may come before one)
        self._request_method, self._request_version = b"GET", "1.1"

    # -- the request ------------------------------------------------------
    def receive(self, data):
        """Take bytes from the socket (``b""``: the client closed)."""
        if not data:
            self._eof = True
        elif self._buffer:
            self._buffer += data
        else:
            self._buffer = data

    def next_event(self):
        events = self._events
        if not events and not self._buffer and not self._eof:
            return NEED_DATA  # (between requests: no call to find that)
        try:
            while not events:
                if not self._advance():
                    if not self._eof:
                        return NEED_DATA
                    if self._in_message or self._buffer:
                        raise ClientGone("the client closed mid-request")
                    return CLOSED
        except BadRequest:
            self._their = _ERROR
            raise
        event = events.popleft()
        kind = type(event)
        if kind is bytes:
            self._expect_continue = False  # it sends without waiting
        elif kind is Head:
            self._their = _BODY
            if events and events[0] is END:  # bodyless: complete already
                events.popleft()
                self._their = _DONE
                event.complete = True
        elif event is END:
            self._their = _DONE
        elif kind is _Failure:
            self._their = _ERROR
            raise event.error
        return event

    def _advance(self):
        """Feed llhttp the next piece it may parse; False when there is
        none (more must come first, or this request is complete)."""
        buffer = self._buffer
        if not buffer or self._their >= _DONE:  # (the next waits its turn)
            return False
        if not self._in_message and self._aligned:
            end = head_end(buffer, self._searched)
            if end is None:
                self._searched = len(buffer)
                if len(buffer) > self._max_header_size:
                    raise self._too_long(buffer)
                return False
            self._searched = 0
            self._head = data = buffer[:end]
            self._buffer = buffer[end:]
        elif self._body_left is not None and self._aligned:
            size = min(self._body_left, len(buffer))
            data, self._buffer = buffer[:size], buffer[size:]
            self._body_left -= size
        else:  # a chunked body: llhttp finds its end
            data, self._buffer = buffer[:_CHUNKED_SLICE], buffer[_CHUNKED_SLICE:]
            self._check_silence(data)
        self._feed(data)
        if not self._aligned and self._in_head:
            self._unaligned_head += len(data)
            if self._unaligned_head > self._max_header_size:
                raise self._too_long(b"")
        return True

    def _check_silence(self, data):
        """Bound what llhttp reads of a chunked body without a word (no
        data, no chunk, no trailer field): a chunk size line with endless
        extensions, or an endless trailer, as h11's buffer limit does."""
        if self._spoke:
            self._spoke = False
            self._silent = 0
        self._silent += len(data)
        if self._silent > self._max_header_size + _CHUNKED_SLICE:
            self._silent = 0
            raise BadRequest(400, "a chunk size line is too long (chunk "
                             "extensions)")

    def _too_long(self, buffer):
        if target_too_long(buffer, self._max_target_size):
            return BadRequest(414, "the request target is too long")
        return BadRequest(431, "the request head is too large")

    def _feed(self, data):
        self._ended_in_feed = False
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._upgrade_asked()
        except httptools.HttpParserInvalidMethodError:
            self._unknown_method(data)
        except httptools.HttpParserCallbackError as error:
            self._fail(error.__context__)  # a BadRequest of ours
        except httptools.HttpParserError as error:
            self._fail(self._translate(error))
        if not self._in_message:
            self._aligned = True  # it stopped at a message's end

    def _fail(self, error):
        self._events.append(_Failure(error))
        self._buffer = b""  # nothing after it is read

    def _unknown_method(self, data):
        """llhttp refused the method: one it does not know is parsed with
        GET in its place, any other is malformed."""
        method = data.split(b" ", 1)[0]
        if self._method is not None or not self._aligned or \
                not _TOKEN.match(method) or data is not self._head:
            self._fail(BadRequest(400, "malformed request line"))
            return
        self._method = method
        self._parser = httptools.HttpRequestParser(self)
        self._feed(b"GET" + data[len(method):])

    def _upgrade_asked(self):
        """llhttp stopped after a head that asks to switch protocols, as if
        it had no body: a request with one is parsed again with its
        ``Upgrade`` field hidden, and its body read."""
        self._parser = httptools.HttpRequestParser(self)  # llhttp stays paused
        if self._body_left == 0:
            return  # bodyless: complete (END is queued); the rest is trailing
        self._events.pop()  # END, too early
        self._hide_head = True
        try:
            self._feed(_UPGRADE_FIELD.sub(b"x-upgrade-hidden\\1", self._head))
        finally:
            self._hide_head = False

    def _translate(self, error):
        """The ``BadRequest`` for llhttp's *error*."""
        message = str(error)
        if "Transfer-Encoding" in message:
            return transfer_coding_error(self._head)
        if message == "Invalid HTTP version":
            line = self._head.split(b"\r\n", 1)[0]
            version = line.rsplit(b" ", 1)[-1]
            if _VERSION.match(version):
                return BadRequest(505, "%s over HTTP/1 framing"
                                  % version.decode("ascii"))
            return BadRequest(400, "malformed request line")
        return BadRequest(400, words(message) or "malformed request")

    # -- llhttp's callbacks ---------------------------------------------------
    def on_message_begin(self):
        if self._ended_in_feed:  # the next request follows in this read
            self._aligned = False
            self._unaligned_head = 0
        self._in_message = self._in_head = True
        if not self._hide_head:
            self._url = b""
            self._fields = []

    def on_url(self, url):
        if not self._hide_head:
            self._url += url

    def on_header(self, name, value):
        self._spoke = True
        if self._in_head and not self._hide_head:
            self._fields.append((name.lower(), value.rstrip(b" \t")))
        # (after the head: a trailer field, which the server passes on to
        # nobody, as on h11)

    def on_headers_complete(self):
        self._in_head = False
        if self._hide_head:
            return
        version = self._parser.get_http_version()
        if version == "0.9":  # a request line without a version
            raise BadRequest(400, "malformed request line")
        keep_alive = version == "1.1"
        expect = None
        self._body_left = 0
        for name, value in self._fields:
            if name not in _FRAMING:
                continue  # (most fields: one test, not four)
            if name == b"content-length":
                self._body_left = int(value)
            elif name == b"transfer-encoding":
                if value.strip().lower() != b"chunked":
                    raise transfer_coding_error(self._head)
                self._body_left = None
            elif name == b"connection":
                if _CLOSE_TOKEN.search(value):
                    keep_alive = False
            elif name == b"expect":
                expect = value.lower()
        self._keep_alive = keep_alive
        self._expect_continue = version == "1.1" and expect == b"100-continue"
        method, self._method = self._method or self._parser.get_method(), None
        self._request_method, self._request_version = method, version
        self._events.append(Head(method, self._url, version, self._fields))

    def on_body(self, body):
        self._spoke = True
        self._events.append(body)

    def on_chunk_header(self):
        self._spoke = True

    def on_chunk_complete(self):
        self._spoke = True

    def on_message_complete(self):
        self._spoke = True
        self._in_message = False
        self._ended_in_feed = True
        self._events.append(END)

    # -- the connection's state ---------------------------------------------
    @property
    def buffered(self):
        """True when received bytes wait to be parsed."""
        return bool(self._buffer) or bool(self._events)

    @property
    def trailing(self):
        """What the client sent after the request (for a protocol switch)."""
        return self._buffer

    @property
    def reading_body(self):
        """True between a request's head and its end."""
        return self._their == _BODY

    @property
    def expects_continue(self):
        """True while the client waits for a 100 before sending its body."""
        return self._their == _BODY and self._expect_continue

    @property
    def can_respond(self):
        """True until a response head went out."""
        return not self._responding

    # -- the response -------------------------------------------------------
    def informational(self, status_code, reason, headers):
        self._expect_continue = False
        return informational(status_code, reason, headers)

    def response(self, status_code, reason, headers):
        self._expect_continue = False
        self._responding = True
        return self.head(status_code, reason, headers, self._request_method,
                         self._request_version, self._keep_alive)

    def next_cycle(self):
        """Get ready for the next request on this connection; False when
        the connection must close instead (either side said close, or a
        message is unfinished)."""
        if not self._responding or not self.done or self._their != _DONE \
                or not self.keep_alive:
            return False
        self._their = _IDLE
        self._responding = False
        return True
