"""The pytest plugin, used the way a user's suite would: in a real pytest run."""
import sys
import textwrap

from process import run_bounded

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
