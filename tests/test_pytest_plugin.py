"""The pytest plugin, used the way a user's suite would: in a real pytest run."""
import subprocess
import sys
import textwrap
import threading

USER_TESTS = textwrap.dedent('''
    import pytest
    from wsgi_ng.demo import app

    @pytest.fixture
    def ng_app():
        return app

    def test_full(ng_client):
        assert ng_client.get("/").push_results == {"/app.css": "push"}

    def test_every_host(ng_any_client):
        response = ng_any_client.get("/")
        assert response.status == "200 OK"
        assert response.push_results["/app.css"] in ("push", "early_hint", "link")

    def test_lint_is_on(ng_client):
        ng_client.app.app = lambda e, s: [b"body before start_response"]
        with pytest.raises(AssertionError):
            ng_client.get("/")
''')


def run_pytest(folder):
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         str(folder)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    killer = threading.Timer(120, process.kill)  # bounded: never hang CI
    killer.start()
    try:
        output = process.communicate()[0].decode("utf-8", "replace")
    finally:
        killer.cancel()
    return process.returncode, output


def test_fixtures_are_autoloaded_and_run_every_profile(installed_metadata, tmpdir):
    tmpdir.join("test_user_app.py").write(USER_TESTS)
    code, output = run_pytest(tmpdir)
    assert code == 0, output
    assert "6 passed" in output, output  # 1 + 4 profiles + 1
