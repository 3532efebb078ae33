"""A server running an app in a child process, on 127.0.0.1, until stopped.

    with LiveServer(SERVERS["gunicorn-gthread"], "mysite.wsgi:application",
                    cwd="/path/to/project") as server:
        ...  # talk to server.port; server.output() is what it printed

The app is named, not passed: a server imports it itself, from *cwd*, as
it would in a deployment.  It reaches the server through a one-line entry
module written into a folder of the server's own (``hosted.entry``: the
wrap chosen, the folders to import from), which goes when it stops.
"""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from wsgi_ng._compat import own_session
from wsgi_ng.hosting.process import (
    free_port, inheriting, listening_socket, socket_activated, wait_bounded,
)
from wsgi_ng.hosting.servers import Launch

WAIT = 30.0  # bound on starting to listen and on stopping: a socket-activated
# server answers only once started, which took over 10 s under a parallel tox

ENTRY_MODULE = "wsgi_ng_entry"
ENTRY = u'''"""Written by wsgi_ng.hosting for one server start."""
from wsgi_ng.hosting.hosted import entry

application = entry(%r, %r, %r)
'''


class Unavailable(Exception):
    """The server cannot run here; the message says how to fix that."""


class ServerFailed(Exception):
    """The server stopped, or never listened; the message has its output."""


class LiveServer(object):
    """*app* (``module:attribute`` importable from *cwd*) served by
    *server* (a ``servers.Server``), wrapped as *wrap* says (see
    ``hosted``), over TLS with *certificate* (``(certfile, keyfile)``), with
    *environment* added to the server's."""

    def __init__(self, server, app, cwd=None, wrap="default", certificate=None,
                 environment=None):
        self.server = server
        self.name = server.name
        self.app = app
        self.cwd = os.path.abspath(cwd or os.getcwd())
        self.wrap = wrap
        self.certificate = certificate
        self.environment = dict(environment or {})
        self.scheme = "https" if certificate else "http"
        self.process = self.port = None
        self.final_output = ""
        self._folder = self._log = None

    def __repr__(self):
        return "<%s serving %s on %s>" % (self.name, self.app,
                                          self.base if self.port else "-")

    # -- starting ---------------------------------------------------------
    def start(self):
        """Start the server; ``Unavailable`` when it cannot run here."""
        why = self.server.unavailable([self.cwd])
        if why is not None:
            raise Unavailable(why)
        self._folder = tempfile.mkdtemp(prefix="wsgi-ng-%s-" % self.name)
        os.chmod(self._folder, 0o755)  # Apache's workers run as www-data
        with open(os.path.join(self._folder, ENTRY_MODULE + ".py"), "w") as f:
            f.write(ENTRY % (self.app, self.server.family, self.wrap))
        self._log = tempfile.TemporaryFile()
        env = dict(os.environ, **self.environment)
        env["PYTHONPATH"] = os.pathsep.join(
            [self._folder, self.cwd] + [p for p in env.get(
                "PYTHONPATH", "").split(os.pathsep) if p])
        if not self.server.measurable:  # coverage could not write its data
            env = dict((key, value) for key, value in env.items()
                       if not key.startswith("COVERAGE_PROCESS"))
        if self.server.own_port:
            self.port = free_port()
            self._spawn(self.server.argv(self._launch()), env)
            self._wait_until_listening()
        else:
            listener = listening_socket()
            self.port = listener.getsockname()[1]
            fd = listener.fileno()
            self._spawn(socket_activated(fd, self.server.argv(self._launch())),
                        env, **inheriting(fd))
            listener.close()  # the server has its own copy
        return self

    def _launch(self):
        return Launch(ENTRY_MODULE, "application", [self._folder, self.cwd],
                      self.port, self.certificate, self._folder)

    def _spawn(self, argv, env, **options):
        self.process = subprocess.Popen(
            argv, cwd=self.cwd, env=env, stdout=self._log,
            stderr=subprocess.STDOUT, **dict(options, **own_session()))

    def _wait_until_listening(self):
        """For servers that bind their port themselves (Apache binds a
        moment after it starts)."""
        deadline = time.time() + WAIT
        while True:
            try:
                self.connect(timeout=WAIT).close()
                return
            except socket.error:
                if not self.alive() or time.time() > deadline:
                    self.stop()
                    raise ServerFailed("%s did not start:\n%s" % (
                        self.name, self.final_output))
                time.sleep(0.05)

    __enter__ = start

    # -- while it runs ------------------------------------------------------
    @property
    def url(self):
        return "127.0.0.1:%d" % self.port

    @property
    def base(self):
        return "%s://127.0.0.1:%d" % (self.scheme, self.port)

    def connect(self, timeout=WAIT):
        return socket.create_connection(("127.0.0.1", self.port), timeout)

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def output(self, since=0):
        """What the server printed (from byte *since* on), as text."""
        if self._log is None:
            return self.final_output[since:]
        self._log.seek(since)
        return self._log.read().decode("utf-8", "replace")

    def mark(self):
        """A position in the output, for ``output(since=...)``."""
        self._log.seek(0, os.SEEK_END)
        return self._log.tell()

    def failure(self):
        """``ServerFailed`` with the output, when the process has ended
        (a client that lost its connection asks), else None."""
        if self.alive():
            return None
        return ServerFailed("%s exited with status %s:\n%s" % (
            self.name, self.process.returncode, self.output()))

    # -- stopping -------------------------------------------------------
    def terminate(self):
        """SIGTERM, as a deployment stops a server."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)

    def stop(self):
        """Terminate (killed if it takes too long) and clean up; the output
        stays in ``final_output``."""
        self.terminate()
        if self.process is not None:
            wait_bounded(self.process, WAIT)
            self._end_group()
        if self._log is not None:
            self.final_output = self.output()
            self._log.close()
            self._log = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def _end_group(self):
        """Kill what the server left behind: granian 2.5's worker outlived
        its stopped parent (a CI run found it 13 minutes later)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except OSError:  # nothing is left of the group
            pass

    def __exit__(self, *exc):
        self.stop()
        return False
