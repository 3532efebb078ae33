"""Real WSGI servers in child processes, for tests that talk to them over
sockets: ``wsgi_ng.hosting`` (what ``wsgi-ng check`` uses) with the test
suite's rules for a server that cannot run here (``servers.require``).
"""
import os
import sys

from servers import require
from wsgi_ng.hosting import SERVERS
from wsgi_ng.hosting import LiveServer as _LiveServer
from wsgi_ng.hosting.live import WAIT  # noqa: F401 (the tests' bound too)

HERE = os.path.dirname(os.path.abspath(__file__))


class LiveServer(_LiveServer):
    """``with LiveServer("gunicorn-sync", "probe_app:application") as srv``:
    an app of this folder, as it is; what the server printed is shown with
    a failure."""

    def __init__(self, name, app):
        require(name, [HERE])
        _LiveServer.__init__(self, SERVERS[name], app, cwd=HERE)

    def __exit__(self, *exc):
        _LiveServer.__exit__(self, *exc)
        if exc[0] is not None:  # shown by pytest with the failure
            sys.stderr.write("--- %s output ---\n%s" % (self.name,
                                                        self.final_output))
        return False
