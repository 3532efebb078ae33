"""Fixtures of the real-app tests: one certificate and one server per
(app, host, plain or TLS) for the whole session, because each costs
seconds (the project made by ``django-admin startproject`` and the
Flask-Login app are ``tests/conftest.py``'s, shared with the compatibility
matrix); a test gets its servers through ``serve``, which shows what they
printed during the test when it fails."""
import time

import pytest

from realapps import gate
from realapps.certificate import self_signed
from realapps.hosts import Served

LOG_WAIT = 10.0  # bound on a log line a server writes after the fact


def pytest_runtest_setup(item):
    """Called for the tests of this folder only, before their fixtures."""
    gate.skip_unless_enabled()


class Servers(object):
    """Servers started when first asked for, stopped at the session's end."""

    def __init__(self, tmpdir_factory):
        self._tmpdir_factory = tmpdir_factory
        self._certificate = None
        self._started = {}

    def certificate(self):
        """``(certfile, keyfile)``: one self-signed certificate for all."""
        if self._certificate is None:
            self._certificate = self_signed(str(self._tmpdir_factory.mktemp("tls")))
        return self._certificate

    def get(self, app, host, tls):
        key = (app.path, app.wsgi_app, host, tls)
        if key not in self._started:
            self._started[key] = Served(
                host, app.wsgi_app, app.path,
                self.certificate() if tls else None, app.environment(tls))
        return self._started[key]

    def stop(self):
        for server in self._started.values():  # all at once: seconds each
            server.terminate()
        for server in self._started.values():
            server.stop()


@pytest.fixture(scope="session")
def servers(tmpdir_factory):
    servers = Servers(tmpdir_factory)
    yield servers
    servers.stop()


class ServersForOneTest(object):
    """``serve(app, host, tls)``: the server, and what it prints from now on
    (``output()``), which a failing test shows."""

    def __init__(self, servers):
        self._servers = servers
        self.used = []  # (server, where its output stood when asked for)
        self.certificate = servers.certificate

    def __call__(self, app, host, tls=False):
        server = self._servers.get(app, host, tls)
        self.used.append((server, server.mark()))
        return server

    def output(self):
        return "".join(server.output(since) for server, since in self.used)

    def logged(self, text):
        """The output once it has *text*: a session's access-log line is
        written when the server has ended it, which may be a moment after
        the client saw the end (a bounded wait, then the output as it is)."""
        deadline = time.time() + LOG_WAIT
        while text not in self.output() and time.time() < deadline:
            time.sleep(0.05)
        return self.output()


@pytest.fixture
def serve(servers):
    return ServersForOneTest(servers)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    report = (yield).get_result()
    serve = getattr(item, "funcargs", {}).get("serve")
    if report.failed and serve is not None:
        for server, since in serve.used:
            report.sections.append(("output of %r" % server,
                                    server.output(since)))
