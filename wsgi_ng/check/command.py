"""The command line of ``wsgi-ng check`` (``wsgi_ng.cli`` adds it).

Nothing here imports the clients until the command runs, so ``wsgi-ng
demo`` works without the ``server`` extra."""
from __future__ import print_function

import io
import sys

from wsgi_ng._compat import module_exists
from wsgi_ng.startup import UsageError

DESCRIPTION = """Serve the app on every host of this machine (or those named
with --host), play the same requests on each -- from --request and
--requests, else a crawl from the root -- and show what differs from the
first host's replies, and which shim fixes it.  Exit status 1 when a reply
differs (or is degraded, unless --allow degraded)."""


def add_parser(commands):
    parser = commands.add_parser(
        "check", help="migration testing: your app on every host, what "
        "differs and which shim fixes it", description=DESCRIPTION)
    option = parser.add_argument
    option("app", help="MODULE:ATTRIBUTE, importable from this folder "
           "(e.g. mysite.wsgi:application)")
    option("--host", action="append", default=[], metavar="NAME",
           help="a host to play on, repeatable; the first is the baseline "
           "(default: every host that runs here, gunicorn-sync first)")
    option("--request", action="append", default=[], metavar="REQUEST",
           help="'METHOD PATH [STATUS] [body=TEXT|body@FILE] "
           "[header:NAME=VALUE] [websocket]', repeatable")
    option("--requests", metavar="FILE", help="requests, one a line, as "
           "--request takes them; # starts a comment")
    option("--allow", action="append", default=[], choices=["degraded"],
           help="let degradations the spec allows pass (exit status 0)")
    option("--html", metavar="REPORT", help="also write the report as an "
           "HTML page (a CI artifact)")
    option("--depth", type=int, default=2,
           help="links the crawl follows from the root (default 2)")
    option("--max-pages", type=int, default=20,
           help="pages the crawl plays at most (default 20)")
    option("--log-level", default="warning",
           choices=["debug", "info", "warning", "error", "critical"])
    return parser


def requests_of(args):
    """The requests asked for, or None for a crawl."""
    from wsgi_ng.check import requests
    found = requests.from_arguments(args.request)
    if args.requests:
        found += requests.from_file(args.requests)
    return found or None


def main(args, out=None, err=None):
    """Run the check; its exit status."""
    out, err = out or sys.stdout, err or sys.stderr
    for number, name in (("--depth", args.depth),
                         ("--max-pages", args.max_pages)):
        if name < 1:
            raise UsageError("%s must be 1 or more" % number)
    for module in ("h11", "h2"):  # they come with the "server" extra
        if not module_exists(module):
            raise UsageError("wsgi-ng check needs pip install "
                             "'wsgi-ng[server]' (%s is not installed)" % module)
    from wsgi_ng.check import report
    from wsgi_ng.check.progress import Progress
    from wsgi_ng.check.run import check
    wanted = requests_of(args)
    progress = Progress(err, len(args.host) or None)
    done = check(args.app, args.host, wanted, progress, args.depth,
                 args.max_pages)
    out.write(report.text(done, args.app))
    if args.html:
        with io.open(args.html, "w", encoding="utf-8") as page:
            page.write(report.html(done, args.app))
    status = done.exit_status(args.allow)
    print(report.summary(done, args.allow), file=err)
    return status
