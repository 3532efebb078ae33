"""Checks every wsgi-ng host applies to what an app hands it.

One implementation, used by the test client, the shims, the reference
server and the linter, so "what is a valid header" has a single answer.
Each check raises a typed error whose message names the offending value,
because the traceback is all the app author will see.
"""
import re

from wsgi_ng._compat import PY2, reraise
from wsgi_ng.errors import BodyError, HeaderError, StateError

# RFC 9110 section 5.6.2 token characters.
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
# Field values (RFC 9110 section 5.5) are visible bytes, obs-text, spaces and
# tabs: every other control character is invalid, CR, LF and NUL dangerous
# (header injection), and h11 refuses some of the others outright.
_FORBIDDEN_IN_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_STATUS = re.compile(r"^[1-9][0-9]{2} [^\x00-\x08\x0a-\x1f\x7f]*$")
#: Whitespace around a field value is not part of it (RFC 9110 section 5.5);
#: HTTP/2 forbids sending it (RFC 9113 section 8.2.1) and h11 refuses it.
_OWS = " \t"
_DIGITS = re.compile(r"^[0-9]+$")

#: Response fields that are hop-by-hop in HTTP/1.1 and forbidden in HTTP/2
#: (RFC 9113 section 8.2.2).  Lower-case.
CONNECTION_SPECIFIC = frozenset([
    "connection", "keep-alive", "proxy-connection", "transfer-encoding",
    "upgrade",
])


#: Status lines found good -> their code: apps answer with a handful.
#: Bounded, since an app may make up reasons; past the bound they are
#: checked anew.
_STATUS_CODES = {}
_STATUS_CODES_KEPT = 256


def check_status(status):
    """Validate a WSGI status line such as ``"200 OK"``; return the code."""
    if type(status) is not str:  # (is_native, without a call)
        raise HeaderError("status must be a native str, got %r" % (status,))
    code = _STATUS_CODES.get(status)
    if code is not None:
        return code
    if not _STATUS.match(status):
        raise HeaderError(
            "status must look like '200 OK' (three digits, a space, a "
            "reason without control characters), got %r" % (status,))
    code = int(status[:3])
    if len(_STATUS_CODES) < _STATUS_CODES_KEPT:
        _STATUS_CODES[status] = code
    return code


#: (name, value) -> (the value to send, or False for the value itself; its
#: kind) for pairs already found good: most responses repeat the same few.
#: The kind says what else to check each time: a ``Content-Length`` (its
#: digits already checked) must agree with any other, and a hop-by-hop
#: field depends on the protocol.  Bounded, since apps may vary values
#: without end (cookies, lengths); past the bound pairs are checked anew.
_CHECKED = {}
_CHECKED_KEPT = 4096
_LENGTH, _CONNECTION = "length", "connection"


def clean_header(name, value):
    """Validate one header pair of native strings; return the value to send,
    without the whitespace around it (Django writes every ``Set-Cookie``
    value with a leading space)."""
    if type(name) is not str or type(value) is not str:  # is_native
        raise HeaderError(
            "header name and value must be native str, got %r: %r"
            % (name, value))
    clean = _checked((name, value))[0]
    return value if clean is False else clean


def _checked(field, what="headers"):
    """``(value to send or False, kind)`` of a ``(name, value)`` pair of
    native strings, from the cache or checked now (a ``HeaderError`` says
    why no protocol can carry it)."""
    entry = _CHECKED.get(field)
    if entry is not None:
        return entry
    name, value = field
    clean = _checked_value(name, value)
    lower = name.lower()
    kind = None
    if lower == "content-length":
        if not _DIGITS.match(clean):
            raise HeaderError("%s: header %r has the value %r, not one "
                              "number of bytes" % (what, name, value))
        kind = _LENGTH
    elif lower in CONNECTION_SPECIFIC:
        kind = _CONNECTION
    # False when nothing was stripped: the caller gets its own value
    # object back, and copies its list only when it must
    entry = (clean if clean != value else False, kind)
    if len(_CHECKED) < _CHECKED_KEPT:
        _CHECKED[field] = entry
    return entry


def _checked_value(name, value):
    """*value* without its surrounding whitespace, or a ``HeaderError``
    saying why no protocol can carry the pair."""
    if not _TOKEN.match(name):
        raise HeaderError("invalid header name %r" % (name,))
    if _FORBIDDEN_IN_VALUE.search(value):
        raise HeaderError(
            "header %r has a control character (CR, LF, NUL...) in its value "
            "%r, which no protocol can carry (header injection?)"
            % (name, value))
    if not PY2:
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            raise HeaderError(
                "header %r value %r is not latin-1; encode it (RFC 8187) "
                "or percent-escape it" % (name, value))
    return value.strip(_OWS)


def clean_headers(headers, http2=False, what="headers"):
    """Validate a WSGI header list and return the list to send: the same
    list, or a copy whose values lost the whitespace around them.

    On HTTP/2 connection-specific fields are refused (an HTTP/2 peer must
    treat them as malformed); on HTTP/1.1 a ``Transfer-Encoding`` other
    than ``chunked`` is (the host frames the body and knows no other
    coding).  A ``Content-Length`` must be digits, and agree with any other.
    *what* names the list in error messages (e.g. "ng.push() headers").
    """
    if type(headers) is not list:
        raise HeaderError(
            "%s must be a list of (name, value) tuples (PEP 3333), "
            "got %s" % (what, type(headers).__name__))
    cleaned = headers
    length = coding = None
    for index, item in enumerate(headers):
        if type(item) is not tuple or len(item) != 2:
            raise HeaderError("%s: %r is not a (name, value) tuple"
                              % (what, item))
        name, value = item
        if type(name) is not str or type(value) is not str:
            clean_header(name, value)  # (raises, saying why)
        # (the cache looked up here: a call less per field)
        clean, kind = _CHECKED.get(item) or _checked(item, what)
        if clean is False:
            clean = value
        else:  # a copy with the stripped value
            if cleaned is headers:
                cleaned = list(headers)
            cleaned[index] = (name, clean)
        if kind is _LENGTH:
            if length not in (None, clean):
                raise HeaderError("%s: header %r has the value %r, not one "
                                  "number of bytes" % (what, name, value))
            length = clean
        elif kind is _CONNECTION:
            _check_connection_field(name, clean, http2, coding)
            if name.lower() == "transfer-encoding":
                coding = clean
    return cleaned


def _check_connection_field(name, value, http2, coding):
    """A hop-by-hop field from an app: never on HTTP/2; on HTTP/1.1 only a
    single ``Transfer-Encoding: chunked`` (*coding*: one seen before)."""
    if http2:
        raise HeaderError(
            "connection-specific header %r is not allowed on HTTP/2 "
            "(RFC 9113 section 8.2.2); contain legacy apps with "
            "wsgi_ng.shims.from_wsgi" % (name,))
    if name.lower() == "transfer-encoding" and (
            value.lower() != "chunked" or coding is not None):
        raise HeaderError(
            "header %r has the value %r, but the host frames the body itself "
            "and can only chunk it, once; leave the header out"
            % (name, value))


def check_body_block(block):
    """Validate one block yielded by (or written by) an app: bytes only."""
    if type(block) is not bytes:
        raise BodyError(
            "response body blocks must be bytes, got %s %r; encode text "
            "before returning it" % (type(block).__name__, block[:40]
                                     if hasattr(block, "__getitem__") else block))


def check_start_response(status, headers, exc_info, started, headers_sent,
                         http2=False):
    """PEP 3333's rules for one ``start_response`` call, the same on every
    host: with ``exc_info`` once headers went out, that exception is
    re-raised; a second call without ``exc_info`` is an error; the status
    must be final (1xx go through ``ng.early_hints``) and the headers valid.
    Returns the headers to send (see ``clean_headers``).
    """
    if exc_info is not None:
        try:
            if headers_sent:
                reraise(*exc_info)
        finally:
            exc_info = None  # break the traceback cycle (PEP 3333)
    elif started:
        raise StateError("start_response() called a second time without "
                         "exc_info")
    # (check_status's cache, inline: a call less for a status seen before)
    code = _STATUS_CODES.get(status) if type(status) is str else None
    if (code or check_status(status)) < 200:
        raise HeaderError("%r cannot be a final status; use "
                          "environ['ng.early_hints'] for 103" % status)
    return clean_headers(headers, http2=http2)
