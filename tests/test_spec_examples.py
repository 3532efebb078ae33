"""The examples in docs/spec.rst and README.md are code, so they are run.

Every Python block of a document runs, in order, in one namespace: later
examples use what earlier ones defined, as a reader would.
"""
import io
import os
import re
import textwrap

import pytest

ROOT = os.path.join(os.path.dirname(__file__), os.pardir)
RST_BLOCK = re.compile(r"^\.\. code-block:: python\n\n((?:    .*\n|\n)+)", re.M)
MARKDOWN_BLOCK = re.compile(r"^```python\n(.*?)^```", re.M | re.S)


def blocks(name, pattern):
    with io.open(os.path.join(ROOT, name), encoding="utf-8") as handle:
        return [textwrap.dedent(block) for block in pattern.findall(handle.read())]


def run_blocks(name, pattern, **names):
    namespace = dict(names)
    found = blocks(name, pattern)
    for number, block in enumerate(found, 1):
        exec(compile(block, "%s example %d" % (name, number), "exec"), namespace)
    return found, namespace


def test_every_spec_example_runs():
    found, namespace = run_blocks("docs/spec.rst", RST_BLOCK)
    assert len(found) >= 5
    assert namespace["response"].push_results == {"/app.css": "early_hint"}


def test_the_readme_example_runs():
    found, namespace = run_blocks("README.md", MARKDOWN_BLOCK)
    assert len(found) == 2 and callable(namespace["app"])


def test_the_flask_guide_examples_run():
    pytest.importorskip("flask", reason="pip install flask")
    # Flask(__name__) finds the app's folder from its module: this one
    found, namespace = run_blocks("docs/flask.rst", RST_BLOCK,
                                  __name__=__name__)
    assert len(found) == 3 and namespace["response"].trailers
