"""Shared fixtures for the wsgi-ng test suite."""
import glob
import importlib
import os
import shutil
import signal
import sys
import tempfile

import pytest

import wsgi_ng


def pytest_configure(config):
    """A test run stopped with SIGTERM (CI timeouts, ``kill``) unwinds like
    Ctrl+C, so fixtures still stop the servers they started; Python's
    default would exit on the spot and leave them running."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt("SIGTERM")
    signal.signal(signal.SIGTERM, interrupt)


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


EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                        "examples")


def _import_example(folder, module, attribute):
    path = os.path.join(EXAMPLES, folder)
    if path not in sys.path:
        sys.path.insert(0, path)
    return getattr(importlib.import_module(module), attribute)


@pytest.fixture(scope="session")
def django_app(tmpdir_factory):
    """The example Django project's WSGI application, with its database
    (not created: see ``django_database``) in a temporary folder."""
    pytest.importorskip("django", reason="pip install django")
    os.environ.setdefault("MYSITE_DATABASE", str(
        tmpdir_factory.mktemp("mysite").join("db.sqlite3")))
    chosen = "DJANGO_SETTINGS_MODULE" in os.environ
    application = _import_example("django_project", "mysite.wsgi",
                                  "application")
    if not chosen:  # set by wsgi.py, read now: not for other projects the
        del os.environ["DJANGO_SETTINGS_MODULE"]  # tests start later
    return application


@pytest.fixture(scope="session")
def django_database(django_app):
    """The example project's database, migrated, with one user, whose
    ``(username, password)`` this returns."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    call_command("migrate", verbosity=0)
    get_user_model().objects.create_user("grace", password="cobol-1952")
    return "grace", "cobol-1952"


@pytest.fixture(scope="session")
def flask_app():
    """The example legacy Flask app."""
    pytest.importorskip("flask", reason="pip install flask")
    return _import_example("legacy_flask", "flask_app", "app")


@pytest.fixture(scope="session")
def django_project():
    """A project made by ``django-admin startproject``, migrated, with a
    superuser (``realapps.projects``): the real-app tests and the
    compatibility matrix log in to its admin.  Its folder is one every
    user may enter: Apache's serves as www-data (mod_wsgi as root)."""
    pytest.importorskip("django", reason="pip install django")
    from realapps.projects import start_django_project
    folder = tempfile.mkdtemp(prefix="wsgi-ng-django-")
    os.chmod(folder, 0o755)
    yield start_django_project(folder)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def flask_login_app():
    """A Flask app with Flask-Login, as its documentation writes one."""
    for module, package in (("flask_login", "flask-login"),
                            ("flask_wtf", "flask-wtf")):
        pytest.importorskip(module, reason="pip install " + package)
    from realapps.projects import FlaskLoginApp
    return FlaskLoginApp()
