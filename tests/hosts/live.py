"""Real WSGI servers in child processes, for tests that talk to them over
sockets.  Each server gets a listening socket this process bound on
127.0.0.1, so there is no start-up race and nothing to poll."""
import os
import socket
import subprocess
import sys
import tempfile

import pytest

from process import wait_bounded

HERE = os.path.dirname(os.path.abspath(__file__))
WAIT = 10.0  # bound on every wait for a server


def gunicorn(worker, threads=1):
    def argv(app):
        return [sys.executable, "-m", "gunicorn.app.wsgiapp",
                "--worker-class", worker,
                "--threads", str(threads), "--workers", "1",
                "--graceful-timeout", "2", "--log-level", "info", app]
    return argv


def launched(server):
    def argv(app):
        return [sys.executable, os.path.join(HERE, "launch.py"), server, app]
    return argv


#: server name -> (the module it needs, how to start it)
SERVERS = {
    "gunicorn-sync": ("gunicorn", gunicorn("sync")),
    "gunicorn-gthread": ("gunicorn", gunicorn("gthread", threads=4)),
    "werkzeug": ("werkzeug", launched("werkzeug")),
    "waitress": ("waitress", launched("waitress")),
    "wsgiref": ("wsgiref", launched("wsgiref")),
    "gunicorn-gevent": ("gevent", gunicorn("gevent")),
    "gevent": ("gevent", launched("gevent")),
    "eventlet": ("eventlet", launched("eventlet")),
    "cheroot": ("cheroot", launched("cheroot")),
}


class LiveServer(object):
    """``with LiveServer("gunicorn-sync", "probe_app:application") as srv``"""

    def __init__(self, name, app):
        module, self._argv = SERVERS[name]
        pytest.importorskip(module, reason="pip install %s" % module)
        self.name = name
        self.app = app

    def __enter__(self):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        fd = self.listener.fileno()
        self.log = tempfile.TemporaryFile()
        command = ["bash", "-c", 'exec 3<&%d; LISTEN_FDS=1 LISTEN_PID=$$ exec "$@"'
                   % fd, "bash"] + self._argv(self.app)
        options = {"pass_fds": [fd]} if sys.version_info[0] > 2 else {
            "close_fds": False}
        self.process = subprocess.Popen(command, cwd=HERE, stdout=self.log,
                                        stderr=subprocess.STDOUT, **options)
        return self

    def connect(self, timeout=WAIT):
        return socket.create_connection(("127.0.0.1", self.port), timeout)

    @property
    def url(self):
        return "127.0.0.1:%d" % self.port

    def output(self):
        """Everything the server printed so far."""
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def alive(self):
        return self.process.poll() is None

    def __exit__(self, *exc):
        self.listener.close()
        if self.alive():
            self.process.terminate()
            wait_bounded(self.process, WAIT)
        self.final_output = self.output()
        self.log.close()
        if exc[0] is not None:  # shown by pytest with the failure
            sys.stderr.write("--- %s output ---\n%s" % (self.name,
                                                        self.final_output))
        return False
