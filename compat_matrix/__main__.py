"""``python -m compat_matrix [--results DIR] [--write]`` (``tox -e matrix``).

Renders MATRIX.md, matrix.html and docs/shims.rst's host tables from the
fresh results of the Pythons' runs (``DIR``, by default
``$WSGI_NG_MATRIX_RESULTS`` or ``.matrix/``) and compares them, and the
results themselves, with what is committed: a difference is printed and
fails (exit status 1), so the committed matrix cannot go stale.
``--write`` writes them instead.  A Python without fresh results keeps
its committed ones -- except where every server must run
(``WSGI_NG_REQUIRE_SERVERS=1``, CI), where that is a failure.
"""
from __future__ import print_function

import argparse
import difflib
import io
import os
import sys

from compat_matrix import render, results
from compat_matrix.hostgate import required

DOCS = os.path.join(results.ROOT, "docs", "shims.rst")
OUTPUTS = {"MATRIX.md": render.markdown, "matrix.html": render.page}


def read(path):
    with io.open(path, encoding="utf-8") as handle:
        return handle.read()


def gather(folder, settle=True):
    """Every Python's results: fresh where there are, else committed;
    and the keys that had no fresh ones.  With *settle*, a fresh cell
    whose verdict and wire are the committed one's keeps the committed
    log lines (see ``settled``)."""
    committed = results.read_all(results.COMMITTED)
    fresh = results.read_all(folder)
    if settle:
        fresh = dict((key, settled(committed.get(key), data))
                     for key, data in fresh.items())
    merged = dict(committed, **fresh)
    return merged, sorted(set(committed) - set(fresh))


def settled(committed, fresh):
    """*fresh* (one Python's results) with the committed evidence kept
    where what a host did is unchanged: the lines a server logs vary with
    timing (a warning about a client that left first), and only a change
    in a verdict or on the wire is a change in the host.  A host's own
    lines are kept while all its cells are."""
    if committed is None:
        return fresh
    hosts = {}
    for name, host in fresh["hosts"].items():
        before = committed["hosts"].get(name)
        if before is None:
            hosts[name] = host
            continue
        cells, same = {}, True
        for scenario, cell in host["scenarios"].items():
            old = before["scenarios"].get(scenario)
            if old is not None and all(old.get(part) == cell.get(part) for
                                       part in ("outcome", "how", "wire", "facts")):
                cells[scenario] = old
            else:
                cells[scenario], same = cell, False
        hosts[name] = dict(host, scenarios=cells,
                           log=before["log"] if same else host["log"])
    return dict(fresh, hosts=hosts)


def expected_files(merged):
    """``{path: text}`` of every file the matrix owns."""
    files = dict((os.path.join(results.HERE, name), make(merged))
                 for name, make in OUTPUTS.items())
    files[DOCS] = render.replace_tables(read(DOCS), render.shims_tables(merged))
    for key, data in merged.items():
        files[results.path(results.COMMITTED, key)] = results.dumps(data)
    return files


def differences(files):
    """Unified diffs (the first lines of each) of the files that differ."""
    found = []
    for path, text in sorted(files.items()):
        current = read(path) if os.path.exists(path) else u""
        if current != text:
            diff = list(difflib.unified_diff(
                current.splitlines(), text.splitlines(), "committed " + path,
                "fresh " + path, lineterm="", n=1))
            more = ["..."] if len(diff) > 40 else []
            found.append("\n".join(diff[:40] + more))
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m compat_matrix")
    parser.add_argument("--results", default=results.fresh_folder(),
                        help="the fresh results (default %(default)s)")
    parser.add_argument("--write", action="store_true",
                        help="write the outputs and the results")
    args = parser.parse_args(argv)
    merged, stale = gather(args.results, settle=not args.write)
    if not merged:
        print("no results in %s: run the Pythons' tox environments first"
              % args.results, file=sys.stderr)
        return 2
    for key in stale:
        print("no fresh results for %s in %s: its committed ones are used"
              % (key, args.results), file=sys.stderr)
    if stale and required():
        return 1
    files = expected_files(merged)
    if args.write:
        for path, text in files.items():
            with io.open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
        print("wrote %d files" % len(files))
        return 0
    found = differences(files)
    for diff in found:
        print(diff)
    if found:
        print("\nThe committed matrix differs from this run (%d files): if "
              "the change is right, tox -e matrix -- --write and commit."
              % len(found), file=sys.stderr)
        return 1
    print("the committed matrix is this run's (%d files)" % len(files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
