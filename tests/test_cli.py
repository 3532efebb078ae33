"""The ``wsgi-ng`` command."""
import io
import sys

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
