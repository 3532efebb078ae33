"""The ``wsgi-ng`` command."""
import io
import socket
import subprocess
import sys

import pytest

from process import run_bounded
from wsgi_ng.cli import main, run_demo


def test_demo_shows_full_and_degraded_hosts():
    out = io.StringIO() if str is not bytes else io.BytesIO()
    run_demo(out)
    text = out.getvalue()
    assert "simulated hosts, in this process" in text
    assert "h2-push      HTTP/2 with a client that accepts pushes" in text
    assert "[h2-push] GET / -> 200 OK, /app.css delivered as 'push'" in text
    assert "[h2] GET / -> 200 OK, /app.css delivered as 'early_hint'" in text
    assert "[h1-degraded] GET / -> 200 OK, /app.css delivered as 'link'" in text
    assert "Link: </app.css>; rel=preload; as=style" in text
    assert "[plain]" in text and "WebSocket denied: 426 Upgrade Required" in text
    assert text.count("WebSocket echo:") == 4


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out


def test_python_dash_m_runs_the_demo():
    code, output = run_bounded([sys.executable, "-m", "wsgi_ng", "demo",
                                "--report-only"])
    assert code == 0, output
    assert "[h2-push] GET / -> 200 OK, /app.css delivered as 'push'" in output


def wsgi_ng(*args, **kwargs):
    """``python -m wsgi_ng ARGS``: (exit code, output)."""
    return run_bounded([sys.executable, "-m", "wsgi_ng"] + list(args),
                       seconds=60, **kwargs)


def one_line_error(code, output):
    lines = output.strip().splitlines()
    assert code == 2 and len(lines) == 1, output
    assert lines[0].startswith("wsgi-ng: ") and "Traceback" not in output
    return lines[0]


@pytest.fixture
def project(tmpdir):
    """A directory with a working app, a broken one and a key file."""
    tmpdir.join("good.py").write("def application(environ, start_response):\n"
                                 "    return []\nnot_callable = 42\n")
    tmpdir.join("broken.py").write("import os\nanswer = undefined_name\n")
    return tmpdir


@pytest.mark.parametrize("args, words", [
    (["serve", "nosuchmodule"], "cannot import 'nosuchmodule': there is no "
                                "such module here"),
    (["serve", "broken"], "NameError"),
    (["serve", "good:app"], "'good' has no attribute 'app'"),
    (["serve", "good:not_callable"], "is a int, not a WSGI application"),
    (["serve", "good:application", "--bind", "localhost"], "needs a port"),
    (["serve", "good:application", "--bind", "127.0.0.1:70000"],
     "a port is 0 to 65535"),
    (["serve", "good:application", "--keyfile", "key.pem"],
     "--keyfile needs --certfile"),
    (["serve", "good:application", "--certfile", "missing.pem"],
     "cannot read the certificate missing.pem: no such file"),
])
def test_command_line_mistakes_get_one_line(project, args, words):
    line = one_line_error(*wsgi_ng(*args, cwd=str(project)))
    assert words in line, line


def test_the_default_attribute_is_named_when_it_is_missing(project):
    project.join("noapp.py").write("app = None\n")
    line = one_line_error(*wsgi_ng("serve", "noapp", cwd=str(project)))
    assert "'application' (the default attribute)" in line


def test_a_broken_module_says_where_and_debug_shows_the_traceback(project):
    line = one_line_error(*wsgi_ng("serve", "broken", cwd=str(project)))
    assert "broken.py, line 2" in line and "--log-level debug" in line
    code, output = wsgi_ng("serve", "broken", "--log-level", "debug",
                           cwd=str(project))
    assert code == 2 and "Traceback" in output


def test_a_port_in_use_is_one_line(project):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    bind = "127.0.0.1:%d" % taken.getsockname()[1]
    try:
        line = one_line_error(*wsgi_ng("serve", "good:application", "--bind",
                                       bind, cwd=str(project)))
    finally:
        taken.close()
    assert "%s is in use" % bind in line


def test_a_key_that_is_not_a_certificate_is_one_line(project):
    if subprocess.call(["which", "openssl"], stdout=subprocess.PIPE) != 0:
        pytest.skip("openssl is not installed: apt-get install openssl")
    key = str(project.join("key.pem"))
    assert run_bounded(["openssl", "genrsa", "-out", key, "2048"])[0] == 0
    line = one_line_error(*wsgi_ng("serve", "good:application", "--certfile",
                                   key, cwd=str(project)))
    assert "certificate %s and key %s do not go together" % (key, key) in line


def test_version():
    code, output = wsgi_ng("--version")
    assert code == 0 and output.startswith("wsgi-ng 0.")
