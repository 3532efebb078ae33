"""CPU instructions per request, counted by valgrind: the steady measure.

On a shared two-core machine, two req/s figures minutes apart differ by
20% or more, so a change worth 3% is invisible to ``run.py``.  Instructions
counted by callgrind do not depend on what else runs: the same build, app
and requests give the same count within a fraction of a percent.  The
server runs under valgrind twice, serving ``--requests`` and then four
times as many keep-alive requests over ``--connections`` connections; the
difference between the two totals, divided by the difference in requests,
is what one request costs (start-up and shutdown cancel out).  Counts
still move a little with how requests batch into the server's polls
(about 0.5% on a quiet machine, 2% on a busy one), so each checkout is
counted ``--rounds`` times, in turn, and the medians are reported.

    python bench/instructions.py [--app hello] [--ng] [--h2] [--baseline CHECKOUT]

With ``--h2`` the client is h2load (h2c by prior knowledge, ``--streams``
concurrent streams on each connection), as in ``run.py``'s h2 workload.

An instruction is not a microsecond (cache misses, the kernel's share and
thread hand-offs are not counted), so this ranks changes to the server's
own Python work; ``run.py`` still says what a client sees.
"""
import argparse
import os
import re
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import tempfile

import servers as srv
import tools

_REQUEST = b"GET / HTTP/1.1\r\nHost: bench\r\nUser-Agent: instructions\r\n\r\n"
_COLLECTED = re.compile(rb"Collected : (\d+)")


def drive(port, requests, connections, timeout):
    """*requests* GETs, one at a time on each of *connections* keep-alive
    connections (all open at once, as a load generator's are)."""
    selector = selectors.DefaultSelector()
    left = requests
    for _ in range(min(connections, requests)):
        sock = socket.create_connection((srv.HOST, port), timeout=timeout)
        sock.setblocking(False)
        sock.sendall(_REQUEST)
        left -= 1
        selector.register(sock, selectors.EVENT_READ, bytearray())
    answered = 0
    while answered < requests:
        ready = selector.select(timeout)
        if not ready:
            raise RuntimeError("no answer within %gs after %d of %d requests"
                               % (timeout, answered, requests))
        for key, _ in ready:
            sock, received = key.fileobj, key.data
            data = sock.recv(65536)
            if not data:
                raise RuntimeError("the server closed a connection")
            received += data
            while _whole_response(received):
                answered += 1
                if left:
                    sock.sendall(_REQUEST)
                    left -= 1
    for key in list(selector.get_map().values()):
        key.fileobj.close()
    selector.close()


def _whole_response(received):
    """Take one complete response off the front of *received*; whether
    there was one."""
    end = received.find(b"\r\n\r\n")
    if end < 0:
        return False
    head = bytes(received[:end]).lower()
    if not head.startswith(b"http/1.1 200"):
        raise RuntimeError("the server answered %r" % bytes(received[:80]))
    length = int(re.search(rb"\r\ncontent-length: *(\d+)", head).group(1))
    if len(received) < end + 4 + length:
        return False
    del received[:end + 4 + length]
    return True


def count(root, requests, args):
    """Instructions the server ran serving *requests* requests (start-up
    and shutdown included), with wsgi-ng from checkout *root*."""
    port = srv.free_port()
    argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
            srv.PY, "-m", "wsgi_ng", "serve", "apps:%s" % args.app,
            "--bind", "%s:%d" % (srv.HOST, port), "--no-access-log",
            "--log-level", "warning"] + (["--ng"] if args.ng else [])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, srv.BENCH_DIR]))
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(argv, cwd=srv.BENCH_DIR, env=env,
                                stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, **srv.ISOLATED)
        try:
            running = srv.Running(None, proc, port, None)
            srv.wait_ready(running, args.timeout)
            if args.h2:
                _, notes = tools.h2load(running.url, requests,
                                        args.connections, args.streams,
                                        args.timeout)
                if notes:
                    raise RuntimeError("; ".join(notes))
            else:
                drive(port, requests, args.connections, args.timeout)
            proc.send_signal(signal.SIGTERM)
            proc.wait(args.timeout)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.seek(0)
        output = log.read()
    found = _COLLECTED.search(output)
    if found is None:
        raise RuntimeError("valgrind printed no total:\n%s"
                           % output[-2000:].decode("utf-8", "replace"))
    return int(found.group(1))


def per_request(root, args):
    few, many = args.requests, 4 * args.requests
    return (count(root, many, args) - count(root, few, args)) / (many - few)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--app", default="hello",
                        help="the app in bench/apps.py (default: hello)")
    parser.add_argument("--ng", action="store_true",
                        help="serve the app as is, not contained")
    parser.add_argument("--requests", type=int, default=800)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--h2", action="store_true",
                        help="h2c requests, sent by h2load")
    parser.add_argument("--streams", type=int, default=10,
                        help="with --h2: concurrent streams per connection")
    parser.add_argument("--rounds", type=int, default=3,
                        help="counts per checkout; the median is reported")
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds for start-up and for each answer "
                        "(valgrind is some 50 times slower)")
    parser.add_argument("--baseline", metavar="CHECKOUT",
                        help="count another checkout's wsgi-ng as well, "
                        "in turn with this one")
    args = parser.parse_args()
    checkouts = [os.path.dirname(srv.BENCH_DIR)]
    if args.baseline:
        checkouts.append(os.path.abspath(args.baseline))
    counts = [[] for _ in checkouts]
    for _ in range(args.rounds):  # in turn, so a busy spell hits both
        for index, root in enumerate(checkouts):
            counts[index].append(per_request(root, args))
    for root, found in zip(checkouts, counts):
        print("instructions per request: %.0f (%s; rounds: %s)"
              % (statistics.median(found), root,
                 " ".join("%.0f" % value for value in found)))
    if args.baseline:
        print("ratio to the baseline: %.3f (median of the rounds' ratios)"
              % statistics.median(a / b for a, b in zip(*counts)))


if __name__ == "__main__":
    sys.exit(main())
