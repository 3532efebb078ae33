"""Which hosts run on this Python, and what a cell says when one cannot.

A host this interpreter can never have (gunicorn's HTTP/2 before 3.10)
is ``unavailable`` here, whatever is installed; one that tox does not
build on this interpreter (uWSGI and mod_wsgi are compiled on 2.7, 3.6,
3.11 and 3.13 only, to keep CI short; the ASGI servers are installed on
3.9, 3.11 and 3.13) is ``not-run``, saying so.  Any
other missing server is ``not-run`` locally and a failure in CI
(``WSGI_NG_REQUIRE_SERVERS=1``), where everything must run.
"""
import collections
import os

from compat_matrix.cells import NOT_RUN, UNAVAILABLE
from wsgi_ng.hosting.requirements import INSTALL, PYTHON
from wsgi_ng.hosting.servers import ASGI

#: Servers pip compiles per interpreter; tox says where with WSGI_NG_C_SERVERS.
C_BUILT = ("uwsgi", "mod_wsgi", "mod_wsgi-h2", "mod_wsgi-embedded-h2")
C_PYTHONS = "2.7, 3.6, 3.11 and 3.13"
#: Where tox installs the ASGI servers (WSGI_NG_ASGI_SERVERS).
ASGI_PYTHONS = "3.9, 3.11 and 3.13"


def required():
    """True where every server must run (CI)."""
    return bool(os.environ.get("WSGI_NG_REQUIRE_SERVERS"))


class Gate(collections.namedtuple("Gate", "outcome why excused")):
    """A server that cannot run here: the cell's outcome and why, and
    whether CI excuses it (``excused``: this Python cannot have it, or tox
    does not build it here)."""

    def fails_run(self):
        """True when it must fail the run instead of skipping (CI)."""
        return required() and not self.excused


def gate(server, folders=()):
    """A ``Gate`` when *server* cannot run here, else None."""
    why = server.unavailable(folders)
    if why is None:
        return None
    if why.kind == PYTHON:
        return Gate(UNAVAILABLE, str(why), True)
    if server.name in C_BUILT and why.kind == INSTALL and not os.environ.get(
            "WSGI_NG_C_SERVERS"):
        return Gate(NOT_RUN, "%s (tox builds it on %s only)" % (why, C_PYTHONS),
                    True)
    if server.family == ASGI and why.kind == INSTALL and not os.environ.get(
            "WSGI_NG_ASGI_SERVERS"):
        return Gate(NOT_RUN, "%s (tox installs it on %s only)" % (
            why, ASGI_PYTHONS), True)
    return Gate(NOT_RUN, str(why), False)
