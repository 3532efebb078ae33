"""A slowloris client for the faults workload (Python 3 only).

    python slowloris.py --port P [--connections 100] [--interval 5]

Holds *connections* connections open, each sending its request head one
byte every *interval* seconds, so the head never completes: what a
slowloris attacker does.  One process, non-blocking sockets and one
``selectors`` loop (not a thread per socket).  A connection the server
closes is opened again at once -- an attacker would -- and counted.

Prints a JSON line ``{"ready": N}`` once every connection is open and has
sent its first byte, then runs until its standard input closes (the
harness's signal to stop) or --limit seconds pass, and prints a JSON
report: connections opened, how many the server closed (and answered
first), and connect errors.
"""
import argparse
import json
import selectors
import socket
import sys
import time

#: The head a slow client never finishes: a real request line, then a
#: header that never ends.
HEAD = b"GET / HTTP/1.1\r\nHost: bench\r\nX-Slow: " + b"a" * 4096


class Slow:
    """One slow connection: its socket and how far into HEAD it is."""

    def __init__(self, host, port):
        # The kernel completes a loopback connect even when the server is
        # not accepting (the backlog): a blocking connect is quick.
        self.sock = socket.create_connection((host, port), timeout=5.0)
        self.sock.setblocking(False)
        self.sent = 0

    def drip(self):
        """Send the next byte; False when the socket is gone."""
        try:
            self.sent += self.sock.send(HEAD[self.sent % len(HEAD):][:1])
        except (BlockingIOError, InterruptedError):
            pass  # the send buffer is full: the byte goes next time
        except OSError:
            return False
        return True


def run(args):
    selector = selectors.DefaultSelector()
    selector.register(sys.stdin, selectors.EVENT_READ, None)
    report = {"opened": 0, "closed_by_server": 0, "answered": 0,
              "connect_errors": 0}
    slows = set()

    def open_one():
        try:
            slow = Slow(args.host, args.port)
        except OSError:
            report["connect_errors"] += 1
            return
        report["opened"] += 1
        selector.register(slow.sock, selectors.EVENT_READ, slow)
        slows.add(slow)
        slow.drip()

    def drop(slow):
        selector.unregister(slow.sock)
        slow.sock.close()
        slows.discard(slow)
        report["closed_by_server"] += 1

    for _ in range(args.connections):
        open_one()
    print(json.dumps({"ready": len(slows)}), flush=True)
    deadline = time.monotonic() + args.limit
    next_drip = time.monotonic() + args.interval
    while time.monotonic() < deadline:
        events = selector.select(max(0.0, next_drip - time.monotonic()))
        for key, _ in events:
            if key.data is None:  # stdin: closed (or a line) means stop
                return finish(report, slows)
            try:
                data = key.data.sock.recv(4096)
            except OSError:
                data = b""
            if data:
                report["answered"] += 1  # an answer (408?), then a close
            drop(key.data)
        if time.monotonic() >= next_drip:
            for slow in list(slows):
                if not slow.drip():
                    drop(slow)
            for _ in range(args.connections - len(slows)):
                open_one()  # keep the count, as an attacker would
            next_drip += args.interval
    return finish(report, slows)


def finish(report, slows):
    for slow in slows:
        slow.sock.close()
    report["open_at_end"] = len(slows)
    print(json.dumps(report), flush=True)
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--limit", type=float, default=300.0,
                        help="seconds after which it stops by itself")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
