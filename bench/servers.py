"""The servers under test and their life cycle (Python 3 only).

Every server runs as a subprocess in its own session (so its process group
holds it and any workers it forks), listens on 127.0.0.1 only, logs to a
file (never a pipe a stalled reader could block), and is always stopped:
SIGTERM to the main process, SIGKILL to the whole group after a bound.
"""
import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field

import psutil

HOST = "127.0.0.1"  # the only address any server is ever bound to
BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
PY = sys.executable
SLOW_EXIT = 2.0  # seconds after SIGTERM past which an exit is worth a note


@dataclass(frozen=True)
class ServerSpec:
    """How to start one server: *argv* is a function of the port; *module*
    must be importable or the server is skipped (a missing peer is not a
    harness error)."""
    name: str
    module: str
    argv: object
    about: str = ""

    def missing(self):
        """Why this server cannot run here, or None."""
        if importlib.util.find_spec(self.module) is None:
            return "%s is not installed in %s" % (self.module, PY)
        return None


def wsgi_ng(app):
    """The server under test, run the way the docs say to run it; --ng
    because the bench apps are written for wsgi-ng (no from_wsgi layer)."""
    return ServerSpec(
        "wsgi-ng", "wsgi_ng.server",
        lambda port: [PY, "-m", "wsgi_ng", "serve", "apps:%s" % app,
                      "--bind", "%s:%d" % (HOST, port), "--ng",
                      "--no-access-log", "--log-level", "warning"],
        "wsgi_ng serve --ng, 1 process, threads by need (a thread per "
        "WebSocket session)")


def wsgi_ng_workers(workers):
    """Several processes: gunicorn's process management with the wsgi-ng
    worker class, the documented way to scale out."""
    return ServerSpec(
        "wsgi-ng", "wsgi_ng.server",
        lambda port: [PY, "-m", "gunicorn", "-k",
                      "wsgi_ng.adapters.gunicorn.Worker", "-w", str(workers),
                      "-b", "%s:%d" % (HOST, port), "--log-level", "warning",
                      "apps:hello"],
        "gunicorn -k wsgi_ng.adapters.gunicorn.Worker -w %d" % workers)


def gunicorn(workers, threads=32):
    """gunicorn's threaded worker: the usual production home of a sync WSGI
    app, and thread-based like wsgi-ng."""
    return ServerSpec(
        "gunicorn", "gunicorn",
        lambda port: [PY, "-m", "gunicorn", "-k", "gthread", "--threads",
                      str(threads), "-w", str(workers), "-b",
                      "%s:%d" % (HOST, port), "--log-level", "warning",
                      "apps:hello"],
        "gunicorn -k gthread --threads %d -w %d" % (threads, workers))


def hypercorn(app, workers=1, mode="wsgi", name=None):
    """hypercorn speaks HTTP/1.1, h2c and WebSocket like wsgi-ng; the
    ``wsgi:``/``asgi:`` prefix says how to call the app instead of letting
    hypercorn guess."""
    return ServerSpec(
        name or "hypercorn-" + mode, "hypercorn",
        lambda port: [PY, "-m", "hypercorn", "-w", str(workers), "-b",
                      "%s:%d" % (HOST, port), "--log-level", "warning",
                      "%s:apps:%s" % (mode, app)],
        "hypercorn -w %d (asyncio), %s app%s" % (
            workers, mode.upper(),
            ", sync app on a thread pool" if mode == "wsgi" else ""))


def uvicorn(workers=1, app="apps:asgi_app", name="uvicorn-asgi", http="auto"):
    """The common ASGI server: what an async rewrite of the app would get
    (HTTP/1.1 only, so it is in the h1 workload alone); with *app*
    ``asgi_apps:...``, the WSGI app through to_asgi."""
    return ServerSpec(
        name, "uvicorn",
        lambda port: [PY, "-m", "uvicorn", "--host", HOST, "--port",
                      str(port), "--workers", str(workers), "--log-level",
                      "warning", "--no-access-log", "--http", http, app],
        "uvicorn --workers %d --http %s, %s" % (workers, http, app))


def granian(app, name):
    """granian's ASGI interface, one process (its Rust core does the I/O)."""
    return ServerSpec(
        name, "granian",
        lambda port: [PY, "-m", "granian", "--interface", "asgi", "--host",
                      HOST, "--port", str(port), "--log-level", "warning",
                      "--no-ws" if "hello" in app else "--ws", app],
        "granian --interface asgi, %s" % app)


def websockets_sync():
    """A thread-per-connection WebSocket server with a sync API: the
    nearest peer to wsgi-ng's sessions."""
    return ServerSpec(
        "websockets", "websockets.sync.server",
        lambda port: [PY, os.path.join(BENCH_DIR, "apps.py"), "websockets",
                      HOST, str(port)],
        "websockets.sync.server.serve, thread per connection")


class ServerError(Exception):
    """The server did not come up (exited, or never answered)."""


@dataclass
class Running:
    """A started server: its process, port, log file and what went wrong."""
    spec: ServerSpec
    proc: subprocess.Popen
    port: int
    log_path: str
    notes: list = field(default_factory=list)

    @property
    def url(self):
        return "http://%s:%d/" % (HOST, self.port)

    def rss(self):
        """Resident memory of the server and all its children, bytes."""
        main = psutil.Process(self.proc.pid)
        total = 0
        for proc in [main] + main.children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):
                total += proc.memory_info().rss
        return total

    def log_text(self):
        with open(self.log_path, "rb") as log:
            return log.read().decode("utf-8", "replace")


_STARTED = {}  # id -> server started and not yet stopped, for stop_all()


def free_port():
    """A port free on 127.0.0.1 right now (the server binds it next)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def http_ready(port, timeout=1.0):
    """True once a plain GET gets any HTTP status line: a bound socket is
    not enough, since gunicorn's master binds before its worker runs."""
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: bench\r\n"
                         b"Connection: close\r\n\r\n")
            return sock.recv(64).startswith(b"HTTP/1.")
    except OSError:
        return False


def wait_ready(server, timeout):
    """Bounded retry loop until the server answers; fail fast if it
    exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise ServerError("exited with code %s before answering"
                              % server.proc.returncode)
        if http_ready(server.port):
            return
        time.sleep(0.1)
    raise ServerError("no answer on port %d within %gs" % (server.port,
                                                           timeout))


#: ``taskset -c`` core lists for the pinned mode (server, load), or None.
PIN = None


def pinned(argv, side):
    """*argv* run on the server's or the load's core in the pinned mode."""
    if PIN is None:
        return list(argv)
    return ["taskset", "-c", PIN[side]] + list(argv)


def start(spec, log_dir, tag):
    """Start *spec* on a fresh port, logging to ``log_dir/<tag>.log``."""
    port = free_port()
    log_path = os.path.join(log_dir, "%s.log" % tag)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [BENCH_DIR] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(pinned(spec.argv(port), 0), cwd=BENCH_DIR,
                                env=env,
                                stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT,
                                start_new_session=True)
    server = Running(spec, proc, port, log_path)
    _STARTED[id(server)] = server
    return server


def stop(server, timeout):
    """SIGTERM, wait up to *timeout*, then SIGKILL the process group; any
    worker still alive once the main process is gone is killed too."""
    proc = server.proc
    workers = _children(proc.pid)
    if proc.poll() is not None:
        server.notes.append("exited on its own with code %s"
                            % proc.returncode)
    else:
        _terminate(server, timeout)
    _, alive = psutil.wait_procs(workers, timeout=min(timeout, 5))
    for worker in alive:
        server.notes.append("worker %d outlived the main process: killed"
                            % worker.pid)
        with contextlib.suppress(psutil.NoSuchProcess):
            worker.kill()
    _kill_group(proc.pid)  # a final sweep; normally nothing is left
    _STARTED.pop(id(server), None)


def _terminate(server, timeout):
    """SIGTERM the main process, as an operator would; note a slow or
    unclean exit, since graceful shutdown is part of what we test."""
    proc = server.proc
    proc.send_signal(signal.SIGTERM)
    sent = time.monotonic()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        server.notes.append("still running %gs after SIGTERM: killed"
                            % timeout)
        _kill_group(proc.pid)
        proc.wait(5)
        return
    took = time.monotonic() - sent
    if took > SLOW_EXIT:
        server.notes.append("took %.1fs to exit after SIGTERM" % took)
    if proc.returncode not in (0, -signal.SIGTERM):
        server.notes.append("exit code %s after SIGTERM" % proc.returncode)


def _children(pid):
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _kill_group(pgid):
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def stop_all(timeout=2.0):
    """Stop whatever is still running (atexit, or after an interrupt)."""
    for server in list(_STARTED.values()):
        stop(server, timeout)
