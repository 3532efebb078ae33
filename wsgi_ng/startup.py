"""From a command line to an app, listening sockets and TLS -- with an
answer a user can act on when something is wrong.

Every mistake a user can make on the command line (a module that does not
import, a missing attribute, a port in use, a certificate that is not
there...) becomes a ``UsageError`` whose message is one line saying what
is wrong and how to fix it; ``wsgi-ng`` prints it instead of a traceback.
"""
import errno
import importlib
import os
import socket
import ssl
import sys
import traceback


class UsageError(ValueError):
    """A mistake on the command line; the message says how to fix it.
    ``original`` is the ``exc_info`` of the error behind it, if any (the
    traceback ``--log-level debug`` and ``--reload`` show)."""

    def __init__(self, message):
        ValueError.__init__(self, message)
        original = sys.exc_info()
        self.original = original if original[0] is not None else None


def load_app(spec):
    """``"package.module:attribute"`` (attribute defaults to
    ``application``), imported with the current directory on the path."""
    module_name, _, attribute = spec.partition(":")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        app = importlib.import_module(module_name)
    except ImportError as error:
        if _missing_module(error, module_name):
            raise UsageError(
                "cannot import %r: there is no such module here (run wsgi-ng "
                "from the directory that holds it, or add that directory to "
                "PYTHONPATH)" % (module_name,))
        raise UsageError("importing %r failed: %s" % (module_name,
                                                      _where(error)))
    except Exception as error:  # the module itself is broken
        raise UsageError("importing %r failed: %s" % (module_name,
                                                      _where(error)))
    path = module_name
    for name in (attribute or "application").split("."):
        if not hasattr(app, name):
            raise UsageError(
                "%r has no attribute %r%s; name the app as MODULE:ATTRIBUTE, "
                "e.g. %s:app" % (path, name, "" if attribute else
                                 " (the default attribute)", module_name))
        app, path = getattr(app, name), "%s.%s" % (path, name)
    if not callable(app):
        raise UsageError("%s is a %s, not a WSGI application (a callable)"
                         % (spec, type(app).__name__))
    return app


def _missing_module(error, module_name):
    """True when *error* says *module_name* itself (or a package above it)
    does not exist, rather than something it imports."""
    missing = getattr(error, "name", None)  # Python 3
    if missing is None:  # Python 2: "No module named x.y" names the tail
        missing = str(error).rpartition(" ")[2]
        return module_name.endswith(missing)
    return module_name == missing or module_name.startswith(missing + ".")


def _where(error):
    """``"NameError: ... (mysite/wsgi.py, line 12)"``: the error and the
    last frame of the user's code it came from."""
    frames = traceback.extract_tb(sys.exc_info()[2])
    where = ""
    if frames:
        filename, line = frames[-1][0], frames[-1][1]
        where = " (%s, line %d)" % (os.path.relpath(filename), line)
    return "%s: %s%s; --log-level debug shows the traceback" % (
        type(error).__name__, error, where)


def parse_bind(bind):
    """``"127.0.0.1:8000"``, ``"[::1]:8000"`` or ``":8000"`` -> (host,
    port), or a ``UsageError`` saying what a --bind should look like."""
    host, colon, port = bind.rpartition(":")
    if not colon or not port.isdigit() or host.endswith(":"):
        raise UsageError("--bind %s needs a port: HOST:PORT, like "
                         "127.0.0.1:8000 or [::1]:8000" % (bind,))
    if int(port) > 65535:
        raise UsageError("--bind %s: a port is 0 to 65535" % (bind,))
    return host.strip("[]") or "127.0.0.1", int(port)


def listen(bind, open_listener):
    """``open_listener(host, port)``, its errors said in a line."""
    host, port = parse_bind(bind)
    try:
        return open_listener(host, port)
    except (socket.error, OverflowError) as error:
        number = getattr(error, "errno", None)
        if number == errno.EADDRINUSE:
            raise UsageError("%s is in use (is another server running?): stop "
                             "it or choose another port with --bind" % bind)
        if number == errno.EACCES:
            raise UsageError("no permission to listen on %s: ports below 1024 "
                             "need root; choose a higher one with --bind"
                             % bind)
        if number == errno.EADDRNOTAVAIL or isinstance(error, socket.gaierror):
            raise UsageError("cannot listen on %s: %s is not an address of "
                             "this machine" % (bind, host))
        raise UsageError("cannot listen on %s: %s" % (bind, error))


def tls_files(certfile, keyfile, make_context):
    """The TLS context for *certfile* (and *keyfile*, else the key is in the
    certificate file), or None without either; its errors said in a line."""
    if keyfile and not certfile:
        raise UsageError("--keyfile needs --certfile (the certificate that "
                         "goes with the key)")
    if not certfile:
        return None
    for what, path in (("certificate", certfile), ("key", keyfile)):
        if path and not os.access(path, os.R_OK):
            raise UsageError("cannot read the %s %s: %s" % (
                what, path, "no such file" if not os.path.exists(path)
                else "permission denied"))
    try:
        return make_context(certfile, keyfile or certfile)
    except ssl.SSLError as error:
        raise UsageError(
            "the certificate %s and key %s do not go together, or are not "
            "PEM files (%s)%s" % (certfile, keyfile or certfile,
                                  error.reason or error,
                                  "" if keyfile else "; give the key with "
                                  "--keyfile"))
