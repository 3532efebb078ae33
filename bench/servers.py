"""The servers under test and their life cycle (Python 3 only).

Every server runs as a subprocess in its own session (so its process group
holds it and any workers it forks), listens on 127.0.0.1 only, logs to a
file (never a pipe a stalled reader could block), and is always stopped:
SIGTERM to the main process, SIGKILL to the whole group after a bound.
"""
import contextlib
import ctypes
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
    harness error).  *app* says which interface the server calls the app
    through (WSGI contained, WSGI as is, ASGI): the tables show it, since a
    server serving an ASGI hello and one serving a WSGI hello do not do
    the same work."""
    name: str
    module: str
    argv: object
    about: str = ""
    app: str = ""
    #: App calls the server can run at once, where that is a fixed number
    #: (the hung-app fault hangs that many), else None.
    threads: int = None
    #: A checkout to import wsgi-ng from, ahead of PYTHONPATH (a baseline
    #: row: the same server at an older commit).
    path: str = None

    def missing(self):
        """Why this server cannot run here, or None (*module* may name
        several, comma-separated: uvicorn with httptools and uvloop)."""
        for module in self.module.split(","):
            try:
                found = importlib.util.find_spec(module)
            except ImportError:
                found = None
            if found is None:
                return "%s is not installed in %s" % (module, PY)
        return None


def _wsgi_ng_threads():
    """The server's default pool size, read from the wsgi-ng on the path
    (the one under test: PYTHONPATH may point at another checkout)."""
    try:
        from wsgi_ng.server.config import Config
    except ImportError:
        return None
    return getattr(Config, "threads", None)


def wsgi_ng(app="hello", ng=False, options=(), name=None):
    """The server under test, run the way the docs say to run it.  By
    default the app is a plain WSGI app, contained by ``from_wsgi`` as
    every app is unless it says otherwise; *ng* serves it as is
    (``--ng``), which shows what containment costs."""
    flags = ["--ng"] if ng else []
    return ServerSpec(
        name or ("wsgi-ng --ng" if ng else "wsgi-ng"), "wsgi_ng.server",
        lambda port: [PY, "-m", "wsgi_ng", "serve", "apps:%s" % app,
                      "--bind", "%s:%d" % (HOST, port)] + flags +
        ["--no-access-log", "--log-level", "warning"] + list(options),
        "wsgi_ng serve%s, 1 process" % (" --ng" if ng else "") +
        (" " + " ".join(options) if options else ""),
        "WSGI, as is (--ng)" if ng else "WSGI, contained (default)",
        _wsgi_ng_threads())


def wsgi_ng_workers(workers):
    """Several processes: gunicorn's process management with the wsgi-ng
    worker class, the documented way to scale out."""
    return ServerSpec(
        "wsgi-ng", "wsgi_ng.server",
        lambda port: [PY, "-m", "gunicorn", "-k",
                      "wsgi_ng.adapters.gunicorn.Worker", "-w", str(workers),
                      "-b", "%s:%d" % (HOST, port), "--log-level", "warning",
                      "apps:hello"],
        "gunicorn -k wsgi_ng.adapters.gunicorn.Worker -w %d" % workers,
        "WSGI, contained (default)")


def gunicorn(workers=1, threads=32, app="hello"):
    """gunicorn's threaded worker: the usual production home of a sync WSGI
    app, and thread-based like wsgi-ng."""
    return ServerSpec(
        "gunicorn", "gunicorn",
        lambda port: [PY, "-m", "gunicorn", "-k", "gthread", "--threads",
                      str(threads), "-w", str(workers), "-b",
                      "%s:%d" % (HOST, port), "--log-level", "warning",
                      "apps:%s" % app],
        "gunicorn -k gthread --threads %d -w %d" % (threads, workers),
        "WSGI", threads * workers)


def hypercorn(app, workers=1, mode="wsgi", name=None):
    """hypercorn speaks HTTP/1.1, h2c and WebSocket like wsgi-ng; the
    ``wsgi:``/``asgi:`` prefix says how to call the app instead of letting
    hypercorn guess."""
    return ServerSpec(
        name or "hypercorn-" + mode, "hypercorn",
        lambda port: [PY, "-m", "hypercorn", "-w", str(workers), "-b",
                      "%s:%d" % (HOST, port), "--log-level", "warning",
                      "%s:apps:%s" % (mode, app)],
        "hypercorn -w %d (asyncio)" % workers,
        "WSGI, on a thread pool" if mode == "wsgi" else "ASGI")


def uvicorn(app="apps:asgi_app", name=None, http="httptools", loop="uvloop"):
    """The common ASGI server (HTTP/1.1 and WebSocket): what an async
    rewrite of the app would get.  ``--http httptools --loop uvloop`` is
    its fast configuration (the issue's target), h11 + asyncio its pure
    Python one; with *app* ``asgi_apps:...``, the WSGI app through
    to_asgi.  The WebSocket implementation is uvicorn's default (the
    ``websockets`` library when installed)."""
    return ServerSpec(
        name or "uvicorn-%s" % http, ",".join(
            ["uvicorn"] + [m for m in (http, loop)
                           if m in ("httptools", "uvloop")]),
        lambda port: [PY, "-m", "uvicorn", "--host", HOST, "--port",
                      str(port), "--log-level", "warning", "--no-access-log",
                      "--http", http, "--loop", loop, app],
        "uvicorn --http %s --loop %s" % (http, loop),
        "WSGI through to_asgi" if app.startswith("asgi_apps") else "ASGI")


def granian(app, name, interface="asgi"):
    """granian, one process (its Rust core does the I/O, HTTP/1.1, h2c and
    WebSocket); *interface* ``wsgi`` calls the WSGI hello on its blocking
    threads, ``asgi`` the ASGI app on its event loop."""
    ws = "--ws" if interface == "asgi" and "hello" not in app else "--no-ws"
    return ServerSpec(
        name, "granian",
        lambda port: [PY, "-m", "granian", "--interface", interface,
                      "--host", HOST, "--port", str(port), "--log-level",
                      "warning", ws, app],
        "granian --interface %s" % interface,
        "WSGI through to_asgi" if app.startswith("asgi_apps") else
        interface.upper())


def websockets_sync():
    """A thread-per-connection WebSocket server with a sync API: the
    nearest peer to wsgi-ng's blocking sessions."""
    return ServerSpec(
        "websockets", "websockets.sync.server",
        lambda port: [PY, os.path.join(BENCH_DIR, "apps.py"), "websockets",
                      HOST, str(port)],
        "websockets.sync.server.serve, thread per connection",
        "websockets' sync API")


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

    def cpu(self):
        """CPU seconds (user + system) the server and its children have
        used so far."""
        main = psutil.Process(self.proc.pid)
        total = 0.0
        for proc in [main] + main.children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):
                times = proc.cpu_times()
                total += times.user + times.system
        return total

    def log_text(self):
        with open(self.log_path, "rb") as log:
            return log.read().decode("utf-8", "replace")


_STARTED = {}  # id -> server started and not yet stopped, for stop_all()
_LIBC = ctypes.CDLL(None, use_errno=True)  # loaded before any fork
_PR_SET_PDEATHSIG = 1


def _die_with_harness():
    """In the child, before exec: the kernel SIGKILLs it when the harness
    dies, even by SIGKILL, when no finally or atexit runs."""
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


#: How every process the harness starts is started: in a process group of
#: its own (stopped as a group), and killed if the harness dies.
ISOLATED = {"start_new_session": True, "preexec_fn": _die_with_harness}


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


#: ``taskset -c`` core lists for the pinned mode (server, load), or None
#: in the default mode (the scheduler places every process).
PIN = None
_ALL_CORES = os.sched_getaffinity(0)


def set_pin(cores):
    """Enter the pinned mode with *cores* = (server, load) core lists, or
    the default mode with None.  The harness itself (its probes, the
    WebSocket memory test's client) moves to the load's cores."""
    global PIN
    PIN = tuple(cores) if cores else None
    os.sched_setaffinity(0, core_set(PIN[1]) if PIN else _ALL_CORES)


def core_set(cores):
    """taskset's list ('1', '0-1', '0,2') as a set of core numbers."""
    found = set()
    for part in cores.replace(" ", "").split(","):
        first, _, last = part.partition("-")
        found.update(range(int(first), int(last or first) + 1))
    return found


def pinned(argv, side):
    """*argv* run on the server's (0) or the load's (1) core in the pinned
    mode; as it is in the default mode."""
    if PIN is None:
        return list(argv)
    return ["taskset", "-c", PIN[side]] + list(argv)


def start(spec, log_dir, tag, env=None):
    """Start *spec* on a fresh port, logging to ``log_dir/<tag>.log``;
    *env* adds to the environment it inherits."""
    port = free_port()
    log_path = os.path.join(log_dir, "%s.log" % tag)
    paths = [BENCH_DIR, spec.path, os.environ.get("PYTHONPATH")]
    env = dict(os.environ, **(env or {}))
    env["PYTHONPATH"] = os.pathsep.join(path for path in paths if path)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(pinned(spec.argv(port), 0), cwd=BENCH_DIR,
                                env=env,
                                stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, **ISOLATED)
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
