"""The compatibility matrix: the same scenarios on every host and every
Python, one generated table.

Each host (``wsgi_ng.hosting``: the reference server over HTTP/1.1, h2c
and TLS, gunicorn's workers, waitress, werkzeug, wsgiref, cheroot, gevent,
eventlet, uWSGI, Apache + mod_wsgi...) is started once per Python with
the matrix app (``apps/matrix_app.py``), and the scenarios
(``scenarios/``) are played on it over sockets by independent clients.
Each cell is ``full``, ``degraded (how)``, ``unavailable (why)``,
``broken (what)`` or ``not-run (why)``, with its evidence -- the exchanges
as they went over the wire and the server's log lines -- normalised, so a
re-run writes the same results.

How it runs (tox):

* every ``pyXY`` environment plays the matrix as its host tests
  (``tests/hosts/test_matrix.py``), comparing each cell with
  ``results/pyXY.json`` and writing the fresh results to
  ``.tox/matrix-results/pyXY.json``;
* ``tox -e matrix`` (after them) renders ``MATRIX.md``, ``matrix.html``
  and the host tables of ``docs/shims.rst`` from the fresh results and
  fails if the committed ones differ; ``tox -e matrix -- --write`` writes
  them, and copies the fresh results over the committed ones.

A host or scenario added, or a new Python: run the environments, then
``tox -e matrix -- --write``, and commit what changed.
"""
import os
import sys

#: The scenarios log in with tests/realapps' flows and forms, which the
#: real-app tests use too: tests/ is importable (after everything else, so
#: the installed wsgi_ng stays the one imported).
TESTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))), "tests")
if TESTS not in sys.path:
    sys.path.append(TESTS)
