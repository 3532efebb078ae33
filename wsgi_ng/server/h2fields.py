"""HTTP/2 request header blocks, checked in one pass.

h2 checks each header block it receives through a chain of seven
generators, one per rule; one of them walks every name and value a byte
at a time in Python.  For h2load's seven fields that chain ran 119k
instructions, a seventh of a whole hello-world request.  So the server
turns h2's checks off (``validate_inbound_headers``), and
``h2state.ServerConnection`` calls ``check_request`` and
``check_trailers`` here instead.  These apply the same rules in one loop,
and a field seen before is not checked again: 18k instructions.

The rules are h2 4.4's, which follow RFC 9113 sections 8.2 and 8.3, and
RFC 8441 for an extended CONNECT.  Every h2 version the server runs on
(3.2 on Python 2, 4.1 and later) therefore takes the same requests.  The
tests hold these checks against h2's own chain, case by case.  A block
that breaks a rule raises h2's ``ProtocolError``; the connection then
resets that stream alone.
"""
import re

from h2.exceptions import ProtocolError

#: A field name, RFC 9113 section 8.2.1: none of 0x00-0x20, A-Z (names
#: are lower case) or 0x7f-0xff, and a colon only as a pseudo-header's
#: first byte.
_NAME = re.compile(br"\A:?[\x21-\x39\x3b-\x40\x5b-\x7e]+\Z")
#: What a value must not hold: NUL, CR or LF anywhere, whitespace at
#: either end.
_BAD_VALUE = re.compile(br"[\x00\r\n]|\A[ \t]|[ \t]\Z")
#: Fields only HTTP/1.1 has (RFC 9113 section 8.2.2); ``te`` is allowed
#: with the value ``trailers`` alone.
_CONNECTION_SPECIFIC = frozenset([
    b"connection", b"proxy-connection", b"keep-alive", b"transfer-encoding",
    b"upgrade"])
_PSEUDO = frozenset([b":method", b":scheme", b":authority", b":path",
                     b":protocol"])
#: Fields that passed ``_check_field``; bounded, since values vary without
#: end (cookies, lengths): past the bound fields are checked anew.
_FINE = set()
_FINE_KEPT = 4096


def _check_field(field):
    """One field on its own: its name, its value, and no field of
    HTTP/1.1's connection."""
    name, value = field
    if not _NAME.match(name):
        raise ProtocolError("Invalid header name %r" % (name,))
    if _BAD_VALUE.search(value):
        raise ProtocolError("Invalid value for header %r: %r" % (name, value))
    if name in _CONNECTION_SPECIFIC:
        raise ProtocolError("Connection-specific header field present: %r"
                            % (name,))
    if name == b"te" and value.lower() != b"trailers":
        raise ProtocolError("Invalid value for TE header: %r" % (value,))
    if len(_FINE) < _FINE_KEPT:
        _FINE.add(field)


def _split(headers):
    """The pseudo-header fields of *headers* by name, and the values of
    its ``host`` fields, with each field checked; pseudo-header fields
    must come first, once each."""
    pseudo = {}
    hosts = []
    regular = False
    for field in headers:
        if field not in _FINE:
            _check_field(field)
        name = field[0]
        if name[:1] != b":":
            regular = True
            if name == b"host":
                hosts.append(field[1])
        elif regular:
            raise ProtocolError("Received pseudo-header field out of "
                                "sequence: %r" % (name,))
        elif name in pseudo:
            raise ProtocolError("Received duplicate pseudo-header field %r"
                                % (name,))
        elif name not in _PSEUDO:
            raise ProtocolError("Received custom pseudo-header field %r"
                                % (name,))
        else:
            pseudo[name] = field[1]
    return pseudo, hosts


def check_request(headers):
    """Raise ``ProtocolError`` unless *headers* (bytes pairs, as h2 decoded
    them) are a well-formed request header block; returns its
    pseudo-header fields by name and its ``host`` values (at most one,
    equal to ``:authority`` if both are there)."""
    pseudo, hosts = _split(headers)
    method = pseudo.get(b":method")
    if method is None:
        raise ProtocolError("Header block missing mandatory :method header")
    if method == b"CONNECT" and b":protocol" not in pseudo:
        # a plain CONNECT names an authority only (RFC 9113 section 8.5)
        if b":scheme" in pseudo or b":path" in pseudo:
            raise ProtocolError("Ordinary CONNECT MUST NOT include :scheme "
                                "or :path")
    else:
        if method != b"CONNECT" and b":protocol" in pseudo:
            raise ProtocolError("Encountered connect-request-only headers "
                                ":protocol")
        if b":scheme" not in pseudo or b":path" not in pseudo:
            raise ProtocolError("Header block missing mandatory :scheme or "
                                ":path header")
    if pseudo.get(b":path", True) == b"":
        raise ProtocolError("An empty :path header is forbidden")
    authority = pseudo.get(b":authority")
    if len(hosts) > 1:
        raise ProtocolError("Request header block has multiple Host headers.")
    if authority is None and not hosts:
        raise ProtocolError("Request header block does not have an "
                            ":authority or Host header.")
    if authority is not None and hosts and hosts[0] != authority:
        raise ProtocolError("Request header block has mismatched :authority "
                            "and Host headers: %r / %r" % (authority, hosts[0]))
    return pseudo, hosts


def check_trailers(headers):
    """Raise ``ProtocolError`` unless *headers* are well-formed trailers:
    checked fields, no pseudo-header among them."""
    if _split(headers)[0]:
        raise ProtocolError("Received pseudo-header in trailer")
