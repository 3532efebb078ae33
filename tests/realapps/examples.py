"""The repository's example apps, and a project made by ``django-admin
startproject`` with the Django adapter added the way ``docs/django.rst``
tells a user to (its code blocks copied in, as a reader does), ready to
serve; and what a test does with their WebSockets.
"""
import io
import json
import os
import re
import ssl
import sys

from process import run_bounded
from realapps.gate import require_program
from realapps.projects import start_django_project

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                    os.pardir)
EXAMPLES = os.path.join(ROOT, "examples")
WAIT = 10.0  # bound on every WebSocket wait


class DjangoExample(object):
    """``examples/django_project``, its database migrated in *folder* with
    a superuser who can log in to the admin and the chat."""

    path = os.path.join(EXAMPLES, "django_project")
    wsgi_app = "mysite.wsgi:application"
    username = "gracehopper"
    password = "cobol-compiler-1952"
    socket = "/chat/socket"

    def __init__(self, folder):
        self.database = os.path.join(folder, "db.sqlite3")
        manage = [sys.executable, "manage.py"]
        self._run(manage + ["migrate", "--noinput"])
        self._run(manage + ["shell", "-c", (
            "from django.contrib.auth.models import User; "
            "User.objects.create_superuser(%r, 'grace@example.com', %r)")
            % (self.username, self.password)])

    def _run(self, argv):
        code, output = run_bounded(argv, cwd=self.path,
                                   env=dict(os.environ, **self.environment(False)))
        assert code == 0, "%s failed:\n%s" % (" ".join(argv), output)

    def environment(self, https):
        return {"MYSITE_DATABASE": self.database,
                "MYSITE_HTTPS": "1" if https else "0"}


class PyramidExample(object):
    """``examples/pyramid_app``: the guestbook and its one user."""

    path = os.path.join(EXAMPLES, "pyramid_app")
    wsgi_app = "guestbook:app"
    username = "ada"
    password = "analytical-engine-1843"
    socket = "/live"

    def environment(self, https):
        return {"GUESTBOOK_HTTPS": "1" if https else "0"}


def docs_block(document, caption):
    """The code block of ``docs/DOCUMENT`` with that *caption*."""
    with io.open(os.path.join(ROOT, "docs", document), encoding="utf-8") as doc:
        text = doc.read()
    found = re.search(r"^\.\. code-block:: python\n   :caption: %s\n\n"
                      r"((?:   .*\n|\n)+)" % re.escape(caption), text, re.M)
    assert found, "no %r block in docs/%s" % (caption, document)
    return re.sub(r"^   ", "", found.group(1), flags=re.M)


def start_adapted_project(folder):
    """``django-admin startproject`` in *folder*, migrated, with a
    superuser, then changed as docs/django.rst and docs/deploy.rst say:
    the WebSocket view and its URL, the middleware, WhiteNoise and
    collectstatic, the deployment settings, the ``wsgi.py`` for every
    server."""
    import django
    project = start_django_project(folder)
    project.socket = "/ws/whoami/"
    package = os.path.join(project.path, project.name)
    write(os.path.join(package, "views.py"),
          docs_block("django.rst", "mysite/views.py"))
    urls = docs_block("django.rst", "mysite/urls.py (added at the end)")
    if django.VERSION < (2, 0):
        urls = urls.replace("from django.urls import path",
                            "from django.conf.urls import url as path")
    static = docs_block("deploy.rst", "mysite/settings.py (static files)")
    if django.VERSION < (3, 1):  # BASE_DIR was a str
        static = static.replace('BASE_DIR / "staticfiles"',
                                'os.path.join(BASE_DIR, "staticfiles")')
    append(os.path.join(package, "urls.py"), urls)
    write(os.path.join(package, "wsgi.py"),
          docs_block("deploy.rst", "mysite/wsgi.py"))
    append(os.path.join(package, "settings.py"), "".join([
        docs_block("django.rst", "mysite/settings.py (added at the end)"),
        static, docs_block("deploy.rst", "mysite/settings.py (deployment)")]))
    project.manage("collectstatic", "--noinput")
    return project


def write(path, text):
    with io.open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    forget_bytecode(path)


def append(path, text):
    with io.open(path, "a", encoding="utf-8") as handle:
        handle.write(u"\n" + text)
    forget_bytecode(path)


def forget_bytecode(path):
    """Remove what Python 2.7 compiled of the module at *path*: it trusts a
    ``.pyc`` that records the source's time in whole seconds, and on a fast
    machine ``startproject``, ``migrate`` and the change of ``settings.py``
    fall in one second -- collectstatic then read the settings without
    ``STATIC_ROOT`` (a CI run; 4 tries in 6 here).  Python 3 records the
    size as well."""
    try:
        os.remove(path + "c")
    except OSError:  # none (Python 3, or not imported yet)
        pass


def open_websocket(server, path, cookies, origin=None):
    """A websocket-client connection (HTTP/1.1, over TLS for an https
    server) to *path* with the browser's *cookies* (``{name: Cookie}``)."""
    import websocket
    url = server.base.replace("http", "ws", 1) + path
    options = {"sslopt": {"cert_reqs": ssl.CERT_NONE}} if (
        server.scheme == "https") else {}
    return websocket.create_connection(
        url, timeout=WAIT, origin=origin or server.base,
        cookie=cookie_header(cookies),
        **options)


def refusal(server, path, cookies, origin):
    """The status a handshake for *path* gets over HTTP/1.1 (sent by curl,
    with *cookies* and *origin*) when it is refused."""
    code, output = run_bounded([
        require_program("curl"), "--silent", "--show-error", "--http1.1",
        "--insecure", "--max-time", str(WAIT), "--output", os.devnull,
        "--write-out", "%{http_code}", "--header", "Origin: " + origin,
        "--header", "Cookie: " + cookie_header(cookies),
        "--header", "Upgrade: websocket", "--header", "Connection: Upgrade",
        "--header", "Sec-WebSocket-Version: 13",
        "--header", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        server.base + path], seconds=WAIT + 5)
    assert code == 0, output
    return int(output)


def cookie_header(cookies):
    return "; ".join("%s=%s" % (name, cookie.value)
                     for name, cookie in sorted(cookies.items()))


def first_message(tab, url):
    """Open a WebSocket to *url* in the page of *tab* (headless Chromium)
    and return its first message, or how it failed."""
    return tab.command("Runtime.evaluate", awaitPromise=True,
                       returnByValue=True, expression=FIRST_MESSAGE % (
                           json.dumps(url), WAIT * 1000))["result"]["value"]


FIRST_MESSAGE = """new Promise(function (resolve) {
  var ws = new WebSocket(%s);
  ws.onmessage = function (event) { resolve(event.data); ws.close(); };
  ws.onclose = function (event) { resolve("closed " + event.code); };
  setTimeout(function () { resolve("no message"); }, %d);
})"""


def text_once_it_says(tab, selector, words):
    """The text of *selector* in *tab* once it contains *words* (or after
    WAIT seconds, whatever it says then)."""
    return tab.command("Runtime.evaluate", awaitPromise=True,
                       returnByValue=True, expression=ONCE_IT_SAYS % (
                           json.dumps(selector), json.dumps(words),
                           WAIT * 1000))["result"]["value"]


ONCE_IT_SAYS = """new Promise(function (resolve) {
  var element = document.querySelector(%s), words = %s;
  function check() {
    if (element.textContent.indexOf(words) >= 0) { resolve(element.textContent); }
  }
  new MutationObserver(check).observe(element, {childList: true,
      subtree: true, characterData: true});
  check();
  setTimeout(function () { resolve(element.textContent); }, %d);
})"""
