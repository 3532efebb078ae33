"""Shared fixtures for the wsgi-ng test suite."""
import glob
import os

import pytest

import wsgi_ng


@pytest.fixture
def installed_metadata():
    """The installed distribution's metadata folder next to ``wsgi_ng``.

    tox installs the package like a user would, so this is where pip put
    it; running the tests from a bare source checkout skips what needs it.
    """
    site = os.path.dirname(os.path.dirname(os.path.abspath(wsgi_ng.__file__)))
    found = glob.glob(os.path.join(site, "wsgi_ng-*.dist-info")) + glob.glob(
        os.path.join(site, "wsgi_ng-*.egg-info"))
    if not found:
        pytest.skip("wsgi-ng is not installed (run the tests through tox)")
    return found[0]
