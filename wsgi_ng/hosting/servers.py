"""The servers an app can be hosted on, and the command line of each.

A *server* is a kind of process: the reference server, gunicorn with one
of its workers, waitress, uWSGI, Apache with mod_wsgi...  Each is started
the way its users start it, with the app's *entry* (``module:attribute``,
written by ``live.LiveServer``), on the socket bound for it (descriptor 3,
socket activation) or, for the servers that cannot adopt one, on a port
chosen for it.  ``family`` says what the entry must give it: a wsgi-ng
server takes any WSGI app, a WSGI server needs ``to_wsgi`` for a wsgi-ng
app.
"""
import collections
import os
import sys

from wsgi_ng.hosting.process import LISTEN_FD
from wsgi_ng.hosting.requirements import (
    BIN, ApacheCanReach, Missing, Module, Program, Python,
)

#: What the entry must give a server of each family (an ASGI server: an
#: ASGI app, ``to_asgi`` for a wsgi-ng one).
WSGI_NG, WSGI, ASGI = "wsgi-ng", "wsgi", "asgi"

#: Everything a command line is made from: the entry's module and
#: attribute, the folders it imports from, the port (servers that bind
#: their own), ``(certfile, keyfile)`` or None, and a folder of its own.
Launch = collections.namedtuple(
    "Launch", "module attribute paths port certificate folder")


class Server(object):
    """One kind of server process."""

    def __init__(self, name, family, description, argv, needs=(),
                 own_port=False, tls=False, measurable=True):
        self.name, self.family, self.description = name, family, description
        self._argv = argv
        self.needs = list(needs)
        #: True when it binds a port itself (cannot adopt a socket).
        self.own_port = own_port
        #: True when it can serve TLS with a certificate given.
        self.tls = tls
        #: False when coverage cannot follow it (Apache serves as www-data).
        self.measurable = measurable

    def __repr__(self):
        return "<server %s>" % self.name

    def unavailable(self, folders=()):
        """Why this server cannot run here (a ``requirements.Missing``: one
        line saying how to fix it, and its kind), or None.  *folders* are
        those the app imports from."""
        for need in self.needs:
            why = need.missing(folders) if isinstance(need, ApacheCanReach) \
                else need.missing()
            if why is not None:
                return Missing("%s: %s" % (self.name, why), why.kind)
        return None

    def argv(self, launch):
        return self._argv(launch)


def _tls(launch, cert="--certfile", key="--keyfile"):
    return [cert, launch.certificate[0], key, launch.certificate[1]] \
        if launch.certificate else []


def reference(launch):
    """``wsgi-ng serve``, as a user runs it."""
    return [sys.executable, "-m", "wsgi_ng", "serve",
            "%s:%s" % (launch.module, launch.attribute), "--fd",
            str(LISTEN_FD), "--graceful-timeout", "2"] + _tls(launch)


def gunicorn(worker, threads=1, workers=1, options=()):
    def argv(launch):
        return [sys.executable, "-m", "gunicorn.app.wsgiapp",
                "--worker-class", worker, "--threads", str(threads),
                "--workers", str(workers), "--graceful-timeout", "2",
                "--log-level", "info", "--access-logfile", "-",
                "--pythonpath", ",".join(launch.paths)] + list(options) + \
            _tls(launch) + ["%s:%s" % (launch.module, launch.attribute)]
    return argv


def launched(server):
    """A server without a command line of its own (``hosting.launch``)."""
    def argv(launch):
        return [sys.executable, "-m", "wsgi_ng.hosting.launch", server,
                "%s:%s" % (launch.module, launch.attribute)]
    return argv


UWSGI = Program("uwsgi", "uwsgi", "a C compiler and the OpenSSL headers: "
                "apt-get install build-essential libssl-dev")


def uwsgi(launch):
    """uWSGI with its own HTTP parser and threads, as it is deployed
    without a front proxy; ``fd://3`` names the inherited socket, so the
    systemd variables (which would register it twice) are dropped."""
    paths = []
    for path in launch.paths:
        paths += ["--pythonpath", path]
    return ["env", "-u", "LISTEN_FDS", "-u", "LISTEN_PID", UWSGI.path(),
            "--http-socket", "fd://%d" % LISTEN_FD,
            "--module", "%s:%s" % (launch.module, launch.attribute)] + paths + [
        "--master", "--processes", "1", "--threads", "4", "--die-on-term",
        "--need-app", "--strict", "--buffer-size", "65535"]


MOD_WSGI = Program("mod_wsgi-express", "mod_wsgi", "a C compiler and "
                   "Apache's apxs: apt-get install build-essential apache2 "
                   "apache2-dev")


def mod_wsgi(*options):
    """Apache + mod_wsgi through ``mod_wsgi-express``, built by pip against
    this interpreter; chunked request bodies switched on (else 411)."""
    def argv(launch):
        user = ["--user", "www-data", "--group", "www-data"] if (
            os.geteuid() == 0) else []  # Apache refuses to serve as root
        paths = []
        for path in launch.paths:
            paths += ["--python-path", path]
        root = os.path.join(launch.folder, "apache")
        return [MOD_WSGI.path(), "start-server",
                "--application-type", "module", launch.module,
                "--callable-object", launch.attribute] + paths + [
            "--host", "127.0.0.1", "--port", str(launch.port),
            "--server-root", root, "--log-to-terminal", "--log-level", "info",
            "--processes", "1", "--threads", "4", "--locale", "C.UTF-8",
            "--chunked-request"] + user + list(options)
    return argv


def uvicorn(http):
    def argv(launch):
        return [sys.executable, "-m", "uvicorn", "--fd", str(LISTEN_FD),
                "--http", http, "--log-level", "info",
                "%s:%s" % (launch.module, launch.attribute)]
    return argv


def hypercorn(launch):
    return [sys.executable, "-m", "hypercorn", "--bind", "fd://%d" % LISTEN_FD,
            "--log-level", "info", "--graceful-timeout", "2",
            "%s:%s" % (launch.module, launch.attribute)]


def daphne(launch):
    return [os.path.join(BIN, "daphne"), "--fd", str(LISTEN_FD), "-v", "1",
            "%s:%s" % (launch.module, launch.attribute)]


def granian(launch):
    """granian cannot adopt a socket: it binds the port chosen for it.  The
    entry is named by its folder: granian names a module by the packages
    around it, and the app's folder may be one (compat_matrix/apps)."""
    return [sys.executable, "-m", "granian", "--interface", "asgi", "--host",
            "127.0.0.1", "--port", str(launch.port), "--log-level", "info",
            "%s:%s" % (os.path.join(launch.folder, launch.module),
                       launch.attribute)]


GUNICORN = Module("gunicorn")
GUNICORN_H2 = Module("gunicorn", minimum=(25, 0))
APACHE = (MOD_WSGI, ApacheCanReach())
ASGI_PYTHON = Python(3, 6, "to_asgi is Python 3 only")


def _servers():
    yield Server("reference", WSGI_NG, "wsgi-ng serve", reference,
                 [Module("h11"), Module("h2")], tls=True)
    yield Server("wsgi-ng-worker", WSGI_NG, "gunicorn -k "
                 "wsgi_ng.adapters.gunicorn.Worker, two workers",
                 gunicorn("wsgi_ng.adapters.gunicorn.Worker", workers=2),
                 [GUNICORN, Module("h11"), Module("h2")], tls=True)
    yield Server("gunicorn-sync", WSGI, "gunicorn's sync worker",
                 gunicorn("sync"), [GUNICORN], tls=True)
    yield Server("gunicorn-gthread", WSGI, "gunicorn -k gthread --threads 4",
                 gunicorn("gthread", threads=4), [GUNICORN], tls=True)
    yield Server("gunicorn-gevent", WSGI, "gunicorn -k gevent",
                 gunicorn("gevent"), [GUNICORN, Module("gevent")], tls=True)
    yield Server("gunicorn-h2", WSGI, "gunicorn gthread with --http-protocols "
                 "h2,h1 --http2-cleartext prior-knowledge (HTTP/2 only on "
                 "cleartext)", gunicorn("gthread", threads=4, options=[
                     "--http-protocols", "h2,h1",
                     "--http2-cleartext", "prior-knowledge"]),
                 [Python(3, 10, "gunicorn serves HTTP/2 from version 25"),
                  GUNICORN_H2])
    yield Server("waitress", WSGI, "waitress, 4 threads",
                 launched("waitress"), [Module("waitress")])
    yield Server("werkzeug", WSGI, "werkzeug's development server, threaded",
                 launched("werkzeug"), [Module("werkzeug")])
    yield Server("wsgiref", WSGI, "the standard library's wsgiref",
                 launched("wsgiref"))
    yield Server("cheroot", WSGI, "cheroot, 4 threads", launched("cheroot"),
                 [Module("cheroot")])
    yield Server("gevent", WSGI, "gevent.pywsgi after monkey.patch_all()",
                 launched("gevent"), [Module("gevent")])
    yield Server("eventlet", WSGI, "eventlet.wsgi after "
                 "eventlet.monkey_patch()", launched("eventlet"),
                 [Module("eventlet")])
    yield Server("uwsgi", WSGI, "uWSGI --http-socket, 4 threads", uwsgi,
                 [UWSGI])
    yield Server("mod_wsgi", WSGI, "Apache + mod_wsgi-express "
                 "--chunked-request (daemon mode)", mod_wsgi(), APACHE,
                 own_port=True, measurable=False)
    yield Server("mod_wsgi-h2", WSGI, "Apache + mod_wsgi-express --http2 "
                 "(daemon mode)", mod_wsgi("--http2"), APACHE, own_port=True,
                 measurable=False)
    yield Server("mod_wsgi-embedded-h2", WSGI, "Apache + mod_wsgi-express "
                 "--http2 --embedded-mode",
                 mod_wsgi("--http2", "--embedded-mode"), APACHE,
                 own_port=True, measurable=False)
    # gunicorn's threads with two pre-forked workers (each runs its own
    # lifespan: from_asgi's tests)
    yield Server("gunicorn-gthread-2", WSGI, "gunicorn -k gthread --threads 4, "
                 "two workers", gunicorn("gthread", threads=4, workers=2),
                 [GUNICORN])
    # ASGI servers, for to_asgi (Python 3 only)
    yield Server("uvicorn-h11", ASGI, "uvicorn --http h11", uvicorn("h11"),
                 [ASGI_PYTHON, Module("uvicorn")])
    yield Server("uvicorn-httptools", ASGI, "uvicorn --http httptools",
                 uvicorn("httptools"), [ASGI_PYTHON, Module("uvicorn"),
                                        Module("httptools")])
    yield Server("hypercorn", ASGI, "hypercorn", hypercorn,
                 [ASGI_PYTHON, Module("hypercorn")])
    yield Server("daphne", ASGI, "daphne", daphne, [ASGI_PYTHON,
                                                    Module("daphne")])
    # granian, like Apache, runs without coverage's measuring (as the
    # tests have always run it)
    yield Server("granian", ASGI, "granian --interface asgi", granian,
                 [Python(3, 9, "granian's oldest"), Module("granian")],
                 own_port=True, measurable=False)


#: Every server, by name, in the order tables list them.
SERVERS = collections.OrderedDict((server.name, server) for server in _servers())
