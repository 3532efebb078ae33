"""Benchmark wsgi-ng's reference server against its peers (Python 3 only).

One run starts each server in turn on 127.0.0.1, runs one workload against
it, stops it, and prints per workload a table of values and of RATIOS
between servers.  Absolute numbers depend on the machine and on whatever
else runs on it; the ratios, taken minutes apart on the same machine, are
what we report.  See README.md in this folder.

Exits non-zero only when the harness itself fails: a peer server or load
tool that is not installed is skipped with a message, and a server that
crashes or stalls is a result (reported in the notes), not an error.
"""
import argparse
import atexit
import http.client
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata

import servers as srv
import wsclient


@dataclass
class Result:
    """One server's number in one workload (None: not measured), with
    everything worth knowing about how it went."""
    server: str
    about: str
    value: float = None
    notes: list = field(default_factory=list)
    #: "measured", or why there is no value: "skipped" or "failed".
    status: str = "failed"
    #: The server's log file when it wrote anything, else None.
    log: str = None


@dataclass
class Workload:
    key: str
    title: str
    unit: str
    higher_is_better: bool = True
    results: list = field(default_factory=list)
    skipped: str = None


# -- the workloads ----------------------------------------------------------

def measure_wrk(server, args):
    """HTTP/1.1 keep-alive throughput: wrk over --connections connections,
    after a short warm-up so imports and thread pools are not timed."""
    notes = check_hello(server.port)
    if args.warmup > 0:
        run_tool(wrk_argv(server, args, args.warmup), args.warmup + 30)
    out = run_tool(wrk_argv(server, args, args.duration), args.duration + 60)
    value = _number(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    if errors:
        notes.append("wrk socket errors: " + errors.group(1).strip())
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        notes.append("non-2xx responses: " + non2xx.group(1))
    p50, p99 = (re.search(r"^\s+%d%%\s+(\S+)" % q, out, re.M)
                for q in (50, 99))
    if p50 and p99:  # a thread-per-connection server may starve some
        notes.append("latency p50 %s, p99 %s" % (p50.group(1),
                                                 p99.group(1)))
    if value is None:
        notes.append("wrk printed no Requests/sec: " + _tail(out))
    return value, notes


def wrk_argv(server, args, seconds):
    return ["wrk", "-t%d" % args.wrk_threads, "-c%d" % args.connections,
            "-d%ss" % _secs(seconds), "--latency", server.url]


def measure_h2load(server, args):
    """h2c by prior knowledge: h2load -n N -c C -m M, after a warm-up of a
    tenth of N.  Anything but N 2xx responses is noted."""
    warm = max(args.h2_clients * args.h2_streams, args.h2_requests // 10)
    run_tool(h2load_argv(server, args, warm), args.h2_timeout)
    out = run_tool(h2load_argv(server, args, args.h2_requests),
                   args.h2_timeout)
    notes = []
    value = _number(r"finished in [\d.]+\w*, ([\d.]+) req/s", out)
    counts = re.search(r"requests: (.*)", out)
    if counts and not re.search(r"(\d+) total.* \1 succeeded", counts.group(1)):
        notes.append("h2load requests: " + counts.group(1))
    codes = re.search(r"status codes: (.*)", out)
    if codes and not codes.group(1).startswith("%d 2xx" % args.h2_requests):
        notes.append("h2load status codes: " + codes.group(1))
    if value is None:
        notes.append("h2load printed no req/s: " + _tail(out))
    return value, notes


def h2load_argv(server, args, requests):
    return ["h2load", "-n", str(requests), "-c", str(args.h2_clients),
            "-m", str(args.h2_streams), server.url]


def measure_ws_echo(server, args):
    """WebSocket echo round trips per second, from client processes of
    their own, so the harness's threads and GIL stay out of the timing."""
    notes = []
    warm = wsclient.run_echo(srv.HOST, server.port, 1, 100, args.ws_size)
    if warm["error_count"]:
        notes.append("warm-up: " + "; ".join(warm["errors"]))
    reports = run_ws_clients(server, args)
    total = sum(report["messages"] for report in reports)
    expected = sum(report["expected"] for report in reports)
    window = (max(report["end"] for report in reports)
              - min(report["start"] for report in reports))
    for report in reports:
        notes.extend(report["errors"])
    if total < expected:
        notes.append("%d of %d messages echoed" % (total, expected))
    return (total / window if total and window > 0 else None), notes


def run_ws_clients(server, args):
    """Run --ws-client-procs echo clients at once; their JSON reports.
    The connections are split between them."""
    script = os.path.join(srv.BENCH_DIR, "wsclient.py")
    shares = _split(args.ws_connections, args.ws_client_procs)
    procs = [subprocess.Popen(srv.pinned(
        [sys.executable, script, "echo", "--port", str(server.port),
         "--connections", str(share), "--messages", str(args.ws_messages),
         "--size", str(args.ws_size)], 1), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, start_new_session=True) for share in shares]
    reports = []
    try:
        for proc in procs:
            out, err = proc.communicate(timeout=args.ws_timeout)
            if proc.returncode != 0:
                raise ToolError("ws client failed: " + _tail(err.decode()))
            reports.append(json.loads(out))
    except subprocess.TimeoutExpired:
        raise ToolError("ws clients still running after %gs (stall?)"
                        % args.ws_timeout)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return reports


def measure_ws_idle(server, args):
    """Server RSS (children included) per idle WebSocket: open K sessions,
    let them settle, compare with the RSS after one warm-up session; then
    check every session still echoes, so a dropped one cannot look cheap."""
    notes = []
    warm = wsclient.run_echo(srv.HOST, server.port, 1, 10, args.ws_size)
    notes.extend("warm-up: " + error for error in warm["errors"])
    time.sleep(args.settle)
    before = server.rss()
    opened = []
    try:
        opened, error = open_idle(server.port, args.idle_connections)
        if error:
            notes.append("opened %d of %d: %s" % (len(opened),
                                                  args.idle_connections,
                                                  error))
        time.sleep(args.settle)
        after = server.rss()
        alive = sum(echoes(connection) for connection in opened)
    finally:
        for connection in opened:
            connection.close()
    if alive < len(opened):
        notes.append("only %d of %d idle sessions still echoed"
                     % (alive, len(opened)))
    notes.append("RSS %.1f -> %.1f MiB with %d sessions"
                 % (before / 2 ** 20, after / 2 ** 20, len(opened)))
    if not opened:
        return None, notes
    return (after - before) / len(opened) / 1024, notes


def open_idle(port, count):
    """Up to *count* open sessions, and the error that stopped short."""
    opened = []
    try:
        for _ in range(count):
            opened.append(wsclient.connect(srv.HOST, port))
    except (OSError, wsclient.HandshakeError) as error:
        return opened, "%s: %s" % (type(error).__name__, error)
    return opened, None


def echoes(connection):
    try:
        connection.sock.sendall(wsclient.encode_frame(b"ping?"))
        return connection.receive() == b"ping?"
    except (OSError, ConnectionError):
        return False


def check_hello(port):
    """The app answers 200 "Hello, world!": a server that serves errors
    fast must not look fast."""
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


class ToolError(Exception):
    """A load tool or client failed or stalled: noted, not fatal."""


def run_tool(argv, timeout):
    """Run a load tool; its stdout.  A stall ends it after *timeout*."""
    try:
        done = subprocess.run(srv.pinned(argv, 1), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ToolError("%s did not finish within %gs (stall?)"
                        % (argv[0], timeout))
    return done.stdout.decode("utf-8", "replace")


# -- which servers each workload compares --------------------------------

def workloads(args):
    """(Workload, rows, measure, tool) in run order; a row is a
    ServerSpec."""
    ws_servers = [srv.wsgi_ng("ws_echo"),
                  srv.hypercorn("asgi_app", mode="asgi"),
                  srv.websockets_sync()]
    wrk = "wrk -t%d -c%d -d%ss" % (args.wrk_threads, args.connections,
                                   _secs(args.duration))
    return [
        (Workload("h1", "HTTP/1.1 keep-alive, 1 process (%s)" % wrk,
                  "req/s"),
         [srv.wsgi_ng("hello"), srv.gunicorn(1), srv.hypercorn("hello"),
          srv.uvicorn()], measure_wrk, "wrk"),
        (Workload("h1x2", "HTTP/1.1 keep-alive, 2 processes (%s)" % wrk,
                  "req/s"),
         [srv.wsgi_ng_workers(2), srv.gunicorn(2),
          srv.hypercorn("hello", workers=2)],
         measure_wrk, "wrk"),
        (Workload("h2", "h2c prior knowledge (h2load -n %d -c %d -m %d)" % (
            args.h2_requests, args.h2_clients, args.h2_streams), "req/s"),
         [srv.wsgi_ng("hello"), srv.hypercorn("hello"),
          srv.hypercorn("asgi_app", mode="asgi")], measure_h2load, "h2load"),
        (Workload("ws", "WebSocket echo (%d connections x %d messages of %d "
                  "bytes, %d client process(es))" % (
                      args.ws_connections, args.ws_messages, args.ws_size,
                      args.ws_client_procs), "msg/s"),
         ws_servers, measure_ws_echo, None),
        (Workload("asgi", "WSGI hello through to_asgi vs the server's own "
                  "ASGI hello (%s)" % wrk, "req/s"),
         [srv.uvicorn(name="uvicorn-asgi", http="httptools"),
          srv.uvicorn(app="asgi_apps:hello", name="uvicorn-to_asgi",
                      http="httptools"),
          srv.granian("apps:asgi_app", "granian-asgi"),
          srv.granian("asgi_apps:hello", "granian-to_asgi")],
         measure_wrk, "wrk"),
        (Workload("asgiws", "WebSocket echo through to_asgi vs the server's "
                  "own ASGI echo (%d connections x %d messages)" % (
                      args.ws_connections, args.ws_messages), "msg/s"),
         [srv.uvicorn(name="uvicorn-asgi", http="httptools"),
          srv.uvicorn(app="asgi_apps:ws_echo", name="uvicorn-to_asgi",
                      http="httptools"),
          srv.granian("apps:asgi_app", "granian-asgi"),
          srv.granian("asgi_apps:ws_echo", "granian-to_asgi")],
         measure_ws_echo, None),
        (Workload("wsmem", "Memory per idle WebSocket (%d sessions, server "
                  "RSS incl. children)" % args.idle_connections,
                  "KiB/conn", higher_is_better=False),
         ws_servers, measure_ws_idle, None),
    ]


def run_workload(workload, rows, measure, args, log_dir):
    """Measure every row, one server at a time, each stopped before the
    next starts so they never compete for the two cores."""
    for row in rows:
        result = Result(row.name, row.about)
        workload.results.append(result)
        missing = row.missing()
        if missing:
            result.status = "skipped"
            result.notes.append("skipped: " + missing)
            print("  %-16s skipped: %s" % (row.name, missing), flush=True)
            continue
        measure_one(row, result, measure, args, log_dir,
                    "%s-%s" % (workload.key, row.name))
        print("  %-16s %s %s%s" % (
            row.name, _fmt(result.value, result.status), workload.unit,
            "  [%s]" % "; ".join(result.notes) if result.notes else ""),
            flush=True)


def measure_one(spec, result, measure, args, log_dir, tag):
    """Start, measure, always stop; what the server logged is kept as a
    note (at --log-level warning every line is worth reading)."""
    server = srv.start(spec, log_dir, tag)
    try:
        srv.wait_ready(server, args.ready_timeout)
        result.value, notes = measure(server, args)
        result.notes.extend(notes)
        if result.value is not None:
            result.status = "measured"
    except (srv.ServerError, ToolError) as error:
        result.notes.append(str(error))
    finally:
        srv.stop(server, args.stop_timeout)
        result.notes.extend(server.notes)
        if server.log_text().strip():
            result.log = server.log_path
            result.notes.append("server wrote to its log, see below")


# -- the report -----------------------------------------------------------

def print_table(workload):
    """Values, then ratio = row / column for every pair of measured
    servers: ratios are what survives a noisy machine."""
    print("\n== %s" % workload.title)
    if workload.skipped:
        print("   skipped: %s" % workload.skipped)
        return
    print("   %s, %s is better; 'vs X' = this row / X"
          % (workload.unit, "higher" if workload.higher_is_better else
             "lower"))
    measured = [r for r in workload.results if r.value]
    header = ["server", workload.unit] + ["vs " + r.server for r in measured]
    rows = [[r.server, _fmt(r.value, r.status)]
            + [_ratio(r.value, p.value) for p in measured]
            for r in workload.results]
    widths = [max(len(row[i]) for row in [header] + rows)
              for i in range(len(header))]
    for row in [header] + rows:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:],
                                                           widths[1:])]
        print("   " + "  ".join(cells))
    for result in workload.results:
        for note in result.notes:
            print("   - %s: %s" % (result.server, note))


def print_summary(all_workloads, subject="wsgi-ng"):
    """One line per workload: the subject's ratio against each peer."""
    print("\n== Summary: %s / peer (>1 = %s has more of the unit)"
          % (subject, subject))
    for workload in all_workloads:
        mine = [r for r in workload.results if r.server == subject]
        if workload.skipped or not mine or not mine[0].value:
            why = workload.skipped or (mine and mine[0].notes
                                       and mine[0].notes[0]) or ""
            print("   %-6s %s" % (workload.key, why or "not measured"))
            continue
        peers = ", ".join("%s %s" % (_ratio(mine[0].value, r.value), r.server)
                          for r in workload.results
                          if r.server != subject and r.value)
        print("   %-6s %s %s; %s (%s is better)" % (
            workload.key, _fmt(mine[0].value), workload.unit, peers or
            "no peer measured", "higher" if workload.higher_is_better
            else "lower"))


def print_logs(all_workloads, head=25, tail=10):
    """Every non-empty server log: at --log-level warning, each line is a
    warning, an error or a traceback."""
    logs = [(w, r) for w in all_workloads for r in w.results if r.log]
    if not logs:
        print("\n== Server logs: all empty (no warnings, errors or "
              "tracebacks)")
        return
    for workload, result in logs:
        with open(result.log, encoding="utf-8", errors="replace") as log:
            lines = log.read().rstrip().splitlines()
        print("\n== Log of %s in %s (%d lines): %s" % (
            result.server, workload.key, len(lines), result.log))
        shown = lines if len(lines) <= head + tail else (
            lines[:head] + ["    [... %d lines ...]" % (len(lines) - head
                                                        - tail)]
            + lines[-tail:])
        for line in shown:
            print("   | " + line)


def environment():
    """What the numbers depend on, printed above them."""
    versions = []
    for name in ("wsgi-ng", "h11", "h2", "wsproto", "gunicorn", "hypercorn",
                 "uvicorn", "uvloop", "httptools", "websockets", "granian",
                 "a2wsgi", "asgiref", "psutil"):
        try:
            versions.append("%s %s" % (name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            pass
    return ["Python %s (%s)" % (platform.python_version(), sys.executable),
            "cpus %s, load average %s" % (os.cpu_count(), _load()),
            ", ".join(versions),
            "wrk: %s; h2load: %s" % (_tool_version(["wrk", "-v"]),
                                     _tool_version(["h2load", "--version"]))]


# -- small helpers --------------------------------------------------------

def _number(pattern, text):
    match = re.search(pattern, text)
    return float(match.group(1)) if match else None


def _tail(text, lines=3):
    return " | ".join(text.strip().splitlines()[-lines:])


def _fmt(value, missing="-"):
    if value is None:
        return missing
    return "%.1f" % value if value < 100 else "%.0f" % value


def _ratio(value, peer):
    if not value or not peer:
        return "-"
    return "%.2fx" % (value / peer)


def _secs(seconds):
    return ("%g" % seconds)


def _split(total, parts):
    parts = max(1, min(parts, total))
    return [total // parts + (1 if i < total % parts else 0)
            for i in range(parts)]


def _load():
    return " ".join("%.2f" % x for x in os.getloadavg())


def _tool_version(argv):
    if not shutil.which(argv[0]):
        return "not installed"
    done = subprocess.run(argv, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT)
    return (done.stdout.decode(errors="replace").strip().splitlines()
            or ["?"])[0]


#: Every workload, in run order.
WORKLOADS = ("h1", "h1x2", "h2", "ws", "wsmem", "asgi", "asgiws")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="wsgi-ng server vs gunicorn, hypercorn, uvicorn and "
        "websockets: throughput ratios on one machine.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    add = parser.add_argument
    add("--workloads", default=",".join(WORKLOADS),
        help="comma-separated subset")
    add("--duration", type=float, default=5, help="wrk seconds")
    add("--warmup", type=float, default=1, help="wrk warm-up seconds")
    add("--connections", type=int, default=32, help="wrk -c")
    add("--wrk-threads", type=int, default=1, help="wrk -t")
    add("--h2-requests", type=int, default=10000, help="h2load -n")
    add("--h2-clients", type=int, default=10, help="h2load -c")
    add("--h2-streams", type=int, default=10, help="h2load -m")
    add("--h2-timeout", type=float, default=120,
        help="seconds before an h2load run counts as stalled")
    add("--ws-connections", type=int, default=16,
        help="WebSocket echo connections")
    add("--ws-messages", type=int, default=2000,
        help="round trips per connection")
    add("--ws-size", type=int, default=16, help="message bytes")
    add("--ws-client-procs", type=int, default=1,
        help="client processes sharing the connections")
    add("--ws-timeout", type=float, default=120,
        help="seconds before the echo clients count as stalled")
    add("--idle-connections", type=int, default=200,
        help="idle WebSockets for the memory test")
    add("--settle", type=float, default=1.0,
        help="seconds to let RSS settle before each reading")
    add("--ready-timeout", type=float, default=30,
        help="seconds a server gets to answer after starting")
    add("--stop-timeout", type=float, default=10,
        help="seconds between SIGTERM and SIGKILL")
    add("--log-dir", help="where server logs go (default: a new temp dir)")
    add("--json", help="also write the results to this file")
    add("--pin", metavar="SERVER,LOAD", help="pinned mode: taskset core "
        "lists for the server and for the load, e.g. 0,1")
    args = parser.parse_args(argv)
    args.workloads = [w.strip() for w in args.workloads.split(",")
                      if w.strip()]
    unknown = set(args.workloads) - set(WORKLOADS)
    if unknown:
        parser.error("unknown workload(s): %s" % ", ".join(sorted(unknown)))
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.pin:
        srv.PIN = args.pin.split(",", 1)
    atexit.register(srv.stop_all)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run finally:s
    log_dir = args.log_dir or tempfile.mkdtemp(prefix="wsgi-ng-bench-")
    os.makedirs(log_dir, exist_ok=True)
    print("\n".join(environment()))
    print("server logs: %s" % log_dir, flush=True)
    done = []
    for workload, rows, measure, tool in workloads(args):
        if workload.key not in args.workloads:
            continue
        done.append(workload)
        print("\n-- %s" % workload.title, flush=True)
        if tool and not shutil.which(tool):
            workload.skipped = "%s is not installed" % tool
            print("  skipped: " + workload.skipped)
            continue
        run_workload(workload, rows, measure, args, log_dir)
    print("\nload average after the run: %s" % _load())
    for workload in done:
        print_table(workload)
    print_summary(done)
    print_logs(done)
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"environment": environment(),
                       "workloads": [asdict(w) for w in done]}, out, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
