"""docs/shims.rst's host table says what the host tests assert."""
import io
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "hosts"))

from facts import ALL, H2_HOSTS, NO_CHUNKED, TAKEOVER  # noqa: E402


def table_rows(number):
    """The rows of the *number*-th table under "What each server gives",
    by server name."""
    with io.open(os.path.join(HERE, os.pardir, "docs", "shims.rst"),
                 encoding="utf-8") as handle:
        text = handle.read()
    lines = text[text.index("What each server gives"):].splitlines()[3:]
    borders = [i for i, line in enumerate(lines) if line.startswith("====")]
    rows = {}
    for line in lines[borders[3 * number + 1] + 1:borders[3 * number + 2]]:
        cells = [cell.strip() for cell in line.split("  ") if cell.strip()]
        rows[cells[0]] = cells[1:]
    return rows


def test_every_tested_http2_server_has_a_true_row():
    rows = table_rows(1)
    for name, facts in H2_HOSTS.items():
        features, push, trailers, unsized = rows[name]
        assert features == (" ".join(facts["features"]) or "none"), name
        expected = "103" if "early_hints" in facts["features"] else (
            "Link header, pushed" if facts["pushes_links"] else "Link header")
        assert push == expected, name
        assert trailers == ("yes" if "trailers" in facts["features"]
                            else "dropped"), name
        assert unsized == ("yes" if facts["unsized_body"] else "411"), name
    assert sorted(rows) == sorted(H2_HOSTS)


def test_every_tested_server_has_a_true_row():
    rows = table_rows(0)
    column = 0 if sys.version_info >= (3, 7) else 1
    for name in ALL:
        websocket, push, chunked = rows[name][column], rows[name][2], rows[name][3]
        if name == "eventlet" and column == 0:
            assert websocket == "eventlet 0.41+"
        else:
            assert websocket == ("yes" if name in TAKEOVER else "no"), name
        assert push == ("103 (gunicorn 25+)" if name.startswith("gunicorn")
                        else "Link header"), name
        assert chunked == ("411" if name in NO_CHUNKED else "yes"), name
    assert sorted(rows) == sorted(ALL)


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
