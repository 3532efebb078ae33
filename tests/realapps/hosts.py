"""The real servers: ``wsgi-ng serve``, gunicorn with the worker class
``wsgi_ng.adapters.gunicorn.Worker`` (two workers) and gunicorn's own
gthread worker, started as a user starts them, in the app's folder, as
child processes (``wsgi_ng.hosting``, what ``wsgi-ng check`` uses).

Each gets a listening socket bound here on 127.0.0.1, so a client can
connect at once: no port to guess, no start-up to poll.  Their output goes
to a file, shown with a failing test (see ``conftest.py``).
"""
from wsgi_ng.hosting import SERVERS, LiveServer

HOSTS = ("wsgi-ng", "gunicorn")
#: gunicorn's own gthread worker, a plain WSGI server: HTTP/1.1 only, the
#: app through ``to_wsgi(from_wsgi(...))`` as docs/deploy.rst says
GTHREAD = "gunicorn-gthread"

#: host -> (server, how the app is wrapped: see wsgi_ng.hosting.hosted)
SERVED_AS = {"wsgi-ng": ("reference", "default"),
             "gunicorn": ("wsgi-ng-worker", "default"),
             GTHREAD: ("gunicorn-gthread", "recommended")}


class Served(LiveServer):
    """*app* (``module:attribute``, importable from the folder *cwd*) served
    by *host*, with *environment* added to the server's, until ``stop()``;
    ``base`` is its ``scheme://127.0.0.1:PORT``."""

    def __init__(self, host, app, cwd, certificate=None, environment=None):
        server, wrap = SERVED_AS[host]
        LiveServer.__init__(self, SERVERS[server], app, cwd=cwd, wrap=wrap,
                            certificate=certificate, environment=environment)
        self.host = host
        self.start()
