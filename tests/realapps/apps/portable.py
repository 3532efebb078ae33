"""The app named by ``WSGI_NG_PORTABLE`` (``module:attribute``) as a
Django or Pyramid project is deployed on a plain WSGI server such as
gunicorn's gthread worker: ``to_wsgi(from_wsgi(application))``, the line
docs/deploy.rst tells a user to write in their ``wsgi.py`` -- an app that
has it already is served as it is."""
import importlib
import os

from wsgi_ng.shims import from_wsgi, to_wsgi
from wsgi_ng.shims.exposed import ExposedApp

_module, _, _name = os.environ["WSGI_NG_PORTABLE"].partition(":")
application = getattr(importlib.import_module(_module), _name)
if not isinstance(application, ExposedApp):
    application = to_wsgi(from_wsgi(application))
