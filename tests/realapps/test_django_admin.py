"""A project made by ``django-admin startproject``, migrated, with a
superuser, served by ``wsgi-ng serve`` and by gunicorn with the worker
class: its admin login (CSRF token, session cookie) works with curl over
HTTP/1.1, h2c and TLS HTTP/2, and in headless Chromium."""
import socket

import pytest

from h2client import H2Client
from realapps import logins, ocr
from realapps.chromium import Chromium
from realapps.curl import PROTOCOLS, Curl
from realapps.hosts import HOSTS


@pytest.mark.parametrize("protocol", list(PROTOCOLS))
@pytest.mark.parametrize("host", HOSTS)
def test_admin_login_with_curl(django_project, serve, host, protocol, tmpdir):
    server = serve(django_project, host, tls=PROTOCOLS[protocol].tls)
    visit = Curl(str(tmpdir), protocol)
    admin = logins.django_admin(visit, server.base, django_project)
    assert (admin.status, admin.url) == (200, server.base + "/admin/"), \
        admin.text
    assert "<strong>%s</strong>" % django_project.username in admin.text
    assert [head.status for head in admin.heads] == [302, 200]  # POST, GET
    assert visit.versions() == set([PROTOCOLS[protocol].version])
    cookies = visit.cookies()
    assert set(["csrftoken", "sessionid"]) <= set(cookies)
    assert cookies["sessionid"].secure == PROTOCOLS[protocol].tls
    assert visit.malformed() == []
    assert "Traceback" not in serve.output()


def test_the_login_page_ends_its_stream_with_its_body(django_project, serve):
    """Django's response body is an iterable of its own, not a list: the
    block that completes its Content-Length still carries END_STREAM, one
    DATA frame for the page and not an empty one after it (h2c)."""
    server = serve(django_project, "wsgi-ng")
    h2 = H2Client(socket.create_connection(("127.0.0.1", server.port), 10),
                  "127.0.0.1:%d" % server.port)
    page = h2.get("/admin/login/")
    h2.close()
    assert page.status == 200 and b"csrfmiddlewaretoken" in page.body
    assert page.header("content-length") == str(len(page.body))
    assert len(page.data) == 1 and page.ended


def test_admin_login_in_chromium(django_project, serve, tmpdir):
    """A person logs in with headless Chromium over HTTPS (HTTP/2 by ALPN):
    types into the real form, clicks "Log in", and sees their name on the
    admin page -- read back from the screenshot by OCR, and from the DOM."""
    server = serve(django_project, "wsgi-ng", tls=True)
    profile = str(tmpdir.mkdir("profile"))
    with Chromium(profile, ignore_certificate_errors=True) as browser:
        tab = browser.new_tab()
        tab.loading(tab.navigate, server.base + "/admin/")
        login_url = tab.evaluate("location.href")
        tab.type_into("#id_username", django_project.username)
        tab.type_into("#id_password", django_project.password)
        tab.loading(tab.click, "#login-form [type=submit]")
        admin_url = tab.evaluate("location.href")
        text = tab.evaluate("document.body.innerText")
        cookies = tab.command("Network.getCookies")["cookies"]
        screenshot = tab.screenshot(str(tmpdir.join("admin.png")))
        responses = tab.responses()
    assert login_url == server.base + "/admin/login/?next=/admin/"
    assert admin_url == server.base + "/admin/", text
    assert django_project.username in text.lower()  # CSS may upper-case it
    seen = ocr.words(screenshot)
    assert django_project.username in seen, (
        "the screenshot (kept: %s) shows %s" % (screenshot, " ".join(seen)))
    documents = [(response["url"], response["status"], response["protocol"])
                 for response in responses if response["type"] == "Document"]
    assert documents == [(login_url, 200, "h2"), (admin_url, 200, "h2")]
    assert set(response["protocol"] for response in responses) == set(["h2"])
    assert [cookie["secure"] for cookie in cookies
            if cookie["name"] == "sessionid"] == [True]
    assert "Traceback" not in serve.output()
