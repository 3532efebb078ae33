"""When the real-app tests run, and the programs they need.

They start real servers, create projects and run a browser, so tox runs
them on a few interpreters only: those where it sets ``WSGI_NG_REAL_APPS``.
A program they need that is missing skips the test with the command that
installs it -- or fails it under ``WSGI_NG_REQUIRE_SERVERS=1``, as in CI.
"""
import os

import pytest

ENABLED = "WSGI_NG_REAL_APPS"


def skip_unless_enabled():
    if not os.environ.get(ENABLED):
        pytest.skip("real-app end-to-end tests are heavy: tox runs them on "
                    "py27 and py313 only (%s=1); set it to run them here"
                    % ENABLED)


def find_program(name):
    """The path of the program *name* on ``PATH``, or None."""
    for folder in os.environ.get("PATH", os.defpath).split(os.pathsep):
        path = os.path.join(folder, name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def require_program(name, package=None):
    """The path of *name*; skip (or fail, where every server must run)
    when it is missing, saying ``apt-get install PACKAGE``."""
    path = find_program(name)
    if path is None:
        reason = "%s is not installed: apt-get install %s" % (
            name, package or name)
        if os.environ.get("WSGI_NG_REQUIRE_SERVERS"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path
