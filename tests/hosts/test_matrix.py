"""The compatibility matrix is the host test: every scenario of
``compat_matrix`` played on every host this Python has, each cell
compared with the committed results (``compat_matrix/results/pyXY.json``)
-- a host that now behaves differently (twice: a cell that differs is
played again once) fails here, saying how, and so does one that got
better until its results are committed again (``tox
-e matrix -- --write`` after the Pythons' runs).  Without a results file
for this Python the cells skip, and ``tox -e matrix`` fails on it.

Each server starts once for all its cells; the fresh results go to
``$WSGI_NG_MATRIX_RESULTS`` (tox: ``.tox/matrix-results``), which ``tox -e
matrix`` renders into MATRIX.md, the HTML page and docs/shims.rst's
tables, checking them against the committed ones.
"""
import difflib
import os
import sys

import pytest

sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                             os.pardir, os.pardir))  # after the installed wsgi_ng

from compat_matrix import results  # noqa: E402
from compat_matrix.cells import NOT_RUN, Cell  # noqa: E402
from compat_matrix.runner import (  # noqa: E402
    Context, Launch, add_matrix_settings, launches, python_key,
)
from compat_matrix.scenarios import SCENARIOS  # noqa: E402
from realapps.certificate import self_signed  # noqa: E402

LAUNCHES = launches()
CELLS = [(host.name, name) for hosts in LAUNCHES.values() for host in hosts
         for name in SCENARIOS]


class Matrix(object):
    """The launches, started one at a time as the cells reach them."""

    def __init__(self, context):
        self.context = context
        self.current = None
        self.done = []
        self.committed = results.read(results.COMMITTED, python_key())

    def launch_of(self, host):
        for key, hosts in LAUNCHES.items():
            if host in [h.name for h in hosts]:
                return key, hosts
        raise KeyError(host)

    def play(self, host, scenario):
        key, hosts = self.launch_of(host)
        if self.current is None or self.current.key != key:
            self.finish_current()
            self.current = Launch(hosts, self.context)
            self.current.key = key
            self.current.start()
        return self.current, self.current.play(
            [h for h in hosts if h.name == host][0], SCENARIOS[scenario])

    def finish_current(self):
        if self.current is not None:
            self.current.stop()
            self.done.append(self.current)
            self.current = None

    def expected(self, host, scenario):
        if self.committed is None:
            return None
        data = self.committed["hosts"].get(host, {}).get("scenarios", {}).get(
            scenario)
        return None if data is None else Cell.from_json(data)

    def write(self):
        self.finish_current()
        hosts = {}
        for launch in self.done:
            hosts.update(launch.results())
        results.write(results.fresh_folder(), python_key(), {
            "python": "%d.%d" % sys.version_info[:2], "hosts": hosts})


@pytest.fixture(scope="session")
def matrix(django_project, flask_login_app, tmpdir_factory):
    pytest.importorskip("flask", reason="pip install flask")
    add_matrix_settings(django_project)
    certificate = self_signed(str(tmpdir_factory.mktemp("matrix-tls")))
    matrix = Matrix(Context(django_project, flask_login_app, certificate))
    yield matrix
    matrix.write()


def same(cell, expected):
    """What the host did (the verdict and the wire) is as committed."""
    return (cell.outcome, cell.how, cell.wire) == (
        expected.outcome, expected.how, expected.wire)


@pytest.mark.parametrize("host,scenario", CELLS)
def test_cell(matrix, host, scenario):
    launch, cell = matrix.play(host, scenario)
    if launch.gated is not None and launch.gated.fails_run():
        pytest.fail(launch.gated.why)
    if matrix.committed is None:  # tox -e matrix fails on the missing file
        pytest.skip("no committed results for %s: tox -e matrix -- --write "
                    "after this run makes them" % python_key())
    expected = matrix.expected(host, scenario)
    assert expected is not None, (
        "%s on %s has no committed result: tox -e matrix -- --write after "
        "this run adds it" % (scenario, host))
    if expected.outcome == NOT_RUN and cell.outcome != NOT_RUN:
        # committed where this server was not installed: nothing to compare
        # with yet, and tox -e matrix fails on the new cell until written
        pytest.skip("%s on %s ran, but its committed result is not-run (%s): "
                    "tox -e matrix -- --write after this run adds it" % (
                        scenario, host, expected.how))
    if cell.outcome == NOT_RUN and expected.outcome != NOT_RUN:
        pytest.skip(cell.how)  # not installed here (CI fails on it above)
    if not same(cell, expected):  # once more: a busy machine's hiccup
        launch, cell = matrix.play(host, scenario)  # is not the host's
    assert same(cell, expected), (
        "%s on %s: committed %s, now %s (twice)\n%s" % (
            scenario, host, expected.summary(), cell.summary(), "\n".join(
                difflib.unified_diff(expected.wire or [], cell.wire or [],
                                     "committed wire", "now", lineterm=""))))
    if cell.outcome == NOT_RUN:
        pytest.skip(cell.how)
