"""Real WSGI servers in child processes, for tests that talk to them over
sockets: ``wsgi_ng.hosting`` (what ``wsgi-ng check`` uses) with the test
suite's rules for a server that cannot run here -- skip saying how to
install it, or fail where every server must run (CI).
"""
import os
import sys

import pytest

from wsgi_ng.hosting import SERVERS
from wsgi_ng.hosting import LiveServer as _LiveServer
from wsgi_ng.hosting.live import WAIT  # noqa: F401 (the tests' bound too)
from wsgi_ng.hosting.requirements import INSTALL, PYTHON

HERE = os.path.dirname(os.path.abspath(__file__))

#: Servers pip compiles per interpreter; tox says where with WSGI_NG_C_SERVERS.
C_BUILT = ("uwsgi", "mod_wsgi", "mod_wsgi-h2", "mod_wsgi-embedded-h2")


def unavailable(name):
    """Why the server *name* cannot run here, or None."""
    return SERVERS[name].unavailable([HERE])


def require(name):
    """Skip (or, with ``WSGI_NG_REQUIRE_SERVERS=1`` as in CI, fail) when the
    server *name* cannot run here, saying how to fix that."""
    reason = unavailable(name)
    if reason is None:
        return
    if reason.kind == PYTHON:  # not for this interpreter, anywhere
        pytest.skip(reason)
    if name in C_BUILT and reason.kind == INSTALL and not os.environ.get(
            "WSGI_NG_C_SERVERS"):
        pytest.skip(reason + " (tox builds it on 2.7, 3.6, 3.11 and 3.13 only)")
    if os.environ.get("WSGI_NG_REQUIRE_SERVERS"):
        pytest.fail(reason)
    pytest.skip(reason)


class LiveServer(_LiveServer):
    """``with LiveServer("gunicorn-sync", "probe_app:application") as srv``:
    an app of this folder, as it is; what the server printed is shown with
    a failure."""

    def __init__(self, name, app):
        require(name)
        _LiveServer.__init__(self, SERVERS[name], app, cwd=HERE)

    def __exit__(self, *exc):
        _LiveServer.__exit__(self, *exc)
        if exc[0] is not None:  # shown by pytest with the failure
            sys.stderr.write("--- %s output ---\n%s" % (self.name,
                                                        self.final_output))
        return False
