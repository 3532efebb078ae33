"""``wsgi-ng check`` run as a user runs it, on real hosts: on apps with
the flaws real projects have it shows each difference and the shim that
fixes it; on the example Flask and Django apps its verdicts agree with the
compatibility matrix's for the same hosts.  Heavy (a server start per
host per run): on the Pythons where tox sets WSGI_NG_REAL_APPS; the
mistakes, which start no server, everywhere."""
import json
import os
import re
import sys

import pytest

from process import run_bounded
from realapps import gate
from servers import require

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, os.pardir, os.pardir)
HOSTS = ["gunicorn-sync", "reference-h1", "reference-h2c", "waitress"]


def check(folder, app, hosts, *arguments):
    """``wsgi-ng check`` in *folder*: exit status, the report's rows of
    differences and degradations ``{(request, host): (verdict, what,
    fix)}``, the grid ``{request: [marks]}``, and all it printed."""
    gate.skip_unless_enabled()
    for host in hosts:
        require(host)
    argv = [sys.executable, "-m", "wsgi_ng", "check", app] + [
        word for host in hosts for word in ("--host", host)] + list(arguments)
    code, output = run_bounded(argv, seconds=300, cwd=folder)
    lines = output.splitlines()
    rows = {}
    if "Differences and degradations:" in lines:
        start = lines.index("Differences and degradations:") + 2
        for line in lines[start:]:
            cells = re.split(r"  +", line.strip())
            if len(cells) != 5:
                break
            rows[(cells[0], cells[1])] = tuple(cells[2:])
    grid = {}
    head = [i for i, line in enumerate(lines) if line.startswith("request  ")][0]
    for line in lines[head + 1:]:
        if not line.strip():
            break
        cells = re.split(r"  +", line.strip())
        grid[cells[0]] = cells[1:]
    return code, rows, grid, output


def test_broken_apps_show_each_difference_and_the_shim_that_fixes_it(tmpdir):
    report = str(tmpdir.join("report.html"))
    code, rows, grid, output = check(
        HERE, "broken_apps:application", HOSTS, "--requests", "broken.requests",
        "--html", report)
    assert code == 1, output
    from_wsgi = "from_wsgi (wsgi-ng serve applies it to a plain WSGI app " \
        "unless told --ng)"
    # depends on CONTENT_LENGTH: a body without one is lost
    lost = ("different", "the body was 'got 0 bytes', not 'got 11 bytes'")
    assert rows[("POST /echo (no length)", "gunicorn-sync")] == lost + (
        "to_wsgi(from_wsgi(app))",)
    assert rows[("POST /echo (no length)", "reference-h2c")] == lost + (
        from_wsgi,)
    # Connection: close -- HTTP/2 forbids it, waitress refuses it
    assert rows[("GET /close", "reference-h2c")] == (
        "different", "answered 500, not the 200 expected", from_wsgi)
    assert rows[("GET /close", "waitress")] == (
        "different", "answered 500, not the 200 expected", "to_wsgi")
    # Set-Cookie with a leading space, as Django writes it
    verdict, what, fix = rows[("GET /cookie", "waitress")]
    assert (verdict, fix) == ("different", "to_wsgi")
    assert "Set-Cookie went out with whitespace around its value" in what
    # takes the socket over: only where one is handed to it
    assert rows[("GET /ws (WebSocket)", "reference-h1")] == (
        "degraded", "no WebSocket here: the app's fallback answered 426",
        from_wsgi)
    assert rows[("GET /ws (WebSocket)", "waitress")][2] == "-"
    assert grid["GET /ws (WebSocket)"][0] == "="  # gunicorn's own socket
    assert grid["POST /echo (11 bytes)"] == ["="] * len(HOSTS)
    with open(report) as page:
        assert "broken_apps:application" in page.read()


def test_on_an_asgi_server_the_fix_is_to_asgi_of_from_wsgi(tmpdir):
    """to_asgi contains nothing by itself: the body without a length is
    lost there as on a WSGI server, and the fix is said as deployed."""
    requests = tmpdir.join("echo.requests")
    requests.write("POST /echo  200  body=hello%20world\n")
    code, rows, grid, output = check(
        HERE, "broken_apps:application", ["reference-h1", "uvicorn"],
        "--requests", str(requests))
    assert code == 1, output
    assert rows[("POST /echo (no length)", "uvicorn")] == (
        "different", "the body was 'got 0 bytes', not 'got 11 bytes'",
        "to_asgi(from_wsgi(app))")
    assert grid["POST /echo (11 bytes)"] == ["=", "="]


def committed_cells(scenario):
    """``{host: outcome}`` of *scenario* in the matrix's committed results
    for this Python."""
    from compat_matrix import results
    from compat_matrix.runner import python_key
    found = results.read(results.COMMITTED, python_key())
    if found is None:
        pytest.skip("no committed matrix results for %s" % python_key())
    return dict((host, data["scenarios"][scenario]["outcome"])
                for host, data in found["hosts"].items())


def agreed(row_of, matrix, hosts):
    """Each host's verdict, as the matrix would say it: ``full`` where the
    reply was the baseline's (or a shim made it so), else ``unavailable``."""
    said = {}
    for host in hosts:
        row = row_of(host)
        fixed = row is None or not (row[2] in ("-", "no shim fixes it") or
                                    " makes it degraded: " in row[2])
        said[host] = "full" if fixed else "unavailable"
    return said, dict((host, matrix[host]) for host in hosts)


FLASK = os.path.join(ROOT, "examples", "flask_chat")
DJANGO = os.path.join(ROOT, "examples", "django_project")


def test_the_flask_example_agrees_with_the_matrix():
    """flask_chat's WebSocket room (wsgi_ng.adapters.flask.Sock) on each
    host, against the matrix's WebSocket echo: a WebSocket where the
    matrix has one (the chat's Sock takes gunicorn's own socket: nothing to
    add there), the app's 426 where not."""
    hosts = ["reference-h1", "gunicorn-gthread", "waitress", "reference-h2c"]
    code, rows, grid, output = check(FLASK, "flaskchat:app", hosts,
                                     "--request", "GET /ws websocket",
                                     "--request", "GET /login 200")
    said, matrix = agreed(lambda host: rows.get(("GET /ws (WebSocket)", host)),
                          committed_cells("websocket-echo"), hosts)
    assert said == matrix, output
    assert grid["GET /ws (WebSocket)"] == ["=", "=", "~", "="], output
    assert rows[("GET /ws (WebSocket)", "waitress")] == (
        "degraded", "no WebSocket here: the app's fallback answered 426", "-")
    assert grid["GET /login"] == ["="] * len(hosts), output


def test_the_django_example_agrees_with_the_matrix(tmpdir):
    """The Django example's upload view, a body without a length, against
    the matrix's legacy app contained with from_wsgi: read where the matrix
    says so (through a shim where the app alone reads nothing), a 411
    where the server cannot read such a body."""
    hosts = ["reference-h1", "gunicorn-gthread", "waitress", "wsgiref",
             "reference-h2c"]
    os.environ["MYSITE_DATABASE"] = str(tmpdir.join("db.sqlite3"))
    code, rows, grid, output = check(
        DJANGO, "mysite.wsgi:application", hosts, "--request",
        "POST /upload 200 body=hello")
    said, matrix = agreed(lambda host: rows.get(("POST /upload (no length)",
                                                 host)),
                          committed_cells("from-wsgi"), hosts)
    assert said == matrix, output
    # as given, Django reads nothing; through the shims, an honest 411
    assert rows[("POST /upload (no length)", "wsgiref")][2] == (
        "to_wsgi makes it degraded: 411: this host cannot read a body "
        "without a length")
    assert grid["POST /upload (no length)"] == [
        "X fixed", "X fixed", "=", "X to ~", "X fixed"], output
    assert json.loads(json.dumps(grid))["POST /upload (5 bytes)"] == [
        "="] * len(hosts)


@pytest.mark.parametrize("arguments, says", [
    (["nosuchmodule:app"], "cannot import 'nosuchmodule'"),
    (["broken_apps:application", "--host", "nginx"], "there is no host 'nginx'"),
    (["broken_apps:application", "--requests", "missing.txt"],
     "--requests missing.txt: there is no such file"),
    (["broken_apps:application", "--request", "GET"],
     "is not a request: write METHOD PATH"),
])
def test_mistakes_get_one_line(arguments, says):
    code, output = run_bounded([sys.executable, "-m", "wsgi_ng", "check"] +
                               arguments, cwd=HERE)
    assert code == 2 and says in output, output
    assert len(output.strip().splitlines()) == 1, output
