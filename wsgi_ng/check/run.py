"""``wsgi-ng check``: the user's app served on each host, the same
requests played on all, each reply judged against the baseline's.

Every host runs the app *as given* -- no shim added, and ``wsgi-ng
serve`` told not to contain it -- with the ``switch`` wrap
(``hosting.hosted``): where a reply is not the baseline's, the request is
played again through each shim that host's family can use, lightest
first (``to_wsgi``, then ``to_wsgi(from_wsgi(...))`` on a WSGI server;
``from_wsgi`` on a wsgi-ng one), and the first that makes it the same is
named as the fix.  One server start per host.
"""
import collections
import os
import shutil
import tempfile

from wsgi_ng.check import compare, requests as requests_
from wsgi_ng.check.observe import play
from wsgi_ng.hosting import HOSTS, LiveServer, find
from wsgi_ng.hosting.certificate import self_signed
from wsgi_ng.hosting.client import client_for
from wsgi_ng.hosting.hosted import VARIANTS
from wsgi_ng.hosting.servers import ASGI, WSGI_NG
from wsgi_ng.startup import UsageError, load_app

#: Where a check without --host starts: the classic deployment.
BASELINES = ("gunicorn-sync", "wsgiref")
#: What each shim means for a user, named with the fix.
SHIMS = {
    "to_wsgi": "to_wsgi",
    "to_wsgi+from_wsgi": "to_wsgi(from_wsgi(app))",
    "from_wsgi": "from_wsgi (wsgi-ng serve applies it to a plain WSGI app "
                 "unless told --ng)",
}


def shim_name(variant, family):
    """The shim of *variant* in words, as deployed on a server of *family*."""
    if family == ASGI and variant == "from_wsgi":
        return "to_asgi(from_wsgi(app))"
    return SHIMS[variant]


#: One request on one host: its verdict as given, the shim that makes it
#: the baseline's (or None) and, where none does, the shim that at least
#: turns a difference into a degradation the spec allows, in words (or
#: None).
Row = collections.namedtuple("Row", "request host verdict fix softer observed")


class Failed(Exception):
    """A host that did not serve; the message says why."""


def choose_hosts(names, folder, progress):
    """The hosts to play on: *names* (each must run here: a one-line
    error says how to make it), else every one that runs here, the
    classic deployment first."""
    if names:
        chosen = []
        for name in names:
            try:
                host = find(name)
            except KeyError as error:
                raise UsageError("--host: %s" % error.args[0])
            why = host.unavailable([folder])
            if why is not None:
                raise UsageError("--host %s: %s" % (name, why))
            chosen.append(host)
        return chosen
    chosen = []
    for host in HOSTS.values():
        why = host.unavailable([folder])
        if why is None:
            chosen.append(host)
        else:
            progress.note("skipping %s" % why)
    first = [host for name in BASELINES for host in chosen if host.name == name]
    return first[:1] + [host for host in chosen if host not in first[:1]]


class Served(object):
    """One host serving the app, and its client.  On a WSGI server each
    request picks its shims (the ``switch`` wrap); a wsgi-ng server decides
    containment -- and with it the socket handover -- for the app as a
    whole, so there the app as given (``none``) and as ``wsgi-ng serve``
    runs it by default (``from_wsgi``) are two starts, the second made only
    if a reply needs it."""

    def __init__(self, host, spec, folder, certificate):
        self.host, self.spec, self.folder = host, spec, folder
        self.certificate = certificate if host.tls else None
        self.switching = host.server.family != WSGI_NG
        self.live = self._server("switch" if self.switching else "none")
        self.client = None
        self._contained = None

    def _server(self, wrap):
        return LiveServer(self.host.server, self.spec, cwd=self.folder,
                          wrap=wrap, certificate=self.certificate)

    def start(self):
        self.client = self._serving(self.live)

    def _serving(self, live):
        live.start()
        client = client_for(self.host.protocol, live.port)
        reply = client.request("GET", "/")
        if reply.status is None:  # the app did not load, or the server died
            client.close()
            raise Failed("%s did not serve (%s): %s" % (
                self.host.name, reply.error, _tail(live.output())))
        return client

    def play(self, request, variant="none"):
        if self.switching:
            return play(self.client, self.host, request, variant)
        if variant == "none":
            return play(self.client, self.host, request)
        if self._contained is None:
            live = self._server("default")
            self._contained = live, self._serving(live)
        return play(self._contained[1], self.host, request)

    def stop(self):
        for client, live in [(self.client, self.live)] + (
                [self._contained[::-1]] if self._contained else []):
            if client is not None:
                client.close()
            live.stop()


def _tail(output, lines=3):
    return " | ".join(output.strip().splitlines()[-lines:]) or "no output"


class Check(object):
    """A check of the app *spec* (``module:attribute``, importable from
    *folder*) on *hosts*, with *requests* (None: a crawl from the root)."""

    def __init__(self, spec, folder, hosts, requests, progress, depth=2,
                 limit=20):
        self.spec, self.folder, self.hosts = spec, folder, hosts
        self.requests = requests
        self.progress = progress
        self.depth, self.limit = depth, limit
        self.rows = []
        self.failures = []  # (host, why)
        self.baseline = None
        self._baseline = {}
        self._volatile = set()
        self._certificate_folder = None

    def run(self):
        certificate = self._certificate()
        try:
            for host in self.hosts:
                self._check(Served(host, self.spec, self.folder, certificate))
        finally:
            if self._certificate_folder:
                shutil.rmtree(self._certificate_folder, ignore_errors=True)
        return self

    def _certificate(self):
        if not any(host.tls for host in self.hosts):
            return None
        self._certificate_folder = tempfile.mkdtemp(prefix="wsgi-ng-check-")
        try:
            return self_signed(self._certificate_folder)
        except OSError as error:
            raise UsageError(str(error).splitlines()[0])

    def _check(self, served):
        name = served.host.name
        self.progress.step(name, "starting %s" % served.host.description)
        try:
            served.start()
            if self.baseline is None:
                self._take_baseline(served)
            for request in self.requests:
                self.progress.step(name, request.label())
                self.rows.append(self._judge(served, request))
        except Failed as failed:
            self.failures.append((name, str(failed)))
        finally:
            served.stop()
        differing = len([row for row in self.rows if row.host == name and
                         row.verdict.kind != compare.SAME])
        self.progress.finished(name, "%d request%s, %d not the same" % (
            len(self.requests), "" if len(self.requests) == 1 else "s",
            differing))

    def _take_baseline(self, served):
        self.baseline = served.host
        if self.requests is None:
            self.requests = requests_.crawl(
                lambda path: _page(served, path), self.depth, self.limit)
        for request in self.requests:
            key = _key(request)
            if key not in self._baseline:  # the sized variant is the model
                first = served.play(request._replace(unsized=False))
                second = served.play(request._replace(unsized=False))
                self._baseline[key] = first
                if first.text != second.text:
                    self._volatile.add(key)

    def _judge(self, served, request):
        key = _key(request)
        baseline = self._baseline[key]
        observed = served.play(request)
        verdict = compare.judge(request, observed, baseline,
                                key in self._volatile)
        fix = softer = None
        if verdict.kind != compare.SAME:
            for variant in VARIANTS[served.host.server.family][1:]:
                again = compare.judge(request, served.play(request, variant),
                                      baseline, key in self._volatile)
                if again.kind == compare.SAME:
                    fix = shim_name(variant, served.host.server.family)
                    break
                if softer is None and verdict.kind == compare.DIFFERENT and \
                        again.kind == compare.DEGRADED:  # a 411, not a lost body
                    softer = "%s makes it degraded: %s" % (shim_name(
                        variant, served.host.server.family), "; ".join(again.what))
        return Row(request, served.host.name, verdict, fix, softer, observed)

    def exit_status(self, allowed):
        """1 when a reply differs, or is degraded unless allowed; else 0."""
        kinds = set(row.verdict.kind for row in self.rows)
        if self.failures or compare.DIFFERENT in kinds:
            return 1
        if compare.DEGRADED in kinds and "degraded" not in allowed:
            return 1
        return 0


def _key(request):
    return request.method, request.path, request.body, request.websocket


def _page(served, path):
    """``(status, content type, text)`` of *path*, for the crawl."""
    reply = served.client.request("GET", path)
    return (reply.status, reply.header("content-type") or "",
            reply.body.decode("utf-8", "replace"))


def check(spec, host_names, requests, progress, depth=2, limit=20):
    """Load-check *spec* here (a mistake is a ``UsageError``), then run the
    check from the current folder; the finished ``Check``."""
    load_app(spec)
    folder = os.getcwd()
    hosts = choose_hosts(host_names, folder, progress)
    if not hosts:
        raise UsageError("no host can run here: pip install gunicorn "
                         "(or name one with --host)")
    progress.total = len(hosts)
    return Check(spec, folder, hosts, requests, progress, depth, limit).run()
