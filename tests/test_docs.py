"""The docs say what the code does: docs/spec.rst lists every environ key
and feature name.  (docs/shims.rst's host tables are generated from the
compatibility matrix's results: test_compat_matrix.py checks them.)"""
import io
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def spec_table(title):
    """The first column of the table under the spec's section *title*."""
    with io.open(os.path.join(HERE, os.pardir, "docs", "spec.rst"),
                 encoding="utf-8") as handle:
        text = handle.read()
    lines = text[text.index("\n%s\n" % title):].splitlines()
    borders = [i for i, line in enumerate(lines) if line.startswith("====")]
    return set(line.split()[0].strip("`") for line in
               lines[borders[1] + 1:borders[2]] if line and not line[0].isspace())


def test_the_spec_lists_every_environ_key_and_feature():
    from wsgi_ng import keys
    names = set(value for name, value in vars(keys).items()
                if name.isupper() and isinstance(value, str))
    environ_keys = set(name for name in names if name.startswith(("ng.", "wsgi.")))
    assert spec_table("Environ keys") == environ_keys
    assert spec_table("Feature names") == set(keys.ALL_FEATURES)
