"""The results files: one per Python (``results/py311.json``), committed,
and the fresh ones a run writes (``$WSGI_NG_MATRIX_RESULTS``, by default
``.matrix/`` at the top of the repository), which the outputs are
rendered from and CI compares with the committed ones."""
import io
import json
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
COMMITTED = os.path.join(HERE, "results")
ROOT = os.path.dirname(HERE)


def fresh_folder():
    return os.environ.get("WSGI_NG_MATRIX_RESULTS") or os.path.join(
        ROOT, ".matrix")


def path(folder, key):
    return os.path.join(folder, key + ".json")


def read(folder, key):
    """The results of *key* (``py311``) in *folder*, or None."""
    if not os.path.exists(path(folder, key)):
        return None
    with io.open(path(folder, key), encoding="utf-8") as handle:
        return json.load(handle)


def dumps(data):
    """Results as text: the same data, the same bytes, on every Python."""
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=True,
                      separators=(",", ": "))
    return u"%s\n" % text


def write(folder, key, data):
    if not os.path.isdir(folder):
        os.makedirs(folder)
    with io.open(path(folder, key), "w", encoding="utf-8") as handle:
        handle.write(dumps(data))


#: A Python's results file: ``py27.json``, ``py313.json``.
RESULTS_FILE = re.compile(r"py\d+\.json$")


def read_all(folder):
    """``{key: results}`` of every results file in *folder*."""
    if not os.path.isdir(folder):
        return {}
    return dict((name[:-5], read(folder, name[:-5]))
                for name in sorted(os.listdir(folder)) if RESULTS_FILE.match(name))
