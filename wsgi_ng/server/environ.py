"""PEP 3333 environ for a request, the same for HTTP/1.1 and HTTP/2."""
import sys

from wsgi_ng import keys
from wsgi_ng._compat import path_to_environ, to_native

_NOT_HTTP_PREFIXED = {"CONTENT_TYPE", "CONTENT_LENGTH"}


def base_environ(server_name, server_port, scheme):
    """The keys every request on one listener shares."""
    return {
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


def request_environ(base, method, target, protocol, headers, peer, body):
    """*headers* are ``(name, value)`` bytes pairs with lower-case names;
    repeated fields are joined with ``", "`` (``"; "`` for cookies)."""
    environ = dict(base)
    target = to_native(target)
    path, _, query = target.partition("?")
    environ.update({
        "REQUEST_METHOD": to_native(method),
        "PATH_INFO": path_to_environ(path),
        "QUERY_STRING": query,
        "RAW_URI": target,
        "SERVER_PROTOCOL": protocol,
        "REMOTE_ADDR": peer[0] if peer else "",
        "REMOTE_PORT": str(peer[1]) if peer else "",
        "wsgi.input": body,
    })
    for name, value in headers:
        name = to_native(name).upper().replace("-", "_")
        if name not in _NOT_HTTP_PREFIXED:
            name = "HTTP_" + name
        value = to_native(value)
        if name in environ:
            value = environ[name] + ("; " if name == "HTTP_COOKIE" else ", ") + value
        environ[name] = value
    return environ
