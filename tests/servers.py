"""Which real servers a test may use here: the compatibility matrix's
rules (``compat_matrix.hostgate``) -- skip saying how to install one, or
fail where every server must run (CI: ``WSGI_NG_REQUIRE_SERVERS=1``)."""
import os
import sys

import pytest

sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                             os.pardir))  # after the installed wsgi_ng

from compat_matrix.hostgate import gate  # noqa: E402
from wsgi_ng.hosting import SERVERS, find  # noqa: E402


def require(name, folders=()):
    """Skip, or fail, unless the server or host *name* can run here (with
    an app from *folders*)."""
    gated = gate(SERVERS[name] if name in SERVERS else find(name).server,
                 folders)
    if gated is None:
        return
    if gated.fails_run():
        pytest.fail(gated.why)
    pytest.skip(gated.why)
