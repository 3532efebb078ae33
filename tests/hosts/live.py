"""Real WSGI servers in child processes, for tests that talk to them over
sockets.

Most servers get a listening socket this process bound on 127.0.0.1
(systemd socket activation), so there is no start-up race and nothing to
poll.  Apache and granian cannot adopt a socket; for them the port is chosen here
and connecting is retried, boundedly, until they answer.
"""
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import pytest

from process import inheriting, listening_socket, socket_activated, wait_bounded

HERE = os.path.dirname(os.path.abspath(__file__))
# bound on every wait for a server: generous, since a socket-activated
# server answers its first request only once it has started, which took
# over 10 s under tox -p 2 on a busy 2-core machine (gunicorn-sync, py39)
WAIT = 30.0
BIN = os.path.dirname(sys.executable)


def gunicorn(worker, threads=1, options=()):
    def argv(app):
        return [sys.executable, "-m", "gunicorn.app.wsgiapp",
                "--worker-class", worker,
                "--threads", str(threads), "--workers", "1",
                "--graceful-timeout", "2", "--log-level", "info"
                ] + list(options) + [app]
    return argv


def uwsgi(app):
    """uWSGI with its own HTTP parser and threads, as it is deployed
    without a front proxy; ``fd://3`` names the inherited socket, so the
    systemd variables (which would register it twice) are dropped."""
    return ["env", "-u", "LISTEN_FDS", "-u", "LISTEN_PID",
            os.path.join(BIN, "uwsgi"),
            "--http-socket", "fd://3", "--module", app, "--pythonpath", HERE,
            "--master", "--processes", "1", "--threads", "4",
            "--die-on-term", "--need-app", "--strict", "--buffer-size", "65535"]


def launched(server):
    def argv(app):
        return [sys.executable, os.path.join(HERE, "launch.py"), server, app]
    return argv


def mod_wsgi(*options):
    """Apache + mod_wsgi through ``mod_wsgi-express``, built by pip against
    this interpreter; chunked request bodies switched on (else 411)."""
    def argv(app, port, root):
        module, _, name = app.partition(":")
        user = ["--user", "www-data", "--group", "www-data"] if (
            os.geteuid() == 0) else []  # Apache refuses to serve as root
        return [os.path.join(BIN, "mod_wsgi-express"), "start-server",
                "--application-type", "module", module,
                "--callable-object", name, "--python-path", HERE,
                "--host", "127.0.0.1", "--port", str(port),
                "--server-root", root, "--log-to-terminal", "--log-level", "info",
                "--processes", "1", "--threads", "4", "--locale", "C.UTF-8",
                "--chunked-request"] + user + list(options)
    return argv


def uvicorn(http):
    return lambda app: [sys.executable, "-m", "uvicorn", "--fd", "3", "--http",
                        http, "--log-level", "info", app]


def granian(app, port, root):
    """granian cannot adopt a socket: it binds the port chosen here."""
    return [sys.executable, "-m", "granian", "--interface", "asgi", "--host",
            "127.0.0.1", "--port", str(port), "--log-level", "info", app]


def module(*names):
    def installed():
        try:
            for name in names:
                __import__(name)
        except ImportError:
            return False
        return True
    return installed


def program(name):
    return lambda: os.path.exists(os.path.join(BIN, name))


#: server name -> (pip package, is it installed, how to start it)
SERVERS = {
    "gunicorn-sync": ("gunicorn", module("gunicorn"), gunicorn("sync")),
    "gunicorn-gthread": ("gunicorn", module("gunicorn"),
                         gunicorn("gthread", threads=4)),
    # gunicorn >= 25: HTTP/2 by prior knowledge next to HTTP/1.1
    "gunicorn-h2": ("gunicorn", module("gunicorn"), gunicorn(
        "gthread", threads=4, options=["--http-protocols", "h2,h1",
                                       "--http2-cleartext", "prior-knowledge"])),
    # the reference server in gunicorn's processes (two workers)
    "gunicorn-wsgi-ng": ("gunicorn", module("gunicorn"), gunicorn(
        "wsgi_ng.adapters.gunicorn.Worker", options=["--workers", "2"])),
    "werkzeug": ("werkzeug", module("werkzeug"), launched("werkzeug")),
    "waitress": ("waitress", module("waitress"), launched("waitress")),
    "wsgiref": ("wsgiref", module("wsgiref"), launched("wsgiref")),
    "gunicorn-gevent": ("gevent", module("gevent"), gunicorn("gevent")),
    "gevent": ("gevent", module("gevent"), launched("gevent")),
    "eventlet": ("eventlet", module("eventlet"), launched("eventlet")),
    "cheroot": ("cheroot", module("cheroot"), launched("cheroot")),
    "uwsgi": ("uwsgi", program("uwsgi"), uwsgi),
    "mod_wsgi": ("mod_wsgi", program("mod_wsgi-express"), mod_wsgi()),
    # mod_http2 next to HTTP/1.1; the app in a daemon process (the default)
    # or inside the Apache worker (embedded)
    "mod_wsgi-h2": ("mod_wsgi", program("mod_wsgi-express"),
                    mod_wsgi("--http2")),
    "mod_wsgi-embedded-h2": ("mod_wsgi", program("mod_wsgi-express"),
                             mod_wsgi("--http2", "--embedded-mode")),
    # ASGI servers, for to_asgi (Python 3 only)
    "uvicorn-h11": ("uvicorn", module("uvicorn"), uvicorn("h11")),
    # the wsgi-ng server's own extra brings httptools: uvicorn is the test
    "uvicorn-httptools": ("uvicorn", module("uvicorn", "httptools"),
                          uvicorn("httptools")),
    "hypercorn": ("hypercorn", module("hypercorn"), lambda app: [
        sys.executable, "-m", "hypercorn", "--bind", "fd://3",
        "--log-level", "info", "--graceful-timeout", "2", app]),
    "daphne": ("daphne", module("daphne"), lambda app: [
        os.path.join(BIN, "daphne"), "--fd", "3", "-v", "1", app]),
    "granian": ("granian", module("granian"), granian),
    # gunicorn's threads with two pre-forked workers (from_asgi's lifespan)
    "gunicorn-gthread-2": ("gunicorn", module("gunicorn"), gunicorn(
        "gthread", threads=4, options=["--workers", "2"])),
}

#: Servers that bind a port of their own (chosen here) instead of adopting
#: the socket this process bound.
PORT_BOUND = ("mod_wsgi", "mod_wsgi-h2", "mod_wsgi-embedded-h2", "granian")


#: Servers pip compiles per interpreter; tox says where with WSGI_NG_C_SERVERS.
C_BUILT = ("uwsgi", "mod_wsgi")
#: ASGI servers; tox installs them where it sets WSGI_NG_ASGI_SERVERS.
ASGI = ("uvicorn", "httptools", "hypercorn", "daphne", "granian")


def require(name):
    """Skip (or, with ``WSGI_NG_REQUIRE_SERVERS=1`` as in CI, fail) when the
    server *name* is not installed, saying how to install it -- or cannot
    run on this machine, saying how to fix that."""
    package, installed, _ = SERVERS[name]
    if not installed():
        reason = "%s is not installed: pip install %s" % (name, package)
        if package in C_BUILT and not os.environ.get("WSGI_NG_C_SERVERS"):
            pytest.skip(reason + " (tox builds it on 2.7, 3.6, 3.11 and "
                        "3.13 only)")
        if package in ASGI and not os.environ.get("WSGI_NG_ASGI_SERVERS"):
            pytest.skip(reason + " (tox installs it on 3.9, 3.11 and 3.13 "
                        "only)")
    elif name.startswith("mod_wsgi"):
        # the interpreter, its standard library (outside a Python 2
        # virtualenv, which copies the interpreter only), and the code
        reason = apache_cannot_reach(
            [os.path.realpath(sys.executable), HERE, BIN] + [
                os.path.dirname(os.path.abspath(__import__(module).__file__))
                for module in ("os", "wsgi_ng", "mod_wsgi")])
    else:
        reason = None
    if reason is None:
        return
    if os.environ.get("WSGI_NG_REQUIRE_SERVERS"):
        pytest.fail(reason)
    pytest.skip(reason)


#: The user mod_wsgi-express serves as when the tests run as root.
APACHE_USER = "www-data"


def apache_cannot_reach(paths):
    """Why Apache cannot serve from here, or None: run as root, it serves
    as www-data, which must reach the interpreter and the code -- not the
    case with Python under /root (pyenv's default), a folder others cannot
    enter."""
    if os.geteuid() != 0:
        return None  # Apache serves as this user
    try:
        user = pwd.getpwnam(APACHE_USER)
    except KeyError:
        return "Apache's user %s does not exist: apt-get install apache2" % (
            APACHE_USER)

    def as_apache():
        os.setgroups([])
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)

    def can(test, path):  # test(1) as www-data: -r readable, -x enterable
        return subprocess.call(["test", test, path], preexec_fn=as_apache) == 0

    for path in paths:
        if can("-r", path):
            continue
        folder = path
        while os.path.dirname(folder) != folder and not can(
                "-x", os.path.dirname(folder)):
            folder = os.path.dirname(folder)  # the outermost one it cannot enter
        return ("Apache's user %s cannot reach %s (it may not enter %s): "
                "chmod o+x %s, or install Python and the checkout elsewhere"
                % (APACHE_USER, path, folder, folder))
    return None


class LiveServer(object):
    """``with LiveServer("gunicorn-sync", "probe_app:application") as srv``"""

    def __init__(self, name, app):
        require(name)
        self.name = name
        self.app = app
        self._argv = SERVERS[name][2]
        self.listener = self.root = None

    def __enter__(self):
        self.log = tempfile.TemporaryFile()
        options = {}
        if self.name in PORT_BOUND:
            command = self._port_command()
            # Apache's Python runs as www-data, which cannot write coverage
            # data here: it must not inherit the measuring (nor granian's).
            options["env"] = dict((key, value) for key, value in os.environ.items()
                                  if not key.startswith("COVERAGE_PROCESS"))
        else:
            command = self._activated_command()
            options = inheriting(self.listener.fileno())
        self.process = subprocess.Popen(command, cwd=HERE, stdout=self.log,
                                        stderr=subprocess.STDOUT, **options)
        if self.listener is None:
            self._wait_until_listening()
        return self

    def _activated_command(self):
        self.listener = listening_socket()
        self.port = self.listener.getsockname()[1]
        return socket_activated(self.listener.fileno(), self._argv(self.app))

    def _port_command(self):
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        probe.bind(("127.0.0.1", 0))  # a free port, released for Apache
        self.port = probe.getsockname()[1]
        probe.close()
        self.root = tempfile.mkdtemp(prefix="wsgi-ng-apache-")
        os.chmod(self.root, 0o755)  # Apache's workers run as www-data
        return self._argv(self.app, self.port, self.root)

    def _wait_until_listening(self):
        deadline = time.time() + WAIT
        while True:
            try:
                self.connect(timeout=WAIT).close()
                return
            except socket.error:
                if not self.alive() or time.time() > deadline:
                    raise AssertionError("%s did not start:\n%s" % (
                        self.name, self.output()))
                time.sleep(0.05)  # binding comes a moment after the start

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
        if self.listener is not None:
            self.listener.close()
        if self.alive():
            self.process.terminate()
            wait_bounded(self.process, WAIT)
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
        self.final_output = self.output()
        self.log.close()
        if exc[0] is not None:  # shown by pytest with the failure
            sys.stderr.write("--- %s output ---\n%s" % (self.name,
                                                        self.final_output))
        return False
