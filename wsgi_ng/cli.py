"""The ``wsgi-ng`` command."""
from __future__ import print_function

import argparse
import logging
import os
import platform
import signal
import sys
import traceback

from wsgi_ng import __version__, reloader
from wsgi_ng._compat import socket_from_fd
from wsgi_ng.check import command as check_command
from wsgi_ng.demo import app as demo_app
from wsgi_ng.lifecycle import LifespanError
from wsgi_ng.lint import LintMiddleware
from wsgi_ng.testing import DESCRIPTIONS, PROFILES, Client, WebSocketDenied
from wsgi_ng.startup import UsageError, listen, load_app, tls_files
from wsgi_ng.wschannel import (
    DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_PING_INTERVAL, DEFAULT_PING_TIMEOUT,
)


def run_demo(out):
    """Run the showcase app on every host profile and print what happened:
    the same app, full on HTTP/2 and degraded on plain WSGI."""
    print("The showcase app on simulated hosts, in this process "
          "(wsgi_ng.testing profiles):", file=out)
    for profile in sorted(PROFILES):
        print("  %-12s %s" % (profile, DESCRIPTIONS[profile]), file=out)
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


def add_server_options(parser):
    option = parser.add_argument
    option("--bind", "-b", action="append", default=[], metavar="HOST:PORT",
           help="address to listen on, repeatable; [::1]:8000 for IPv6 "
           "(default 127.0.0.1:8000)")
    option("--fd", action="append", type=int, default=[],
           help="inherited listening socket (socket activation), repeatable")
    option("--certfile", help="TLS certificate: serve HTTPS, HTTP/2 by ALPN")
    option("--keyfile", help="TLS private key")
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument("--ng", dest="ng", action="store_true", default=None,
                      help="the app is written for wsgi-ng: run it as is")
    kind.add_argument("--legacy", dest="ng", action="store_false",
                      help="a plain WSGI app: contain it with from_wsgi "
                      "(default unless the app sets wsgi_ng = True)")
    option("--log-level", default="info",
           choices=["debug", "info", "warning", "error", "critical"])
    option("--no-access-log", action="store_true", help="no request lines")
    option("--graceful-timeout", type=float, default=30.0,
           help="seconds in-flight requests get on SIGTERM (default 30)")
    option("--keep-alive", type=float, default=5.0,
           help="seconds an idle connection stays open (default 5)")
    option("--max-body-size", type=int, default=1024 ** 3,
           help="largest request body in bytes (default 1 GiB)")
    option("--max-message-size", type=int, default=DEFAULT_MAX_MESSAGE_SIZE,
           help="largest WebSocket message in bytes; larger ones close the "
           "session with 1009 (default 16 MiB)")
    option("--ws-ping-interval", type=float, default=DEFAULT_PING_INTERVAL,
           help="seconds between WebSocket keepalive pings (0: none; "
           "default 20)")
    option("--ws-ping-timeout", type=float, default=DEFAULT_PING_TIMEOUT,
           help="close a WebSocket session with 1011 when nothing arrives "
           "this many seconds after a ping (0: never; default 20)")
    option("--ws-buffer-limit", type=int, default=256 * 1024 ** 2,
           help="bytes of partial WebSocket messages all sessions may hold "
           "together; past it, sessions in the middle of a message stop "
           "reading until others complete theirs (default 256 MiB; one "
           "session holds at most --max-message-size)")
    option("--max-connections", type=int, default=5000,
           help="open HTTP connections; past it a new one gets a 503 "
           "(default 5000)")
    option("--max-websockets", type=int, default=10000,
           help="WebSocket sessions; past it a handshake gets a 503 "
           "(default 10000)")
    option("--max-queue-time", type=float, default=10.0,
           help="seconds a request may wait for a thread when all are busy "
           "before it gets a 503 (default 10)")
    option("--slow-request-time", type=float, default=30.0,
           help="report app calls running longer than this many seconds "
           "(0: never; default 30)")
    option("--http1-parser", default="auto",
           choices=["auto", "httptools", "h11"],
           help="HTTP/1.1 parser: httptools (fast, CPython 3.8+) or h11 "
           "(pure Python); auto: httptools if installed (default)")
    option("--threads", type=int, default=64,
           help="threads running app calls; WebSocket sessions get their "
           "own (default 64)")


def _server_module():
    """``wsgi_ng.server``, or None (and a hint) without the server extra."""
    try:
        import wsgi_ng.server as server
    except ImportError as error:  # h11/h2 come with the "server" extra
        print("wsgi-ng: the server needs pip install 'wsgi-ng[server]' "
              "(%s)" % error, file=sys.stderr)
        return None
    return server


def _setup_logging(args):
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="[%(asctime)s] [%(levelname)s] %(message)s")
    if getattr(args, "no_access_log", False):
        logging.getLogger("wsgi_ng.access").setLevel(logging.WARNING)


def run_server(app, args, watch=()):
    """Serve *app* as the options say until SIGTERM or SIGINT; under
    ``--reload``, also until its code (or a file in *watch*) changes (exit
    status ``RELOAD``)."""
    server_module = _server_module()
    if server_module is None:
        return 1
    config = server_module.Config(
        graceful_timeout=args.graceful_timeout,
        keep_alive_timeout=args.keep_alive, max_body_size=args.max_body_size,
        max_connections=args.max_connections, threads=args.threads,
        max_message_size=args.max_message_size,
        ws_ping_interval=args.ws_ping_interval,
        ws_ping_timeout=args.ws_ping_timeout,
        ws_buffer_limit=args.ws_buffer_limit,
        max_websockets=args.max_websockets, max_queue_time=args.max_queue_time,
        slow_request_time=args.slow_request_time,
        http1_parser=args.http1_parser)
    tls = tls_files(args.certfile, args.keyfile, server_module.tls_context)
    supervised = reloader.inherited_fds()  # the supervisor bound them
    sockets, fds = (_listeners(args, server_module), args.fd) \
        if supervised is None else ([], supervised)
    server = server_module.Server(app, sockets=sockets, fds=fds, ng=args.ng,
                                  config=config, tls=tls)

    def stop(signum, frame):
        if server.stopping:  # the second signal: at once
            _exit_now(server)
        logging.getLogger("wsgi_ng.server").info(
            "stopping (%s; press Ctrl+C again, or send another SIGTERM, to "
            "stop at once)", "SIGTERM" if signum == signal.SIGTERM
            else "Ctrl+C")
        server.shutdown()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    changes, watcher = [], None
    if supervised is not None:
        watcher = reloader.Watcher(
            lambda path: (changes.append(path), server.shutdown()),
            extra=watch)
        watcher.start()
    try:
        server.serve_forever()
    except LifespanError as error:  # the traceback is in the log
        print("wsgi-ng: %s" % error, file=sys.stderr)
        return 1
    finally:
        if watcher is not None:
            watcher.stop()
    return reloader.RELOAD if changes else 0


def _exit_now(server):
    """The second signal: say so and exit, without waiting for anything
    still ending -- app threads, at-exit handlers, the sockets (the kernel
    closes them).  Cutting 10,000 WebSocket sessions off one by one took
    the main thread 20 s, each step queued behind as many session threads
    waking to their close; the log line is written past the handlers' lock
    for the same reason."""
    logger = logging.getLogger("wsgi_ng.server")
    record = logger.makeRecord(
        logger.name, logging.WARNING, __file__, 0,
        "stopping at once; closing %d connections",
        (server.connection_count,), None)
    try:
        for handler in logging.getLogger().handlers:  # _setup_logging's,
            stream = getattr(handler, "stream", None)  # or the app's
            if stream is not None:
                stream.write(handler.format(record) + "\n")
                stream.flush()
        sys.stdout.flush()
    finally:
        os._exit(0)


def _listeners(args, server_module):
    """Sockets listening on the ``--bind`` addresses (127.0.0.1:8000 unless
    given any address or descriptor)."""
    binds = args.bind or ([] if args.fd else ["127.0.0.1:8000"])
    return [listen(bind, server_module.listen) for bind in binds]


def serve(args, argv):
    """``wsgi-ng serve``; with ``--reload`` a supervisor (this process)
    runs the server in a child process it restarts on code changes."""
    supervised = reloader.inherited_fds() is not None
    if args.reload and not supervised:
        server_module = _server_module()
        if server_module is None:
            return 1
        listeners = _listeners(args, server_module)
        listeners += [socket_from_fd(fd) for fd in args.fd]
        return reloader.supervise(argv, listeners)
    try:
        app, watch = (load_app(args.app) if args.app else demo_app), ()
    except UsageError:
        if not supervised:
            raise
        app, watch = _broken_app(args.app)
    return run_server(app, args, watch)


def _broken_app(spec):
    """The app failed to load under ``--reload`` (a syntax error mid-edit):
    log why, and return an app that answers 500 with the traceback (this is
    development) plus the files to watch for the fix -- including the one
    that failed, which never made it into ``sys.modules``."""
    usage = sys.exc_info()[1]
    kind, error, trace = usage.original or sys.exc_info()
    logging.getLogger("wsgi_ng.server").error(
        "cannot load %s; serving the error until a file changes: %s", spec,
        usage)
    text = "".join(traceback.format_exception(kind, error, trace))
    # bytes on 2.7, whatever the source held
    text = text if isinstance(text, bytes) else text.encode("utf-8", "replace")
    failed = [frame[0] for frame in traceback.extract_tb(trace)]
    failed.append(getattr(error, "filename", None))

    def broken(environ, start_response):
        start_response("500 Internal Server Error", [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(text)))])
        return [text]
    broken.wsgi_ng = True
    return broken, failed


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="wsgi-ng", description="WSGI with WebSocket, push, early hints "
        "and trailers.")
    parser.add_argument("--version", action="version", version="wsgi-ng %s "
                        "(Python %s)" % (__version__,
                                         platform.python_version()))
    commands = parser.add_subparsers(dest="command")
    demo = commands.add_parser(
        "demo", help="show what works and degrades on every kind of host, "
        "then serve the showcase on http://127.0.0.1:8000")
    demo.add_argument("--report-only", action="store_true",
                      help="print the report, do not serve")
    add_server_options(demo)
    serve_parser = commands.add_parser(
        "serve", help="serve a WSGI or wsgi-ng app over HTTP/1.1, HTTP/2 "
        "and WebSocket")
    serve_parser.add_argument(
        "app", nargs="?", help="MODULE:ATTRIBUTE, e.g. mysite.wsgi (the "
        "attribute defaults to application) or myapp:app; default: the "
        "showcase app")
    add_server_options(serve_parser)
    serve_parser.add_argument(
        "--reload", action="store_true", help="restart the server when the "
        "app's code changes (development)")
    check_command.add_parser(commands)
    argv = sys.argv[1:] if argv is None else argv
    if not argv:  # argparse on 2.7 would make this an error, 3.x a no-op
        parser.print_help()
        return 2
    args = parser.parse_args(argv)
    _setup_logging(args)
    try:
        return _run(args, argv)
    except UsageError as error:
        if args.log_level == "debug" and error.original is not None:
            traceback.print_exception(*error.original)
        print("wsgi-ng: %s" % error, file=sys.stderr)
        return 2


def _run(args, argv):
    if args.command == "check":
        return check_command.main(args)
    if args.command == "demo":
        run_demo(sys.stdout)
        if not args.report_only:
            print("\nNow serving it for real over HTTP/1.1, HTTP/2 and "
                  "WebSocket: open the address below in a browser; Ctrl+C "
                  "stops.", file=sys.stdout)
        sys.stdout.flush()
        return 0 if args.report_only else run_server(demo_app, args)
    return serve(args, argv)


if __name__ == "__main__":
    sys.exit(main())
