"""What a server needs on this machine, and what to do when it is missing.

Each requirement answers one question -- is it here? -- and, when it is
not, says how to get it in a line (``pip install uwsgi``), so a skipped
host in ``wsgi-ng check``, the pytest plugin or the test suite always
tells the user what to run.
"""
import os
import pwd
import subprocess
import sys

from wsgi_ng._compat import module_exists

#: Where pip puts the programs of this interpreter's packages.
BIN = os.path.dirname(sys.executable)

#: Kinds of reasons: this interpreter cannot have it at all; it is not
#: installed (or too old); the machine is not set up for it.
PYTHON, INSTALL, SETUP = "python", "install", "setup"


class Missing(str):
    """Why a requirement is not met, in a line; ``kind`` is one of
    ``PYTHON``, ``INSTALL`` and ``SETUP``."""

    def __new__(cls, text, kind):
        missing = str.__new__(cls, text)
        missing.kind = kind
        return missing


def installed_version(module):
    """``(major, minor)`` of the installed *module*, read from its
    ``__version__`` (or gunicorn's ``version_info``): it is imported."""
    imported = __import__(module)
    info = getattr(imported, "version_info", None)
    if info is not None:
        return tuple(info[:2])
    parts = (getattr(imported, "__version__", "0.0") + ".0").split(".")
    return int(parts[0]), int("".join(c for c in parts[1] if c.isdigit()) or 0)


class Module(object):
    """An importable module (from the pip package *package*), at least
    version *minimum* when given."""

    def __init__(self, name, package=None, minimum=None):
        self.name, self.package, self.minimum = name, package or name, minimum

    def missing(self):
        if not module_exists(self.name):
            return Missing("%s is not installed: pip install %s" % (
                self.package, self.package), INSTALL)
        if self.minimum is None:
            return None
        version = installed_version(self.name)
        if version < self.minimum:
            return Missing("it needs %s %s or later (this is %d.%d): pip "
                           "install -U %s" % (
                               self.package, ".".join(map(str, self.minimum)),
                               version[0], version[1], self.package), INSTALL)
        return None


class Program(object):
    """A program pip installs next to this interpreter (uWSGI,
    ``mod_wsgi-express``): both are compiled by pip, so they need a C
    compiler (and Apache's ``apxs`` for mod_wsgi)."""

    def __init__(self, name, package, build_needs):
        self.name, self.package, self.build_needs = name, package, build_needs

    def path(self):
        return os.path.join(BIN, self.name)

    def missing(self):
        if os.path.exists(self.path()):
            return None
        return Missing("%s is not installed: pip install %s (pip compiles it: "
                       "it needs %s)" % (self.package, self.package,
                                         self.build_needs), INSTALL)


class Python(object):
    """A range of Python versions: ``Python(3, 10)`` is 3.10 or later."""

    def __init__(self, major, minor, why):
        self.minimum, self.why = (major, minor), why

    def missing(self):
        if sys.version_info[:2] >= self.minimum:
            return None
        return Missing("it needs Python %d.%d or later (%s); this is %d.%d" % (
            self.minimum + (self.why,) + tuple(sys.version_info[:2])), PYTHON)


#: The user Apache serves as when it is started by root.
APACHE_USER = "www-data"


class ApacheCanReach(object):
    """Run as root, Apache serves as www-data, which must reach the
    interpreter, its standard library, wsgi-ng and the app -- not the case
    with Python under /root (pyenv's default), a folder others cannot
    enter.  The folders to check are given when a server starts."""

    def missing(self, folders=()):
        if os.geteuid() != 0:
            return None  # Apache serves as this user
        try:
            user = pwd.getpwnam(APACHE_USER)
        except KeyError:
            return Missing("Apache's user %s does not exist: apt-get install "
                           "apache2" % APACHE_USER, SETUP)
        paths = [os.path.realpath(sys.executable), BIN] + [
            os.path.dirname(os.path.abspath(__import__(module).__file__))
            for module in ("os", "wsgi_ng", "mod_wsgi")] + list(folders)
        for path in paths:
            if _can(user, "-r", path):
                continue
            folder = path
            while os.path.dirname(folder) != folder and not _can(
                    user, "-x", os.path.dirname(folder)):
                folder = os.path.dirname(folder)  # the outermost it cannot enter
            return Missing("Apache's user %s cannot reach %s (it may not "
                           "enter %s): chmod o+x %s, or install Python and the "
                           "app elsewhere" % (APACHE_USER, path, folder,
                                              folder), SETUP)
        return None


def _can(user, test, path):
    """``test(1)`` as *user*: ``-r`` readable, ``-x`` enterable."""
    def become():
        os.setgroups([])
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)
    return subprocess.call(["test", test, path], preexec_fn=become) == 0
