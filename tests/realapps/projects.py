"""The apps the real-app tests serve, and who can log in to them.

A Django project as a new user has it after the tutorial's first steps:
``django-admin startproject``, ``manage.py migrate`` and a superuser.
Nothing generated is changed: its settings (``DEBUG``, empty
``ALLOWED_HOSTS``, which then allows 127.0.0.1, the default CSRF and
session cookies) are what is served over plain HTTP.  Over HTTPS it runs
as a deployment does: with a settings module added beside the generated
one that makes the cookies ``Secure``, as Django's deployment checklist
asks, chosen by ``DJANGO_SETTINGS_MODULE`` (``wsgi.py`` only sets a
default).  The Flask app does the same through its settings file.
"""
import os
import sys

from process import run_bounded

BIN = os.path.dirname(sys.executable)


class DjangoProject(object):
    """Where the project is and who can log in to its admin."""

    name = "mysite"
    wsgi_app = "mysite.wsgi:application"  # what the user serves
    # letters only: the screenshot check reads the name back with OCR
    username = "gracehopper"
    password = "cobol-compiler-1952"

    def __init__(self, folder):
        self.path = os.path.join(folder, self.name)

    def environment(self, https):
        """What the server's environment adds when serving *https* or not."""
        return {"DJANGO_SETTINGS_MODULE": self.name + (
            ".settings_https" if https else ".settings")}

    def manage(self, *args, **env):
        """Run ``python manage.py ARGS`` (with *env* added) in the project."""
        run(sys.executable, os.path.join(self.path, "manage.py"), *args,
            cwd=self.path, **env)


HTTPS_SETTINGS = """from .settings import *  # noqa

# Django's deployment checklist: cookies only over HTTPS
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
"""


def start_django_project(folder):
    """A new, migrated project in *folder* with a superuser."""
    import django  # the version tox installed for this interpreter
    project = DjangoProject(folder)
    run(os.path.join(BIN, "django-admin"), "startproject", project.name,
        cwd=folder)
    with open(os.path.join(project.path, project.name, "settings_https.py"),
              "w") as settings:
        settings.write(HTTPS_SETTINGS)
    project.manage("migrate", "--noinput")
    if django.VERSION >= (3, 0):
        project.manage("createsuperuser", "--noinput", "--username",
                       project.username, "--email", "grace@example.com",
                       DJANGO_SUPERUSER_PASSWORD=project.password)
    else:  # no password from the environment before 3.0
        project.manage("shell", "-c", (
            "from django.contrib.auth.models import User; "
            "User.objects.create_superuser(%r, 'grace@example.com', %r)"
        ) % (project.username, project.password))
    return project


def run(*argv, **options):
    """Run *argv* (in ``cwd``, with the other *options* added to the
    environment), failing with its output unless it succeeds."""
    cwd = options.pop("cwd")
    env = dict(os.environ, **options)
    code, output = run_bounded(list(argv), cwd=cwd, env=env)
    assert code == 0, "%s failed:\n%s" % (" ".join(argv), output)


class FlaskLoginApp(object):
    """``apps/flask_login_app.py``: where it is and who can log in (the
    password the app keeps only as a hash)."""

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "apps")
    wsgi_app = "flask_login_app:app"
    username = "adalovelace"
    password = "analytical-engine-1843"

    def environment(self, https):
        """What the server's environment adds when serving *https* or not."""
        return {"FLASK_LOGIN_APP_SETTINGS": os.path.join(
            self.path, "https_settings.py")} if https else {}
