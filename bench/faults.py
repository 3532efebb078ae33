"""The faults workload (Python 3 only): how a server holds up under load
and faults, beside gunicorn gthread, against issue 11's targets.

Four situations, each on a freshly started server with its default
options (wsgi-ng: ``wsgi-ng serve``; gunicorn: ``-k gthread --threads 8``,
as in the issue's measurements):

``c2000``
    wrk over 2,000 keep-alive connections: p99, errors of every kind,
    and how many lines the server logged meanwhile.
``slowloris``
    wrk -c50 alone, then beside 100 slowloris connections (``slowloris.py``:
    one header byte every 5 s, reopened when the server closes them):
    throughput kept, and how long a *new* connection waits for an answer
    (probes on fresh connections twice a second).
``idlews``
    10,000 idle WebSocket sessions (``idlews.py``, one asyncio process):
    how many open, server RSS per session, and plain HTTP latency meanwhile
    (wrk -c10, and probes on new connections); then every session must
    still echo.  gunicorn has no WebSocket: hypercorn is the peer (the
    issue's memory target is hypercorn's figure).
``hung``
    as many ``/hang`` requests as the server has pool threads, each
    blocking until released (``apps.hang``), then new requests: what
    answers they get (the target: a 503 with Retry-After within the queue
    time), then whether the server recovers once the calls are released.
"""
import collections
import os
import socket
import sys
import tempfile
import threading
import time
from contextlib import suppress

import servers as srv
import tools
from workload import SERVED, SUBJECT, Measurement, Workload, median


# -- 2,000 keep-alive connections -------------------------------------------

def measure_c2000(server, args):
    notes = tools.check_hello(server.port)
    tools.wrk(server.url, 50, 1)  # warm-up
    run = tools.wrk(server.url, args.fault_connections, args.fault_duration,
                    threads=2, timeout=args.wrk_timeout)
    metrics = {"rps": run.rps, "p99": run.p99, "max": run.max,
               "errors": run.error_count, "error_kinds": run.errors,
               "log_lines": len(server.log_text().splitlines())}
    return Measurement(run.p99 * 1000 if run.p99 is not None else None,
                       notes + run.notes(), metrics)


# -- slowloris ----------------------------------------------------------------

def measure_slowloris(server, args):
    notes = tools.check_hello(server.port)
    tools.wrk(server.url, 50, 1)  # warm-up
    base, base_probes = wrk_with_probes(server, args)
    slow = tools.Client([sys.executable, os.path.join(
        srv.BENCH_DIR, "slowloris.py"), "--port", str(server.port),
        "--connections", str(args.slowloris), "--interval",
        str(args.slowloris_interval)])
    try:
        ready = slow.read_json(30)["ready"]
        hit, probes = wrk_with_probes(server, args)
    finally:
        report = slow.stop() or {}
    notes += ["alone: %s" % "; ".join(base.notes()),
              "with slowloris: %s" % "; ".join(hit.notes()),
              "slowloris client: %d connected at start, %s" % (ready, report)]
    answered = [p.seconds for p in probes if p.status is not None]
    metrics = {"base_rps": base.rps, "rps": hit.rps, "errors": hit.error_count,
               "probe_p50": median(answered),
               "probe_max": max(answered, default=None),
               "probes": len(probes),
               "probes_failed": len(probes) - len(answered),
               "base_probe_p50": median([p.seconds for p in base_probes
                                         if p.status is not None]),
               "slow_closed": report.get("closed_by_server")}
    kept = (100.0 * hit.rps / base.rps if base.rps and hit.rps is not None
            else None)
    return Measurement(kept, notes, metrics)


def wrk_with_probes(server, args):
    """wrk -c50 for --fault-duration while a thread probes new
    connections every --probe-interval s: (WrkRun, probes)."""
    probes, done = [], threading.Event()

    def probe_loop():
        while not done.wait(args.probe_interval):
            probes.append(tools.probe(server.port,
                                      timeout=args.probe_timeout))

    prober = threading.Thread(target=probe_loop, daemon=True)
    prober.start()
    try:
        run = tools.wrk(server.url, 50, args.fault_duration,
                        timeout=args.wrk_timeout)
    finally:
        done.set()
        prober.join(args.probe_timeout + 5)
    return run, probes


# -- 10,000 idle WebSockets ---------------------------------------------------

def measure_idlews(server, args):
    notes = tools.check_hello(server.port)
    time.sleep(args.settle)
    before = server.rss()
    client = tools.Client([sys.executable, os.path.join(
        srv.BENCH_DIR, "idlews.py"), "--port", str(server.port),
        "--sessions", str(args.idle_sessions)])
    try:
        opened = client.read_json(args.idle_open_timeout)
        time.sleep(args.settle)
        after = server.rss()
        probes = [tools.probe(server.port, timeout=args.probe_timeout)
                  for _ in range(args.idle_probes)]
        run = tools.wrk(server.url, 10, args.idle_wrk_duration,
                        timeout=args.wrk_timeout)
        client.send("check")
        alive = client.read_json(120)
    finally:
        client.stop()
    answered = [p.seconds for p in probes if p.status == 200]
    notes += ["opening: %s" % opened, "plain HTTP meanwhile: %s"
              % "; ".join(run.notes()), "echo check: %s" % alive]
    notes += sorted({"probe: %s" % (p.error or p.status) for p in probes
                     if p.status != 200})
    count = opened.get("opened", 0)
    metrics = {"opened": count, "sessions": args.idle_sessions,
               "open_seconds": opened.get("seconds"),
               "rss_kib": (after - before) / count / 1024 if count else None,
               "rss_mib": after / 2 ** 20, "alive": alive.get("alive"),
               "probes_ok": len(answered), "probes": len(probes),
               "probe_max": max(answered, default=None),
               "p99": run.p99, "errors": run.error_count, "rps": run.rps}
    return Measurement(run.p99 * 1000 if run.p99 is not None else None,
                       notes, metrics)


# -- every pool thread hung ---------------------------------------------------

class HangGate:
    """The Unix socket ``apps.hang`` blocks on: every hung call holds a
    connection to it until ``release`` closes them all."""

    def __init__(self, path):
        with suppress(FileNotFoundError):
            os.unlink(path)
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.bind(path)
        self.sock.listen(1024)
        self.held = []
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:  # closed: release() ran
                return
            with self.changed:
                self.held.append(connection)
                self.changed.notify_all()

    def wait_for(self, count, timeout):
        """How many calls hang once *count* do, or *timeout* passed."""
        with self.changed:
            self.changed.wait_for(lambda: len(self.held) >= count, timeout)
            return len(self.held)

    def release(self):
        """Let every hung call return; no new one hangs (again: a no-op)."""
        with suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.thread.join(5)
        with self.changed:
            for connection in self.held:
                connection.close()
        with suppress(FileNotFoundError):
            os.unlink(self.path)


def measure_hung(server, args):
    calls = server.spec.threads or args.hang_calls
    gate = HangGate(args.hang_socket)
    hung = []
    try:
        for _ in range(calls):
            hung.append(socket.create_connection((srv.HOST, server.port), 10))
            hung[-1].sendall(b"GET /hang HTTP/1.1\r\nHost: bench\r\n\r\n")
        reached = gate.wait_for(calls, args.hang_timeout)
        probes = parallel_probes(server.port, args.hang_probes,
                                 args.queue_time + args.hang_grace)
        gate.release()
        released = sum(answered_200(sock, args.probe_timeout)
                       for sock in hung)
    finally:
        gate.release()
        for sock in hung:
            sock.close()
    after = tools.probe(server.port, timeout=args.probe_timeout)
    answered = [p for p in probes if p.status is not None]
    statuses = collections.Counter(
        "%s%s" % (p.status, " + Retry-After" if p.retry_after else "")
        if p.status else "no answer" for p in probes)
    metrics = {"calls": calls, "reached": reached, "probes": len(probes),
               "answered": len(answered),
               "answered_503": sum(p.status == 503 for p in probes),
               "retry_after": sum(bool(p.retry_after) for p in probes),
               "answer_max": max((p.seconds for p in answered),
                                 default=None),
               "waited": args.queue_time + args.hang_grace,
               "statuses": ", ".join("%d x %s" % (n, s) for s, n in
                                     sorted(statuses.items())),
               "released": released, "after": after.status}
    notes = ["%d of %d /hang calls reached the app; new requests: %s; after "
             "release %d of the hung calls answered 200 and a new request "
             "got %s" % (reached, calls, metrics["statuses"], released,
                         after.status or after.error)]
    return Measurement(100.0 * len(answered) / len(probes), notes, metrics)


def parallel_probes(port, count, timeout):
    """*count* new connections at once, each waiting up to *timeout*."""
    probes = [None] * count

    def one(index):
        probes[index] = tools.probe(port, timeout=timeout)

    threads = [threading.Thread(target=one, args=(i,), daemon=True)
               for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout + 5)
    return [p or tools.Probe(error="probe thread stuck") for p in probes]


def answered_200(sock, timeout):
    """True when a released /hang call's answer arrives on *sock*."""
    try:
        sock.settimeout(timeout)
        return sock.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


# -- the workloads and their summary --------------------------------------

def workloads(args):
    """The four faults; every server with its default options."""
    wsgi_ng = srv.wsgi_ng("faults", ng=args.ws_ng, name="wsgi-ng")
    gunicorn = srv.gunicorn(threads=8, app="faults")
    hypercorn = srv.hypercorn("asgi_app", mode="asgi", name="hypercorn")
    args.hang_socket = os.path.join(tempfile.gettempdir(),
                                    "wsgi-ng-bench-hang-%d" % os.getpid())
    return [
        Workload("c2000", "Faults: p99 over %d keep-alive connections (wrk "
                 "-t2 -c%d -d%gs --timeout %gs)" % (
                     args.fault_connections, args.fault_connections,
                     args.fault_duration, args.wrk_timeout),
                 "p99 ms", [wsgi_ng, gunicorn], measure_c2000, "wrk",
                 higher_is_better=False),
        Workload("slowloris", "Faults: throughput kept beside %d slowloris "
                 "connections (wrk -c50 -d%gs, 1 byte / %gs)" % (
                     args.slowloris, args.fault_duration,
                     args.slowloris_interval),
                 "% kept", [wsgi_ng, gunicorn], measure_slowloris, "wrk"),
        Workload("idlews", "Faults: plain HTTP p99 while %d idle WebSockets "
                 "are open (wrk -c10 -d%gs)" % (args.idle_sessions,
                                                args.idle_wrk_duration),
                 "p99 ms", [wsgi_ng, srv.wsgi_ng(
                     "ws_serve", ng=args.ws_ng, name=SERVED),
                     hypercorn], measure_idlews, "wrk",
                 higher_is_better=False),
        Workload("hung", "Faults: new requests answered while every pool "
                 "thread is hung (%d probes, each waiting %gs)" % (
                     args.hang_probes, args.queue_time + args.hang_grace),
                 "% answered", [wsgi_ng, gunicorn], measure_hung,
                 env={"BENCH_HANG_SOCKET": args.hang_socket}),
    ]


def summary(by_key, mode, args):
    """The issue's targets beside the measured figures (medians over the
    rounds; ratios are medians of paired ratios): the column names, then
    one line a figure: situation, figure, a cell per column, target,
    verdict.  The columns are wsgi-ng, its other rows (a baseline, the
    ``serve()`` API) where a workload has them, and the peer (gunicorn;
    hypercorn for the idle WebSockets)."""
    figures, others = [], []
    for key, rows in (("c2000", c2000_rows), ("slowloris", slowloris_rows),
                      ("idlews", idlews_rows), ("hung", hung_rows)):
        workload = by_key.get(key)
        if workload is None or workload.skipped:
            continue
        names = [row.name for row in workload.rows]
        ours = [name for name in names if name.startswith(SUBJECT)]
        peer = next(name for name in names if name not in ours)
        if workload.merged(mode, SUBJECT) is None:
            continue
        others += [name for name in ours[1:] if name not in others]
        measured = dict((name, workload.merged(mode, name) or {})
                        for name in ours + [peer])
        for situation, what, show, target, met in rows(
                workload, mode, measured[SUBJECT], peer, args):
            figures.append((situation, what, show, measured, ours + [peer],
                            target, met))
    lines = []
    for situation, what, show, measured, columns, target, met in figures:
        column_names = [SUBJECT] + [name if name in columns else None
                                    for name in others] + [columns[-1]]
        lines.append([situation, what] + [
            show(measured[name]) if name and measured[name] else "-"
            for name in column_names] + [target, met])
    return [SUBJECT] + others + ["peer"], lines


def verdict(met, why=""):
    if met is None:
        return "not measured"
    return ("met" if met else "NOT MET") + (" (%s)" % why if why else "")


def c2000_rows(workload, mode, mine, peer, args):
    ratios = workload.paired(mode, SUBJECT, peer)
    ratio = median(ratios)
    return [
        ("%d keep-alive connections" % args.fault_connections,
         "errors (wrk, all kinds)", errors, "0 with default options",
         verdict(mine.get("errors") == 0)),
        ("", "p99 / max latency", latency, "p99 <= 1.5x %s's" % peer,
         verdict(ratio <= 1.5 if ratio is not None else None,
                 "%.2fx, rounds %s" % (ratio, rounds(ratios))
                 if ratio is not None else "")),
        ("", "req/s; server log lines", lambda m: "%s; %s" % (
            num(m.get("rps")), num(m.get("log_lines"))), "(reported)", ""),
    ]


def slowloris_rows(workload, mode, mine, peer, args):
    def kept(m):
        return "%s -> %s req/s (%s%%)" % (
            num(m.get("base_rps")), num(m.get("rps")), num(m.get("value")))

    def new(m):
        return "%s / %s, %s of %s failed" % (
            tools.ms(m.get("probe_p50")), tools.ms(m.get("probe_max")),
            num(m.get("probes_failed")), num(m.get("probes")))

    value = mine.get("value")
    served = mine.get("probe_p50")
    return [
        ("%d slowloris + wrk -c50" % args.slowloris,
         "throughput alone -> beside them", kept, "costs <= 10%",
         verdict(value >= 90 if value is not None else None)),
        ("", "new connection: median / max", new, "served within 100 ms",
         verdict(served is not None and served <= 0.1
                 and not mine.get("probes_failed"),
                 "max %s" % tools.ms(mine.get("probe_max")))),
    ]


def idlews_rows(workload, mode, mine, peer, args):
    def opened(m):
        return "%s of %s in %s s" % (num(m.get("opened")),
                                     num(m.get("sessions")),
                                     num(m.get("open_seconds")))

    def http(m):
        return "p99 %s, %s errors; %s of %s new conns, max %s" % (
            tools.ms(m.get("p99")), num(m.get("errors")),
            num(m.get("probes_ok")), num(m.get("probes")),
            tools.ms(m.get("probe_max")))

    def rss(m):
        return "%s KiB (%s MiB in all)" % (num(m.get("rss_kib")),
                                           num(m.get("rss_mib")))

    p99, probe_max = mine.get("p99"), mine.get("probe_max")
    answered = (mine.get("probes_ok") == mine.get("probes")
                and not mine.get("errors"))
    # the memory target is the event-driven API's (serve())
    held = SERVED if any(row.name == SERVED for row in workload.rows) \
        else SUBJECT
    ratio = median(workload.paired(mode, held, peer, "rss_kib"))
    return [
        ("%d idle WebSockets" % args.idle_sessions, "sessions open", opened,
         "all", verdict(mine.get("opened") == mine.get("sessions"))),
        ("", "plain HTTP meanwhile", http, "answered in < 50 ms",
         verdict(answered and p99 is not None and p99 < 0.05
                 and probe_max is not None and probe_max < 0.05)),
        ("", "RSS per session", rss, "%s <= %s's" % (held, peer),
         verdict(ratio <= 1.0 if ratio is not None else None,
                 "%.2fx" % ratio if ratio is not None else "")),
    ]


def hung_rows(workload, mode, mine, peer, args):
    def answers(m):
        return "%s of %s hung; %s; slowest %s" % (
            num(m.get("reached")), num(m.get("calls")), m.get("statuses"),
            tools.ms(m.get("answer_max")))

    def after(m):
        return "%s of %s released answered; next request %s" % (
            num(m.get("released")), num(m.get("calls")), m.get("after"))

    slowest = mine.get("answer_max")
    met = (mine.get("answered_503") == mine.get("probes")
           and mine.get("retry_after") == mine.get("probes")
           and slowest is not None and slowest <= args.queue_time)
    return [
        ("every pool thread hung", "new requests get", answers,
         "503 + Retry-After within %gs" % args.queue_time, verdict(met)),
        ("", "after release", after, "(reported)", ""),
    ]


def errors(m):
    kinds = m.get("error_kinds") or {}
    return "%s%s" % (num(m.get("errors")), " (%s)" % ", ".join(
        "%s %d" % item for item in sorted(kinds.items())) if kinds else "")


def latency(m):
    return "%s / %s" % (tools.ms(m.get("p99")), tools.ms(m.get("max")))


def rounds(ratios):
    return ", ".join("%.2f" % r for r in ratios)


def num(value):
    """A figure for the table: '-' when missing, thousands separated."""
    if value is None:
        return "-"
    if isinstance(value, float) and value < 100:
        return "%.1f" % value
    return "{:,.0f}".format(value)
