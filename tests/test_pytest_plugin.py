"""The pytest plugin, used the way a user's suite would: in a real pytest
run -- in process, and on live hosts (the ``ng_hosts`` marker)."""
import os
import re
import sys
import textwrap

from process import run_bounded
from realapps import gate
from servers import require

USER_TESTS = textwrap.dedent('''
    import pytest
    from wsgi_ng.demo import app

    @pytest.fixture
    def ng_app():
        return app

    def test_as_browsers_see_it(ng_client):
        assert ng_client.get("/").push_results == {"/app.css": "early_hint"}

    def test_every_host(ng_any_client):
        response = ng_any_client.get("/")
        assert response.status == "200 OK"
        assert response.push_results["/app.css"] in ("push", "early_hint", "link")

    def test_lint_is_on(ng_client):
        ng_client.app.app = lambda e, s: [b"body before start_response"]
        with pytest.raises(AssertionError):
            ng_client.get("/")
''')


def test_fixtures_are_autoloaded_and_run_every_profile(installed_metadata, tmpdir):
    tmpdir.join("test_user_app.py").write(USER_TESTS)
    code, output = run_bounded([sys.executable, "-m", "pytest", "-q", "-p",
                                "no:cacheprovider", str(tmpdir)])
    assert code == 0, output
    assert "7 passed" in output, output  # 1 + 5 profiles + 1


SAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                      "examples", "flask_chat")
HOSTS = ["reference-h1", "reference-h2", "gunicorn-gthread", "waitress"]


def test_a_projects_own_tests_run_on_live_hosts(installed_metadata, tmpdir):
    """The example Flask chat's own tests (examples/flask_chat/tests), run
    by pytest in its folder as its developers run them: once per host of
    their ng_hosts marker, each a real server."""
    gate.skip_unless_enabled()
    for host in HOSTS:
        require(host, [SAMPLE])
    settings = tmpdir.join("settings.py")
    settings.write("DATABASE = %r\n" % str(tmpdir.join("chat.sqlite")))
    code, output = run_bounded(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "-rs"],
        seconds=300, cwd=SAMPLE, env=dict(os.environ, CHAT_SETTINGS=str(settings)))
    assert code == 0, output
    passed = re.findall(r"::(\w+)\[([\w-]+)\] PASSED", output)
    for host in HOSTS:
        assert len([test for test, on in passed if on == host]) >= 4, output
    # where the host has no WebSocket, the test says so and skips
    assert "waitress offers no WebSocket: the room's 426" in output
    assert ("test_the_room_over_a_websocket", "reference-h2") in passed
