"""pytest fixtures for testing apps on wsgi-ng hosts; loaded automatically
once wsgi-ng is installed.

Define a fixture named ``ng_app`` that returns your WSGI/wsgi-ng app, then:

* ``ng_client`` -- a ``wsgi_ng.testing.Client`` for HTTP/2 as browsers use it;
* ``ng_any_client`` -- the same test once per host profile in
  ``wsgi_ng.testing.PROFILES`` (HTTP/2 with push down to plain WSGI), so one test
  covers the full and every degraded path.

Both wrap the app in ``wsgi_ng.lint.LintMiddleware``, so a contract
violation fails the test with a message naming the guilty side.
"""
import pytest

from wsgi_ng.lint import LintMiddleware
from wsgi_ng.testing import PROFILES, Client


@pytest.fixture
def ng_client(ng_app):
    """A test client for *ng_app* on HTTP/2 as browsers use it."""
    return Client(LintMiddleware(ng_app))


@pytest.fixture(params=sorted(PROFILES))
def ng_any_client(request, ng_app):
    """A test client for *ng_app*, once per host profile."""
    return Client.for_profile(LintMiddleware(ng_app), request.param)
