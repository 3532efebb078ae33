"""The real servers: ``wsgi-ng serve`` and gunicorn with the worker class
``wsgi_ng.adapters.gunicorn.Worker``, started as a user starts them, in the
app's folder, as child processes.

Each gets a listening socket bound here on 127.0.0.1 (``--fd`` for
``wsgi-ng serve``, systemd's ``LISTEN_FDS`` for gunicorn), so a client can
connect at once: no port to guess, no start-up to poll.  Their output goes
to a file, shown with a failing test (see ``conftest.py``).
"""
import os
import signal
import subprocess
import sys
import tempfile

from process import inheriting, listening_socket, socket_activated, wait_bounded

WAIT = 10.0  # bound on stopping a server
BIN = os.path.dirname(sys.executable)
HOSTS = ("wsgi-ng", "gunicorn")
#: gunicorn's own gthread worker, a plain WSGI server: HTTP/1.1 only, the
#: app through ``to_wsgi(from_wsgi(...))`` (``apps/portable.py``)
GTHREAD = "gunicorn-gthread"
APPS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "apps")


def command(host, app, certificate, fd):
    """The command line that serves *app* on descriptor *fd*, over TLS
    when *certificate* (``(certfile, keyfile)``) is given."""
    tls = ["--certfile", certificate[0], "--keyfile", certificate[1]] \
        if certificate else []
    if host == "wsgi-ng":
        return [os.path.join(BIN, "wsgi-ng"), "serve", app, "--fd", str(fd),
                "--graceful-timeout", "2"] + tls
    if host == GTHREAD:
        return socket_activated(fd, [
            "env", "WSGI_NG_PORTABLE=" + app, os.path.join(BIN, "gunicorn"),
            "-k", "gthread", "--threads", "8", "--graceful-timeout", "2",
            "--log-level", "info", "--access-logfile", "-",
            "--pythonpath", APPS] + tls + ["portable:application"])
    return socket_activated(fd, [
        os.path.join(BIN, "gunicorn"), "-k", "wsgi_ng.adapters.gunicorn.Worker",
        "--workers", "2", "--graceful-timeout", "2", "--log-level", "info",
        "--access-logfile", "-"] + tls + [app])


class Served(object):
    """*app* (``module:attribute``, importable from the folder *cwd*) served
    by *host*, with *environment* added to the server's, until ``stop()``;
    ``base`` is its ``scheme://127.0.0.1:PORT``."""

    def __init__(self, host, app, cwd, certificate=None, environment=None):
        self.host, self.app = host, app
        listener = listening_socket()
        self.port = listener.getsockname()[1]
        self.scheme = "https" if certificate else "http"
        self.base = "%s://127.0.0.1:%d" % (self.scheme, self.port)
        self._log = tempfile.TemporaryFile()
        fd = listener.fileno()
        self.process = subprocess.Popen(
            command(host, app, certificate, fd), cwd=cwd, stdout=self._log,
            stderr=subprocess.STDOUT, env=dict(os.environ, **(environment or {})),
            **inheriting(fd))
        listener.close()  # the server has its own copy

    def __repr__(self):
        return "<%s serving %s on %s>" % (self.host, self.app, self.base)

    def output(self, since=0):
        """What the server printed (from byte *since* on), as text."""
        self._log.seek(since)
        return self._log.read().decode("utf-8", "replace")

    def mark(self):
        """A position in the output, for ``output(since=...)``."""
        self._log.seek(0, os.SEEK_END)
        return self._log.tell()

    def terminate(self):
        """SIGTERM, as a deployment stops a server."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def stop(self):
        """Terminate; killed if it takes too long to stop."""
        self.terminate()
        wait_bounded(self.process, WAIT)
        self._log.close()
