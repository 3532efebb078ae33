"""HTTP throughput workloads (Python 3 only): HTTP/1.1 keep-alive with
wrk, one and two processes; h2c by prior knowledge with h2load; and the
WSGI hello through ``to_asgi`` next to ASGI servers' own hello.

Every server serves a hello world as small as its interface allows
(``apps.py``), and the table says which: a WSGI app contained by
``from_wsgi`` (what ``wsgi-ng serve`` does by default), the same app run
as is (``--ng``), a WSGI app on an ASGI server's thread pool, or an ASGI
app.  Next to the rate, the server's CPU time per request (read from
``/proc`` for the server's whole process tree) says what a request costs
when the load generator and the server do not share a core evenly.
"""
import servers as srv
import tools
from workload import Measurement, Workload


def measure_wrk(server, args):
    """HTTP/1.1 keep-alive throughput: wrk over --connections connections,
    after a short warm-up so imports and thread pools are not timed."""
    notes = tools.check_hello(server.port)
    if args.warmup > 0:
        tools.wrk(server.url, args.connections, args.warmup,
                  args.wrk_threads)
    cpu = server.cpu()
    run = tools.wrk(server.url, args.connections, args.duration,
                    args.wrk_threads)
    metrics = per_request_cpu(server.cpu() - cpu, run.requests)
    metrics.update(p99=run.p99, errors=run.error_count)
    notes += [note for note in run.notes() if not note.startswith("latency")]
    return Measurement(run.rps, notes, metrics)


def measure_h2load(server, args):
    """h2c by prior knowledge: h2load -n N -c C -m M, after a warm-up of a
    tenth of N."""
    warm = max(args.h2_clients * args.h2_streams, args.h2_requests // 10)
    tools.h2load(server.url, warm, args.h2_clients, args.h2_streams,
                 args.h2_timeout)
    cpu = server.cpu()
    value, notes = tools.h2load(server.url, args.h2_requests,
                                args.h2_clients, args.h2_streams,
                                args.h2_timeout)
    cpu = server.cpu() - cpu
    return Measurement(value, notes, per_request_cpu(cpu, args.h2_requests))


def per_request_cpu(seconds, requests):
    """The server's CPU microseconds per request, as a metric."""
    return {"cpu_us": seconds / requests * 1e6} if requests else {}


def workloads(args):
    wrk = "wrk -t%d -c%d -d%gs" % (args.wrk_threads, args.connections,
                                   args.duration)
    h2 = "h2load -n %d -c %d -m %d" % (
        args.h2_requests, args.h2_clients, args.h2_streams)
    return [
        Workload("h1", "HTTP/1.1 keep-alive, 1 process (%s)" % wrk, "req/s",
                 [srv.wsgi_ng(), srv.wsgi_ng(ng=True), srv.gunicorn(),
                  srv.hypercorn("hello"),
                  srv.hypercorn("asgi_app", mode="asgi"),
                  srv.uvicorn(), srv.uvicorn(http="h11", loop="asyncio"),
                  srv.granian("apps:hello", "granian-wsgi", "wsgi"),
                  srv.granian("apps:asgi_app", "granian-asgi")],
                 measure_wrk, "wrk"),
        Workload("h1x2", "HTTP/1.1 keep-alive, 2 processes (%s)" % wrk,
                 "req/s",
                 [srv.wsgi_ng_workers(2), srv.gunicorn(2),
                  srv.hypercorn("hello", workers=2)], measure_wrk, "wrk"),
        Workload("h2", "h2c prior knowledge (%s)" % h2, "req/s",
                 [srv.wsgi_ng(), srv.hypercorn("hello"),
                  srv.hypercorn("asgi_app", mode="asgi"),
                  srv.granian("apps:hello", "granian-wsgi", "wsgi"),
                  srv.granian("apps:asgi_app", "granian-asgi")],
                 measure_h2load, "h2load"),
        Workload("asgi", "WSGI hello through to_asgi vs the server's own "
                 "ASGI hello (%s)" % wrk, "req/s",
                 [srv.uvicorn(name="uvicorn-asgi"),
                  srv.uvicorn(app="asgi_apps:hello", name="uvicorn-to_asgi"),
                  srv.granian("apps:asgi_app", "granian-asgi"),
                  srv.granian("asgi_apps:hello", "granian-to_asgi")],
                 measure_wrk, "wrk",
                 pairs=[("uvicorn-to_asgi", "uvicorn-asgi"),
                        ("granian-to_asgi", "granian-asgi")]),
    ]
