"""Checks every wsgi-ng host applies to what an app hands it.

One implementation, used by the test client, the shims, the reference
server and the linter, so "what is a valid header" has a single answer.
Each check raises a typed error whose message names the offending value,
because the traceback is all the app author will see.
"""
import re

from wsgi_ng._compat import PY2, is_native, reraise
from wsgi_ng.errors import BodyError, HeaderError, StateError

# RFC 9110 section 5.6.2 token characters.
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
# Field values: any visible byte, space or tab; never CR, LF or NUL.
_FORBIDDEN_IN_VALUE = re.compile(r"[\r\n\x00]")
_STATUS = re.compile(r"^[1-9][0-9]{2} [^\r\n\x00]*$")

#: Response fields that are hop-by-hop in HTTP/1.1 and forbidden in HTTP/2
#: (RFC 9113 section 8.2.2).  Lower-case.
CONNECTION_SPECIFIC = frozenset([
    "connection", "keep-alive", "proxy-connection", "transfer-encoding",
    "upgrade",
])


def check_status(status):
    """Validate a WSGI status line such as ``"200 OK"``; return the code."""
    if not is_native(status):
        raise HeaderError("status must be a native str, got %r" % (status,))
    if not _STATUS.match(status):
        raise HeaderError(
            "status must look like '200 OK' (three digits, a space, a "
            "reason without CR/LF), got %r" % (status,))
    return int(status[:3])


def check_header(name, value):
    """Validate one response header pair of native strings."""
    if not (is_native(name) and is_native(value)):
        raise HeaderError(
            "header name and value must be native str, got %r: %r"
            % (name, value))
    if not _TOKEN.match(name):
        raise HeaderError("invalid header name %r" % (name,))
    if _FORBIDDEN_IN_VALUE.search(value):
        raise HeaderError(
            "header %r has a CR, LF or NUL in its value %r (header "
            "injection)" % (name, value))
    if not PY2:
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            raise HeaderError(
                "header %r value %r is not latin-1; encode it (RFC 8187) "
                "or percent-escape it" % (name, value))


def check_headers(headers, http2=False, what="headers"):
    """Validate a WSGI header list; on HTTP/2 also refuse connection-specific
    fields, which an HTTP/2 peer must treat as malformed.  *what* names the
    list in error messages (e.g. "ng.push() headers")."""
    if type(headers) is not list:
        raise HeaderError(
            "%s must be a list of (name, value) tuples (PEP 3333), "
            "got %s" % (what, type(headers).__name__))
    for item in headers:
        if type(item) is not tuple or len(item) != 2:
            raise HeaderError("%s: %r is not a (name, value) tuple"
                              % (what, item))
        check_header(*item)
        if http2 and item[0].lower() in CONNECTION_SPECIFIC:
            raise HeaderError(
                "connection-specific header %r is not allowed on HTTP/2 "
                "(RFC 9113 section 8.2.2); contain legacy apps with "
                "wsgi_ng.shims.from_wsgi" % (item[0],))


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
    if check_status(status) < 200:
        raise HeaderError("%r cannot be a final status; use "
                          "environ['ng.early_hints'] for 103" % status)
    check_headers(headers, http2=http2)
