"""The ``wsgi-ng`` command."""
from __future__ import print_function

import argparse
import sys

from wsgi_ng.demo import app as demo_app
from wsgi_ng.lint import LintMiddleware
from wsgi_ng.testing import PROFILES, Client, WebSocketDenied


def run_demo(out):
    """Run the showcase app on every host profile and print what happened:
    the same app, full on HTTP/2 and degraded on plain WSGI."""
    for profile in sorted(PROFILES):
        client = Client.for_profile(LintMiddleware(demo_app), profile)
        page = client.get("/")
        print("[%s] GET / -> %s, /app.css delivered as %r" % (
            profile, page.status, page.push_results["/app.css"]), file=out)
        for name, value in page.headers:
            if name == "Link":
                print("    Link: %s" % value, file=out)
        for hint in page.early_hints:
            print("    103 Early Hints: %s" % hint, file=out)
        if page.trailers:
            print("    trailers: %s" % page.trailers, file=out)
        try:
            with client.websocket("/ws", subprotocols=["echo"]) as ws:
                ws.send(u"hello")
                print("    WebSocket echo: %r" % ws.receive(), file=out)
        except WebSocketDenied as denied:
            print("    WebSocket denied: %s" % denied.response.status, file=out)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="wsgi-ng", description="WSGI with WebSocket, push, early hints "
        "and trailers.")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("demo", help="run the showcase app on every kind of "
                        "host and show what works and what degrades")
    argv = sys.argv[1:] if argv is None else argv
    if not argv:  # argparse on 2.7 would make this an error, 3.x a no-op
        parser.print_help()
        return 2
    args = parser.parse_args(argv)
    if args.command == "demo":
        run_demo(sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
