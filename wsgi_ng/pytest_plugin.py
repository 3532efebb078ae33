"""pytest fixtures for testing apps on wsgi-ng hosts; loaded automatically
once wsgi-ng is installed.

In process -- define a fixture named ``ng_app`` that returns your
WSGI/wsgi-ng app, then:

* ``ng_client`` -- a ``wsgi_ng.testing.Client`` for HTTP/2 as browsers use it;
* ``ng_any_client`` -- the same test once per host profile in
  ``wsgi_ng.testing.PROFILES`` (HTTP/2 with push down to plain WSGI), so one test
  covers the full and every degraded path.

Both wrap the app in ``wsgi_ng.lint.LintMiddleware``, so a contract
violation fails the test with a message naming the guilty side.

On live hosts -- mark a test (or a module: ``pytestmark``) with the hosts
to run it on; it runs once per host, on your app as really served::

    @pytest.mark.ng_hosts("gunicorn-gthread", "reference-h2")
    def test_login(live_client):
        assert live_client.get("/login").status_code == 200

* ``live_client`` -- a client with ``wsgi_ng.testing.Client``'s API (and
  cookies kept), speaking the host's protocol;
* ``live_url`` -- the host's ``http://127.0.0.1:PORT`` (``https`` for TLS),
  for a client of your own;
* ``ng_host`` -- both, and the host (``ng_host.host``: its name, protocol).

The app is ``app="module:attribute"`` on the marker, or the ``ng_live_app``
ini option; it is imported from ``folder=`` (or ``ng_live_folder``, else
the rootdir) by each server, wrapped as ``wrap=`` says (``recommended`` by
default: what wsgi-ng's docs tell you to deploy; ``default``: the app as
it is).  Each server starts once per session; a host that cannot run here
skips its tests, saying how to install it.
"""
import os
import shutil
import tempfile

import pytest

from wsgi_ng.lint import LintMiddleware
from wsgi_ng.testing import PROFILES, Client

MARKER = ("ng_hosts(*hosts, app=None, folder=None, wrap='recommended'): run "
          "the test once per live host named (wsgi_ng.hosting.HOSTS), with "
          "the fixtures live_client, live_url and ng_host")


@pytest.fixture
def ng_client(ng_app):
    """A test client for *ng_app* on HTTP/2 as browsers use it."""
    return Client(LintMiddleware(ng_app))


@pytest.fixture(params=sorted(PROFILES))
def ng_any_client(request, ng_app):
    """A test client for *ng_app*, once per host profile."""
    return Client.for_profile(LintMiddleware(ng_app), request.param)


def pytest_addoption(parser):
    parser.addini("ng_live_app", "the app the ng_hosts marker serves: "
                  "MODULE:ATTRIBUTE")
    parser.addini("ng_live_folder", "the folder it is imported from, relative "
                  "to the rootdir (default: the rootdir)")


def pytest_configure(config):
    config.addinivalue_line("markers", MARKER)


def pytest_generate_tests(metafunc):
    marker = metafunc.definition.get_closest_marker("ng_hosts")
    if marker is None:
        return
    if not marker.args:
        raise pytest.UsageError("%s: @pytest.mark.ng_hosts needs host names, "
                                "e.g. ng_hosts('reference-h1', "
                                "'gunicorn-gthread')" % metafunc.definition.nodeid)
    if "ng_host" not in metafunc.fixturenames:
        metafunc.fixturenames.append("ng_host")
    metafunc.parametrize("ng_host", list(marker.args), indirect=True,
                         ids=list(marker.args))


class LiveHost(object):
    """One host serving the app: ``host`` (``wsgi_ng.hosting.Host``),
    ``server`` (its ``LiveServer``), ``url``, and ``client()``."""

    def __init__(self, host, server):
        self.host, self.server = host, server
        self.name = host.name
        self.url = server.base

    def client(self):
        from wsgi_ng.hosting.live_client import LiveClient
        return LiveClient(self.host, self.server.port)

    def __repr__(self):
        return "<%s serving %s>" % (self.name, self.server.app)


class _Servers(object):
    """The session's servers, one per (host's server, app, wrap, TLS)."""

    def __init__(self):
        self.started = {}
        self._certificates = None

    def certificate(self):
        from wsgi_ng.hosting.certificate import self_signed
        if self._certificates is None:
            self._certificates = tempfile.mkdtemp(prefix="wsgi-ng-pytest-")
        return self_signed(self._certificates)

    def get(self, host, app, folder, wrap):
        from wsgi_ng.hosting import LiveServer
        key = (host.launch_key, app, folder, wrap)
        if key not in self.started:
            server = LiveServer(host.server, app, cwd=folder, wrap=wrap,
                                certificate=self.certificate() if host.tls
                                else None)
            self.started[key] = server.start()
        return self.started[key]

    def stop(self):
        for server in self.started.values():
            server.terminate()  # all at once: each takes a moment
        for server in self.started.values():
            server.stop()
        if self._certificates:
            shutil.rmtree(self._certificates, ignore_errors=True)


@pytest.fixture(scope="session")
def _ng_live_servers():
    servers = _Servers()
    yield servers
    servers.stop()


@pytest.fixture
def ng_host(request, _ng_live_servers):
    """The live host of this run of an ``ng_hosts`` test."""
    from wsgi_ng.hosting import find
    name = getattr(request, "param", None)
    marker = request.node.get_closest_marker("ng_hosts")
    if name is None or marker is None:
        raise pytest.UsageError("live_client, live_url and ng_host need "
                                "@pytest.mark.ng_hosts(...) on the test")
    config = request.config
    app = marker.kwargs.get("app") or config.getini("ng_live_app")
    if not app:
        raise pytest.UsageError("ng_hosts: say which app to serve: "
                                "ng_hosts(..., app='mysite.wsgi:application') "
                                "or ng_live_app = mysite.wsgi:application in "
                                "the ini file")
    folder = os.path.join(str(config.rootdir), marker.kwargs.get("folder") or
                          config.getini("ng_live_folder") or ".")
    try:
        host = find(name)
    except KeyError as error:
        raise pytest.UsageError("ng_hosts: %s" % error.args[0])
    why = host.unavailable([folder])
    if why is not None:
        pytest.skip(why)
    server = _ng_live_servers.get(host, app, os.path.abspath(folder),
                                  marker.kwargs.get("wrap", "recommended"))
    return LiveHost(host, server)


@pytest.fixture
def live_client(ng_host):
    """A client for the live host (``wsgi_ng.testing.Client``'s API)."""
    client = ng_host.client()
    yield client
    client.close()


@pytest.fixture
def live_url(ng_host):
    """``http://127.0.0.1:PORT`` of the live host."""
    return ng_host.url
