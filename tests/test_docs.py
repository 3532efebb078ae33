"""docs/shims.rst's host tables say what the compatibility matrix found:
they are generated from its committed results (``tox -e matrix`` makes
and checks them after a fresh run; this checks a hand edit at once)."""
import io
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.append(os.path.join(HERE, os.pardir))  # after the installed wsgi_ng

from compat_matrix import render, results  # noqa: E402


def test_the_host_tables_are_the_matrixs_results():
    with io.open(os.path.join(HERE, os.pardir, "docs", "shims.rst"),
                 encoding="utf-8") as handle:
        text = handle.read()
    committed = results.read_all(results.COMMITTED)
    assert committed, "no committed results in compat_matrix/results"
    assert render.shims_tables(committed) in text, (
        "docs/shims.rst's tables differ from the matrix: tox -e matrix -- "
        "--write")
