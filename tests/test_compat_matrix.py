"""The committed compatibility matrix is what its committed results say,
and the results cover every host and scenario the matrix declares --
cheap checks (no server is started) that a hand edit, a host or scenario
added without a run, or outputs not regenerated fail at once.  Playing the
scenarios is ``hosts/test_matrix.py``; ``tox -e matrix`` compares the
committed files with a fresh run's."""
import os
import sys

sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                             os.pardir))  # after the installed wsgi_ng

from compat_matrix import results  # noqa: E402
from compat_matrix.__main__ import differences, expected_files  # noqa: E402
from compat_matrix.cells import OUTCOMES  # noqa: E402
from compat_matrix.scenarios import SCENARIOS  # noqa: E402
from wsgi_ng.hosting import HOSTS  # noqa: E402

COMMITTED = results.read_all(results.COMMITTED)


def test_every_committed_python_has_every_host_and_scenario():
    assert COMMITTED, "no committed results in compat_matrix/results"
    for key, data in COMMITTED.items():
        assert sorted(data["hosts"]) == sorted(HOSTS), key
        for host, found in data["hosts"].items():
            assert sorted(found["scenarios"]) == sorted(SCENARIOS), (
                key, host)
            for name, cell in found["scenarios"].items():
                assert cell["outcome"] in OUTCOMES, (key, host, name)


def test_the_committed_outputs_are_the_committed_results_rendered():
    """MATRIX.md, matrix.html and docs/shims.rst's host tables."""
    found = differences(expected_files(COMMITTED))
    assert not found, "\n\n".join(found) + (
        "\n\nregenerate them: python -m compat_matrix --write")
