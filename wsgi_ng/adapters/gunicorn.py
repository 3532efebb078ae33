"""A gunicorn worker class that runs the wsgi-ng reference server.

    gunicorn -k wsgi_ng.adapters.gunicorn.Worker -w 4 mysite.wsgi:application

gunicorn manages the processes (forking, reloading, ``--max-requests``,
signals, the heartbeat); each worker serves its share of the listening
sockets with HTTP/1.1, HTTP/2 and WebSocket exactly as ``wsgi-ng serve``
does.  Multi-process wsgi-ng is this, not a process manager of our own.
"""
from __future__ import absolute_import

import logging
import sys
import threading

from gunicorn.arbiter import Arbiter
from gunicorn.workers.base import Worker as _BaseWorker

from wsgi_ng._compat import socket_object
from wsgi_ng.lifecycle import LifespanError
from wsgi_ng.server import Config, Server, tls_context


class Worker(_BaseWorker):
    """gunicorn settings honoured: ``--keep-alive``, ``--graceful-timeout``,
    ``--worker-connections`` (connections per worker), ``--threads`` (when
    above 1: threads running app calls), ``--limit-request-fields``,
    ``--certfile``/``--keyfile`` (HTTPS with HTTP/2 by ALPN), ``--timeout``
    (the heartbeat), and gunicorn's error and access logs."""

    server = None

    def run(self):
        cfg = self.cfg
        settings = dict(keep_alive_timeout=float(cfg.keepalive),
                        graceful_timeout=float(cfg.graceful_timeout),
                        max_connections=cfg.worker_connections,
                        max_header_count=cfg.limit_request_fields)
        if cfg.threads > 1:
            settings["threads"] = cfg.threads
        if cfg.workers > 1:
            # keep-alive connections stay with the worker that accepted
            # them: without this one worker often took nearly all of a
            # burst (31 of 32 connections seen), halving throughput
            settings["accept_delay"] = 0.0002
        tls = tls_context(cfg.certfile, cfg.keyfile) if cfg.is_ssl else None
        self._share_logs()
        listeners = [socket_object(s.sock) for s in self.sockets]
        self.server = Server(self.wsgi, sockets=listeners,
                             config=Config(**settings), tls=tls)
        stopped = threading.Event()
        heartbeat = threading.Thread(target=self._heartbeat, args=(stopped,),
                                     name="wsgi-ng-heartbeat")
        heartbeat.start()
        try:
            self.server.serve_forever()  # runs the app's ng_lifespan
        except LifespanError:  # gunicorn halts: "Worker failed to boot"
            sys.exit(Arbiter.WORKER_BOOT_ERROR)
        finally:
            stopped.set()
            heartbeat.join()

    def _heartbeat(self, stopped):
        """Tell the arbiter this worker is alive, as its --timeout needs,
        until *stopped* is set."""
        while not stopped.wait(max(self.timeout / 3.0, 0.5)):
            self.notify()

    def _share_logs(self):
        """The server's logs go where gunicorn's error and access logs go."""
        for name, target in (("wsgi_ng", self.log.error_log),
                             ("wsgi_ng.access", self.log.access_log)):
            logger = logging.getLogger(name)
            logger.handlers = list(target.handlers)
            logger.setLevel(target.level if target.handlers else logging.WARNING)
            logger.propagate = False

    def handle_exit(self, sig, frame):
        """SIGTERM: graceful shutdown (in-flight requests finish, WebSocket
        sessions close with 1001) within --graceful-timeout."""
        _BaseWorker.handle_exit(self, sig, frame)
        if self.server is not None:
            self.server.shutdown()
