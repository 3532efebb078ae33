"""The load tools and probes every workload uses (Python 3 only): wrk and
h2load runs parsed into numbers, and a single request on a new connection
timed from connect to the last byte.

Every tool runs on the load's core in the pinned mode (``servers.pinned``)
and within a time limit: a stalled server makes a ``ToolError``, a result
the report notes, never a hung harness.
"""
import http.client
import json
import os
import re
import select
import signal
import subprocess
import time
from dataclasses import dataclass, field

import servers as srv


class ToolError(Exception):
    """A load tool or client failed or stalled: noted, not fatal."""


def run_tool(argv, timeout):
    """Run a load tool; its stdout.  A stall ends it after *timeout*."""
    try:
        done = subprocess.run(srv.pinned(argv, 1), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=timeout,
                              preexec_fn=srv.ISOLATED["preexec_fn"])
    except subprocess.TimeoutExpired:
        raise ToolError("%s did not finish within %gs (stall?)"
                        % (argv[0], timeout))
    return done.stdout.decode("utf-8", "replace")


@dataclass
class WrkRun:
    """What one wrk run measured; latencies in seconds."""
    rps: float = None
    requests: int = 0
    p50: float = None
    p99: float = None
    max: float = None
    #: Socket errors by kind (connect, read, write, timeout), and non-2xx.
    errors: dict = field(default_factory=dict)
    output: str = ""

    @property
    def error_count(self):
        return sum(self.errors.values())

    def notes(self):
        """What a reader should know besides the rate."""
        notes = []
        if self.errors:
            notes.append("wrk errors: " + ", ".join(
                "%s %d" % item for item in sorted(self.errors.items())))
        if self.p50 is not None and self.p99 is not None:
            notes.append("latency p50 %s, p99 %s, max %s" % (
                ms(self.p50), ms(self.p99), ms(self.max)))
        if self.rps is None:
            notes.append("wrk printed no Requests/sec: " + tail(self.output))
        return notes


def wrk(url, connections, seconds, threads=1, timeout=None, grace=60):
    """``wrk --latency`` over *connections* for *seconds*; *timeout* is
    wrk's own per-request timeout (its default, 2 s, counts slower answers
    as errors and leaves them out of the percentiles)."""
    argv = ["wrk", "-t%d" % threads, "-c%d" % connections,
            "-d%gs" % seconds, "--latency"]
    if timeout:
        argv.append("--timeout=%gs" % timeout)
    return parse_wrk(run_tool(argv + [url], seconds + grace))


def parse_wrk(out):
    run = WrkRun(output=out)
    run.rps = number(r"Requests/sec:\s+([\d.]+)", out)
    done = re.search(r"(\d+) requests in", out)
    run.requests = int(done.group(1)) if done else 0
    if run.requests:  # with none answered, wrk prints zeros
        for name in ("p50", "p99"):
            match = re.search(r"^\s+%s%%\s+(\S+)" % name[1:], out, re.M)
            setattr(run, name, seconds(match.group(1)) if match else None)
        latency = re.search(r"Latency\s+\S+\s+\S+\s+(\S+)", out)
        run.max = seconds(latency.group(1)) if latency else None
    errors = re.search(r"Socket errors: (.*)", out)
    if errors:
        for kind, count in re.findall(r"(\w+) (\d+)", errors.group(1)):
            if int(count):
                run.errors[kind] = int(count)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        run.errors["non-2xx"] = int(non2xx.group(1))
    return run


def seconds(text):
    """wrk's '1.23ms' / '850.00us' / '2.01s' / '1.00m' in seconds."""
    match = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    if not match:
        return None
    scale = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[match.group(2)]
    return float(match.group(1)) * scale


def h2load(url, requests, clients, streams, timeout):
    """h2c by prior knowledge: (req/s, notes); anything but *requests* 2xx
    responses is noted."""
    out = run_tool(["h2load", "-n", str(requests), "-c", str(clients),
                    "-m", str(streams), url], timeout)
    notes = []
    value = number(r"finished in [\d.]+\w*, ([\d.]+) req/s", out)
    counts = re.search(r"requests: (.*)", out)
    if counts and not re.search(r"(\d+) total.* \1 succeeded",
                                counts.group(1)):
        notes.append("h2load requests: " + counts.group(1))
    codes = re.search(r"status codes: (.*)", out)
    if codes and not codes.group(1).startswith("%d 2xx" % requests):
        notes.append("h2load status codes: " + codes.group(1))
    if value is None:
        notes.append("h2load printed no req/s: " + tail(out))
    return value, notes


@dataclass
class Probe:
    """One request on a new connection: the status (None: no answer),
    seconds from connect to the whole response, Retry-After, the error."""
    status: int = None
    seconds: float = None
    retry_after: str = None
    error: str = None


def probe(port, path="/", timeout=10.0):
    """GET *path* on a new connection (``Connection: close``), timed from
    the connect to the end of the body: what a new visitor waits."""
    began = time.monotonic()
    connection = http.client.HTTPConnection(srv.HOST, port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Connection": "close"})
        response = connection.getresponse()
        response.read()
        return Probe(response.status, time.monotonic() - began,
                     response.getheader("Retry-After"))
    except (OSError, http.client.HTTPException) as error:
        return Probe(None, time.monotonic() - began,
                     error="%s: %s" % (type(error).__name__, error))
    finally:
        connection.close()


def check_hello(port):
    """The app answers 200 "Hello, world!": a server that serves errors
    fast must not look fast.  Notes, empty when it does."""
    connection = http.client.HTTPConnection(srv.HOST, port, timeout=10)
    try:
        connection.request("GET", "/")
        response = connection.getresponse()
        body = response.read()
    except (OSError, http.client.HTTPException) as error:
        return ["GET / failed: %s" % error]
    finally:
        connection.close()
    if response.status != 200 or body != b"Hello, world!":
        return ["GET / answered %d %r" % (response.status, body[:60])]
    return []


# -- formatting -------------------------------------------------------------

def number(pattern, text):
    match = re.search(pattern, text)
    return float(match.group(1)) if match else None


def tail(text, lines=3):
    return " | ".join(text.strip().splitlines()[-lines:])


def ms(value):
    """Seconds as milliseconds for a table: '12.3 ms', '-' when None."""
    if value is None:
        return "-"
    return ("%.1f ms" if value < 0.1 else "%.0f ms") % (value * 1000)


class Client:
    """A client script run as a process of its own (on the load's core in
    the pinned mode) that talks JSON lines: the harness reads its reports
    with a time limit, writes it commands, and always stops it."""

    _running = set()  # started and not yet stopped, for stop_all()

    def __init__(self, argv):
        self.proc = subprocess.Popen(
            srv.pinned(argv, 1), stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **srv.ISOLATED)
        self._running.add(self)
        self._buffer = b""

    def read_json(self, timeout):
        """The next JSON line it prints; ToolError if none comes in time
        or it exits."""
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise ToolError("%s printed nothing within %gs"
                                % (self.name, timeout))
            chunk = os.read(fd, 65536)
            if not chunk:
                raise ToolError("%s exited (%s): %s" % (
                    self.name, self.proc.wait(5),
                    tail(self.proc.stderr.read().decode(errors="replace"))))
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def send(self, line):
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    @property
    def name(self):
        """The script's name, for messages."""
        return next((os.path.basename(arg) for arg in self.proc.args
                     if arg.endswith(".py")), "client")

    def stop(self, timeout=10.0):
        """Close its input (its signal to finish); the last report it
        prints then, or None; killed if it has not exited in *timeout*."""
        report = None
        try:
            self.proc.stdin.close()
            report = self.read_json(timeout)
        except (OSError, ToolError, ValueError):
            pass
        finally:
            if self.proc.poll() is None:
                try:
                    self.proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                    self.proc.wait()
            self._running.discard(self)
        return report

    @classmethod
    def stop_all(cls):
        for client in list(cls._running):
            client.stop(2.0)
