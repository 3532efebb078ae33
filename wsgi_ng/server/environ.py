"""PEP 3333 environ for a request, the same for HTTP/1.1 and HTTP/2.

The request target and the ``Host`` field are read as RFC 9112 section 3.2
says (origin-form, absolute-form, authority-form for CONNECT, asterisk-form
for OPTIONS); anything else is a ``BadRequest`` the protocol handler
answers.  Fields whose name holds an underscore are dropped: in ``HTTP_*``
keys ``X_Auth_User`` and ``X-Auth-User`` would be one name, so a client
could spoof a field a proxy in front only filters in its dash form (gunicorn
drops them too).
"""
import re
import sys

from wsgi_ng import keys
from wsgi_ng._compat import bytes_to_native, path_to_environ
from wsgi_ng.errors import BadRequest

_NOT_HTTP_PREFIXED = {"CONTENT_TYPE", "CONTENT_LENGTH"}
#: RFC 3986 host (an IP literal or a reg-name, percent-encoding allowed)
#: with an optional port.
_HOST = re.compile(br"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~%!$&'()*+,;=]*)"
                   br"(:[0-9]*)?$")
_ABSOLUTE = re.compile(br"^[A-Za-z][A-Za-z0-9+.\-]*://([^/?#]*)(.*)$")


def base_environ(server_name, server_port, scheme, peer=None):
    """The keys every request on one connection shares: the listener's,
    and the client's address (*peer*)."""
    return {
        "REMOTE_ADDR": peer[0] if peer else "",
        "REMOTE_PORT": str(peer[1]) if peer else "",
        "SERVER_NAME": server_name,
        "SERVER_PORT": str(server_port),
        "SCRIPT_NAME": "",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        keys.INPUT_TERMINATED: True,
    }


def split_target(method, target):
    """``(raw_uri, path, query, authority)`` of a request target: the
    target, its path and its query as native strings (the path not yet
    percent-decoded), and its authority as bytes -- None unless the target
    names one (absolute-form).  The fragment, which a client must not send,
    is dropped."""
    if method == b"CONNECT":  # authority-form: a tunnel through a proxy
        if b":" not in target or not _HOST.match(target):
            raise BadRequest(400, "CONNECT takes a host:port target")
        raise BadRequest(501, "CONNECT: this server is not a proxy")
    raw_uri = bytes_to_native(target)
    if target[:1] == b"/":  # origin-form, nearly every request: split as
        # the text it is decoded to once (not as bytes, decoded piece by piece)
        uri = raw_uri.partition("#")[0] if "#" in raw_uri else raw_uri
        path, _, query = uri.partition("?")
        return raw_uri, path, query, None
    target = target.partition(b"#")[0]
    if target == b"*":
        if method != b"OPTIONS":
            raise BadRequest(400, "the target * is for OPTIONS only")
        return raw_uri, "*", "", None
    absolute = _ABSOLUTE.match(target)
    if absolute is not None:
        authority, rest = absolute.groups()
        path, _, query = rest.partition(b"?")
        return (raw_uri, bytes_to_native(path) or "/", bytes_to_native(query),
                authority)
    raise BadRequest(400, "a request target must be a path starting with /")


#: The common methods' native names, looked up rather than decoded.
_METHODS = dict((name.encode("ascii"), name) for name in (
    "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"))

#: ``Host`` values found good: a server is reached by a few names.
#: Bounded, since clients choose them; past the bound they are checked anew.
_GOOD_HOSTS = set()
_GOOD_HOSTS_KEPT = 1024


def check_host(value):
    """Refuse a ``Host`` (or ``:authority``) that is not a host and port."""
    if not _HOST.match(value):
        raise BadRequest(400, "invalid Host field")
    if len(_GOOD_HOSTS) < _GOOD_HOSTS_KEPT:
        _GOOD_HOSTS.add(value)


#: Field name (lower-case bytes) -> its environ key, for the names met so
#: far: a name's key is worked out once, not on every request.  Bounded,
#: since clients choose the names; past the bound keys are worked out anew.
_KEYS = {}
_KEYS_KEPT = 1024


def _environ_key(name):
    key = bytes_to_native(name).upper().replace("-", "_")
    if key not in _NOT_HTTP_PREFIXED:
        key = "HTTP_" + key
    if len(_KEYS) < _KEYS_KEPT:
        _KEYS[name] = key
    return key


def request_environ(base, method, target, protocol, headers, body):
    """*headers* are ``(name, value)`` bytes pairs with lower-case names;
    repeated fields are joined with ``", "`` (``"; "`` for cookies).
    Raises ``BadRequest`` for a target or ``Host`` RFC 9112 rules out."""
    environ = dict(base)
    raw_uri, native_path, query, authority = split_target(method, target)
    environ["REQUEST_METHOD"] = _METHODS.get(method) or bytes_to_native(method)
    environ["PATH_INFO"] = (path_to_environ(native_path) if "%" in native_path
                            else native_path)
    environ["QUERY_STRING"] = query
    environ["RAW_URI"] = raw_uri
    environ["SERVER_PROTOCOL"] = protocol
    environ["wsgi.input"] = body
    hosts = 0
    keys_of = _KEYS.get
    for name, value in headers:
        key = keys_of(name)
        if key is None:
            if b"_" in name:
                continue  # would pass for the dash form: spoofing (see above)
            key = _environ_key(name)
        if name == b"host":
            hosts += 1
            if value not in _GOOD_HOSTS:  # (a set's test: no call)
                check_host(value)
        value = bytes_to_native(value)
        if key in environ:
            value = environ[key] + ("; " if key == "HTTP_COOKIE" else ", ") + value
        environ[key] = value
    if hosts > 1:
        raise BadRequest(400, "more than one Host field")
    if authority is not None:  # absolute-form: the target names the host
        check_host(authority)
        environ["HTTP_HOST"] = bytes_to_native(authority)
    return environ
