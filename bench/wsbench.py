"""WebSocket workloads (Python 3 only): echo round trips per second, the
same through ``to_asgi``, and server memory per idle session.

The echo clients are ``wsclient.py`` processes of their own (on the
load's core in the pinned mode), so the harness's threads and GIL stay
out of the timing.
"""
import json
import os
import subprocess
import sys
import time

import servers as srv
import tools
import wsclient
from workload import SERVED, Measurement, Workload


def measure_ws_echo(server, args):
    """WebSocket echo round trips per second."""
    notes = []
    warm = wsclient.run_echo(srv.HOST, server.port, 1, 100, args.ws_size)
    if warm["error_count"]:
        notes.append("warm-up: " + "; ".join(warm["errors"]))
    cpu = server.cpu()
    reports = run_ws_clients(server, args)
    cpu = server.cpu() - cpu
    total = sum(report["messages"] for report in reports)
    expected = sum(report["expected"] for report in reports)
    window = (max(report["end"] for report in reports)
              - min(report["start"] for report in reports))
    for report in reports:
        notes.extend(report["errors"])
    if total < expected:
        notes.append("%d of %d messages echoed" % (total, expected))
    metrics = {"cpu_us": cpu / total * 1e6} if total else {}
    return Measurement(total / window if total and window > 0 else None,
                       notes, metrics)


def run_ws_clients(server, args):
    """Run --ws-client-procs echo clients at once; their JSON reports.
    The connections are split between them."""
    script = os.path.join(srv.BENCH_DIR, "wsclient.py")
    shares = split(args.ws_connections, args.ws_client_procs)
    procs = [subprocess.Popen(srv.pinned(
        [sys.executable, script, "echo", "--port", str(server.port),
         "--connections", str(share), "--messages", str(args.ws_messages),
         "--size", str(args.ws_size)], 1), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, **srv.ISOLATED) for share in shares]
    reports = []
    try:
        for proc in procs:
            out, err = proc.communicate(timeout=args.ws_timeout)
            if proc.returncode != 0:
                raise tools.ToolError("ws client failed: "
                                      + tools.tail(err.decode()))
            reports.append(json.loads(out))
    except subprocess.TimeoutExpired:
        raise tools.ToolError("ws clients still running after %gs (stall?)"
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
        return Measurement(None, notes)
    return Measurement((after - before) / len(opened) / 1024, notes)


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


def split(total, parts):
    """*total* in *parts* shares differing by at most one."""
    parts = max(1, min(parts, total))
    return [total // parts + (1 if i < total % parts else 0)
            for i in range(parts)]


def workloads(args):
    echo = "%d connections x %d messages of %d bytes, %d client process(es)" % (
        args.ws_connections, args.ws_messages, args.ws_size,
        args.ws_client_procs)
    peers = [srv.uvicorn(name="uvicorn"),
             srv.hypercorn("asgi_app", mode="asgi"), srv.websockets_sync(),
             srv.granian("apps:asgi_app", "granian-asgi")]
    subject = srv.wsgi_ng("ws_echo", ng=args.ws_ng, name="wsgi-ng")
    served = srv.wsgi_ng("ws_serve", ng=args.ws_ng, name=SERVED)
    return [
        Workload("ws", "WebSocket echo (%s)" % echo, "msg/s",
                 [subject, served] + peers, measure_ws_echo),
        Workload("asgiws", "WebSocket echo through to_asgi vs the server's "
                 "own ASGI echo (%s)" % echo, "msg/s",
                 [srv.uvicorn(name="uvicorn-asgi"),
                  srv.uvicorn(app="asgi_apps:ws_echo",
                              name="uvicorn-to_asgi"),
                  srv.uvicorn(app="asgi_apps:ws_serve",
                              name="uvicorn-to_asgi serve()"),
                  srv.granian("apps:asgi_app", "granian-asgi"),
                  srv.granian("asgi_apps:ws_echo", "granian-to_asgi")],
                 measure_ws_echo,
                 pairs=[("uvicorn-to_asgi", "uvicorn-asgi"),
                        ("uvicorn-to_asgi serve()", "uvicorn-asgi"),
                        ("granian-to_asgi", "granian-asgi")]),
        Workload("wsmem", "Memory per idle WebSocket (%d sessions, server "
                 "RSS incl. children)" % args.idle_connections, "KiB/conn",
                 [subject, served] + peers[:3], measure_ws_idle,
                 higher_is_better=False),
    ]
