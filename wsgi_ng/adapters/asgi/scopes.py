"""Scopes and environs: ``scope_environ`` makes the PEP 3333 environ of
an ASGI scope (``to_asgi``), by the reference server's rules;
``asgi_scope`` makes the ASGI scope of an environ (``from_asgi``)."""
from urllib.parse import quote

from wsgi_ng.server.environ import base_environ, request_environ


def scope_environ(scope, body, method=None):
    """The PEP 3333 environ of an ASGI *scope*, by the reference server's
    rules (``request_environ``)."""
    server = scope.get("server") or ("localhost", None)
    base = base_environ(server[0], "" if server[1] is None else server[1],
                        scope.get("scheme", "http"), scope.get("client"))
    target = scope.get("raw_path")
    if not target or not isinstance(target, bytes):  # absent, or a str
        target = quote(scope["path"]).encode("ascii")  # (uvicorn < 0.17)
    query = scope.get("query_string")
    if query:
        target += b"?" + query
    headers = [(bytes(name), bytes(value)) for name, value in scope["headers"]]
    environ = request_environ(base, method or scope["method"].encode("ascii"),
                              target, "HTTP/" + scope.get("http_version", "1.1"),
                              headers, body)
    root = scope.get("root_path", "")
    if root:
        root = root.encode("utf-8").decode("latin-1")
        path = environ["PATH_INFO"]
        environ["SCRIPT_NAME"] = root
        environ["PATH_INFO"] = path[len(root):] if path.startswith(root) else path
    environ["wsgi.multiprocess"] = True  # pre-fork servers run several
    return environ


def asgi_scope(environ, kind, state):
    """The ASGI scope of a WSGI *environ*."""
    root = environ.get("SCRIPT_NAME", "")
    raw = (root + environ.get("PATH_INFO", "")).encode("latin-1")
    headers = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:]
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            name = key
        else:
            continue
        headers.append((name.replace("_", "-").lower().encode("latin-1"),
                        value.encode("latin-1")))
    protocol = environ.get("SERVER_PROTOCOL", "HTTP/1.1")[5:]
    scheme = environ.get("wsgi.url_scheme", "http")
    scope = {
        "type": kind, "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "2" if protocol.startswith("2") else protocol,
        "scheme": scheme if kind == "http" else {"https": "wss"}.get(scheme, "ws"),
        "path": raw.decode("utf-8", "replace"), "raw_path": quote(raw).encode(),
        "root_path": root.encode("latin-1").decode("utf-8", "replace"),
        "query_string": environ.get("QUERY_STRING", "").encode("latin-1"),
        "headers": headers, "state": dict(state),
        "server": (environ.get("SERVER_NAME", ""),
                   int(environ.get("SERVER_PORT") or 0)),
    }
    if environ.get("REMOTE_ADDR"):
        scope["client"] = (environ["REMOTE_ADDR"],
                           int(environ.get("REMOTE_PORT") or 0))
    if kind == "http":
        scope["method"] = environ["REQUEST_METHOD"]
    return scope
