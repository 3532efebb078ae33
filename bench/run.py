"""Benchmark wsgi-ng's reference server against its peers (Python 3 only).

    python bench/run.py [--workloads h1,h2,ws,wsmem] [--rounds 3]
                        [--modes default,pinned] [--pin 0,1]

One run measures every workload in every mode, round after round: each
server is started in turn on 127.0.0.1, measured, and stopped before the
next one starts.  The *default* mode lets the scheduler place the server
and the load; the *pinned* mode puts the server on one core and the load
(and the harness) on the other (``--pin``).  The report gives per
workload the medians over the rounds in every mode side by side, and the
medians of *paired* ratios: in each round, two servers measured minutes
apart under the same load from elsewhere make one ratio.  See README.md.

Exits non-zero only when the harness itself fails: a peer server or load
tool that is not installed is skipped with a message, and a server that
crashes or stalls is a result (reported in the notes), not an error.
"""
import argparse
import atexit
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from contextlib import redirect_stdout
from dataclasses import asdict, replace
from importlib import metadata

import faults
import report
import servers as srv
import throughput
import tools
import wsbench
from workload import SUBJECT, Measurement

#: Workload families, each a module with ``workloads(args)``.
FAMILIES = (throughput, wsbench, faults)
#: What a plain run measures: the speed figures of issue 11.
DEFAULT_WORKLOADS = ("h1", "h2", "ws", "wsmem")
#: Names that stand for several workloads.
GROUPS = {"faults": ("c2000", "slowloris", "idlews", "hung")}
#: The apps that need ng.websocket.
WS_APPS = {"apps:ws_echo", "apps:ws_serve", "apps:faults"}


def measure_one(workload, row, args, log_dir, tag):
    """Start, measure, always stop; what the server logged is kept (at
    --log-level warning every line is worth reading)."""
    missing = row.missing()
    if missing:
        return Measurement(notes=["skipped: " + missing], status="skipped")
    server = srv.start(row, log_dir, tag, workload.env)
    try:
        srv.wait_ready(server, args.ready_timeout)
        measurement = workload.measure(server, args)
        if measurement.value is not None:
            measurement.status = "measured"
    except (srv.ServerError, tools.ToolError) as error:
        measurement = Measurement(notes=[str(error)])
    finally:
        srv.stop(server, args.stop_timeout)
    measurement.notes.extend(server.notes)
    if server.log_text().strip():
        measurement.log = server.log_path
        measurement.notes.append("server wrote to its log, see below")
    return measurement


def add_baseline(selected, path, ws_ng):
    """After every wsgi-ng row, the same server imported from *path* (an
    older checkout), so old and new are measured in the same round and
    their ratio is paired too; *ws_ng* serves its WebSocket apps with
    --ng."""
    commit = git_commit(path).split(" ")[0] or os.path.basename(path)
    for workload in selected:
        for index, row in enumerate(workload.rows):
            if row.name == SUBJECT:
                old = replace(row, name="%s %s" % (SUBJECT, commit),
                              path=path)
                if (ws_ng and WS_APPS & set(row.argv(0))
                        and "--ng" not in row.argv(0)):
                    old = with_options(old, ["--ng"])
                workload.rows.insert(index + 1, old)
                break


def add_options(selected, options):
    """*options* on every wsgi-ng row's command line (the baseline's too)."""
    for workload in selected:
        workload.rows[:] = [with_options(row, options)
                            if row.name.startswith(SUBJECT) else row
                            for row in workload.rows]


def with_options(row, options):
    """*row* with *options* added to its command line, and said so."""
    def argv(port, before=row.argv):
        return before(port) + options
    app = "WSGI, as is (--ng)" if "--ng" in options else row.app
    return replace(row, argv=argv, app=app,
                   about=row.about + " " + " ".join(options))


def git_commit(where):
    """'abbrev subject' of the checkout at *where*, or ''."""
    done = subprocess.run(["git", "-C", where, "log", "-1", "--format=%h %s"],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return done.stdout.decode(errors="replace").strip()


def run_all(selected, modes, args, log_dir):
    """Every round measures every workload in every mode, so the two
    modes' figures come from the same minutes."""
    for number in range(1, args.rounds + 1):
        for mode in modes:
            srv.set_pin(mode.split(":")[1].split(",", 1)
                        if mode != "default" else None)
            print("\n-- round %d of %d, %s mode (load average %s)" % (
                number, args.rounds, report.mode_label(mode), load()),
                flush=True)
            for workload in selected:
                if workload.skipped:
                    continue
                for row in workload.rows:
                    tag = "%s-%s-%s-r%d" % (workload.key, row.name,
                                            mode.split(":")[0], number)
                    measured = measure_one(workload, row, args, log_dir,
                                           tag.replace(" ", ""))
                    workload.record(mode, row, measured)
                    print("  %-9s %-18s %s %s%s" % (
                        workload.key, row.name,
                        report.fmt(measured.value) if measured.value
                        is not None else measured.status, workload.unit,
                        "  [%s]" % "; ".join(measured.notes)
                        if measured.notes else ""), flush=True)
    srv.set_pin(None)


def load_results(selected, args):
    """Fill the workloads with the measurements of an earlier run's
    --json file, to report them again (with the same --workloads and
    --baseline, so the rows match)."""
    with open(args.report_from) as saved:
        runs = {w["key"]: w for w in json.load(saved)["workloads"]}
    args.modes = []
    for workload in selected:
        rows = {row.name: row for row in workload.rows}
        for result in runs.get(workload.key, {}).get("results", []):
            if result["mode"] not in args.modes:
                args.modes.append(result["mode"])
            for measured in result["rounds"]:
                workload.record(result["mode"], rows[result["server"]],
                                Measurement(**measured))


def print_report(selected, args):
    for workload in selected:
        report.print_table(workload, args.modes)
    by_key = {workload.key: workload for workload in selected}
    report.print_targets(by_key, args.modes)
    report.print_faults(by_key, args.modes, args)


def environment():
    """What the numbers depend on, printed above them."""
    versions = []
    for name in ("h11", "h2", "wsproto", "httptools", "uvloop", "gunicorn",
                 "hypercorn", "uvicorn", "websockets", "granian", "a2wsgi",
                 "asgiref", "psutil"):
        try:
            versions.append("%s %s" % (name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            pass
    return ["Python %s (%s)" % (platform.python_version(), sys.executable),
            "wsgi-ng under test: %s" % wsgi_ng_source(),
            "cpus %s, load average %s, RLIMIT_NOFILE %d" % (
                os.cpu_count(), load(),
                resource.getrlimit(resource.RLIMIT_NOFILE)[0]),
            ", ".join(versions),
            "wrk: %s; h2load: %s" % (tool_version(["wrk", "-v"]),
                                     tool_version(["h2load", "--version"]))]


def wsgi_ng_source():
    """Where the servers import wsgi-ng from, and its git commit: the
    PYTHONPATH may point at another checkout (an older core, say)."""
    done = subprocess.run(
        [sys.executable, "-c", "import os, wsgi_ng; "
         "print(os.path.dirname(os.path.dirname(wsgi_ng.__file__)))"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    where = done.stdout.decode(errors="replace").strip()
    dirty = subprocess.run(["git", "-C", where, "status", "--porcelain",
                            "--untracked-files=no", "wsgi_ng"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return "%s at %s%s" % (where, git_commit(where)[:70] or "?",
                           " (modified)" if dirty.stdout.strip() else "")


def raise_nofile():
    """Soft RLIMIT_NOFILE to the hard limit: the servers, wrk -c2000 and
    the idle-WebSocket client inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def load():
    return " ".join("%.2f" % x for x in os.getloadavg())


def tool_version(argv):
    if not shutil.which(argv[0]):
        return "not installed"
    done = subprocess.run(argv, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT)
    return (done.stdout.decode(errors="replace").strip().splitlines()
            or ["?"])[0]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="wsgi-ng's server vs gunicorn, hypercorn, uvicorn, "
        "granian and websockets: medians of paired ratios on one machine.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    add = parser.add_argument
    add("--workloads", default=",".join(DEFAULT_WORKLOADS),
        help="comma-separated: h1, h1x2, h2, ws, wsmem, asgi, asgiws, and "
        "faults (= c2000, slowloris, idlews, hung)")
    add("--rounds", type=int, default=3,
        help="measure every workload this many times per mode")
    add("--modes", default="default,pinned",
        help="default (the scheduler places everything) and/or pinned")
    add("--pin", default="0,1", metavar="SERVER,LOAD",
        help="the pinned mode's taskset core lists: the server's, then the "
        "load's (wrk, clients, the harness)")
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
    add("--ws-ng", action="store_true",
        help="serve wsgi-ng's WebSocket apps with --ng: older servers "
        "(82cfad9) offer ng.websocket to wsgi-ng apps only")
    add("--idle-connections", type=int, default=200,
        help="idle WebSockets for the memory test (wsmem)")
    add("--settle", type=float, default=1.0,
        help="seconds to let RSS settle before each reading")
    faults_ = parser.add_argument_group("faults")
    add = faults_.add_argument
    add("--fault-connections", type=int, default=2000,
        help="keep-alive connections in c2000")
    add("--fault-duration", type=float, default=10,
        help="wrk seconds in c2000 and in each half of slowloris")
    add("--wrk-timeout", type=float, default=10,
        help="wrk --timeout in the faults: slower answers count as errors")
    add("--slowloris", type=int, default=100, help="slowloris connections")
    add("--slowloris-interval", type=float, default=5,
        help="seconds between two bytes of a slowloris connection")
    add("--probe-interval", type=float, default=0.5,
        help="seconds between two new-connection probes")
    add("--probe-timeout", type=float, default=10,
        help="seconds a probe waits for its answer")
    add("--idle-sessions", type=int, default=10000,
        help="idle WebSockets in idlews")
    add("--idle-open-timeout", type=float, default=300,
        help="seconds the idle client gets to open them all")
    add("--idle-probes", type=int, default=20,
        help="new-connection probes while they are open")
    add("--idle-wrk-duration", type=float, default=3,
        help="wrk -c10 seconds while they are open")
    add("--hang-calls", type=int, default=64,
        help="hung calls for a server whose pool size is not known")
    add("--hang-timeout", type=float, default=30,
        help="seconds the hung calls get to reach the app")
    add("--hang-probes", type=int, default=5,
        help="new requests sent while every thread hangs")
    add("--queue-time", type=float, default=10,
        help="the target: a 503 within this many seconds (the server's "
        "queue time)")
    add("--hang-grace", type=float, default=5,
        help="seconds a probe waits beyond --queue-time")
    add = parser.add_argument
    add("--baseline", metavar="CHECKOUT",
        help="also measure wsgi-ng imported from this checkout (an older "
        "commit) in every workload, next to the one under test")
    add("--baseline-ws-ng", action="store_true",
        help="serve the baseline's WebSocket apps with --ng (82cfad9 offers "
        "ng.websocket to wsgi-ng apps only)")
    add("--wsgi-ng-options", metavar="OPTIONS",
        help="more options for every wsgi-ng row, e.g. "
        "--wsgi-ng-options='--max-connections 11000'")
    add("--ready-timeout", type=float, default=30,
        help="seconds a server gets to answer after starting")
    add("--stop-timeout", type=float, default=10,
        help="seconds between SIGTERM and SIGKILL")
    add("--log-dir", help="where server logs go (default: a new temp dir)")
    add("--json", help="also write the results to this file")
    add("--report-from", metavar="JSON",
        help="measure nothing: report the --json file of an earlier run")
    add("--markdown", metavar="FILE",
        help="also write the tables to this file, as Markdown")
    args = parser.parse_args(argv)
    known = {w.key for family in FAMILIES for w in family.workloads(args)}
    args.workloads = [key for name in args.workloads.split(",")
                      if name.strip()
                      for key in GROUPS.get(name.strip(), [name.strip()])]
    unknown = set(args.workloads) - known
    if unknown:
        parser.error("unknown workload(s): %s" % ", ".join(sorted(unknown)))
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if set(modes) - {"default", "pinned"} or not modes:
        parser.error("--modes takes default and/or pinned")
    if len(args.pin.split(",")) != 2:
        parser.error("--pin takes two core lists, e.g. 0,1")
    args.modes = ["pinned:" + args.pin if m == "pinned" else m
                  for m in modes]
    return args


def main(argv=None):
    args = parse_args(argv)
    raise_nofile()
    atexit.register(srv.stop_all)
    atexit.register(tools.Client.stop_all)
    for stop in (signal.SIGTERM, signal.SIGHUP):  # run the finally:s
        signal.signal(stop, lambda number, _: sys.exit(128 + number))
    log_dir = args.log_dir or tempfile.mkdtemp(prefix="wsgi-ng-bench-")
    os.makedirs(log_dir, exist_ok=True)
    print("\n".join(environment()))
    print("server logs: %s" % log_dir, flush=True)
    selected = [w for family in FAMILIES for w in family.workloads(args)
                if w.key in args.workloads]
    if args.baseline:
        add_baseline(selected, os.path.abspath(args.baseline),
                     args.baseline_ws_ng)
        print("baseline: %s" % git_commit(args.baseline))
    if args.wsgi_ng_options:
        add_options(selected, args.wsgi_ng_options.split())
    for workload in selected:
        if workload.tool and not shutil.which(workload.tool):
            workload.skipped = "%s is not installed" % workload.tool
            print("%s skipped: %s" % (workload.key, workload.skipped))
    if args.report_from:
        load_results(selected, args)
    else:
        run_all(selected, args.modes, args, log_dir)
        print("\nload average after the run: %s" % load())
    if args.json:  # first: a report that fails loses no measurement
        with open(args.json, "w") as out:
            json.dump({"environment": environment(), "workloads": [
                {"key": w.key, "title": w.title, "unit": w.unit,
                 "skipped": w.skipped, "results": [
                     {"mode": mode, "server": name,
                      "rounds": [asdict(m) for m in measurements]}
                     for (mode, name), measurements in w.results.items()]}
                for w in selected]}, out, indent=1)
    print_report(selected, args)
    report.print_logs(selected, args.modes)
    if args.markdown:
        report.MARKDOWN = True
        with open(args.markdown, "w") as out, redirect_stdout(out):
            print_report(selected, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
