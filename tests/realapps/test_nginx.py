"""docs/deploy.rst's nginx configuration, in a real nginx in front of
``wsgi-ng serve`` with the example Django project: a user logs in to the
admin through nginx, gets the chat page and the 103 Early Hints before
it, and the chat's WebSocket through nginx knows them."""
import io
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile

import pytest

from process import inheriting, listening_socket, wait_bounded
from realapps import logins
from realapps.curl import Curl
from realapps.examples import DjangoExample, ROOT, open_websocket
from realapps.gate import require_program

WAIT = 10.0

#: what the site configuration of the docs needs around it: nginx.conf
#: with everything in the test's folder
MAIN = u"""daemon off;
worker_processes 1;
pid %(folder)s/nginx.pid;
error_log stderr warn;
%(user)s
events { worker_connections 64; }
http {
    access_log %(folder)s/access.log;
    client_body_temp_path %(folder)s/client_body;
    proxy_temp_path %(folder)s/proxy;
    fastcgi_temp_path %(folder)s/fastcgi;
    uwsgi_temp_path %(folder)s/uwsgi;
    scgi_temp_path %(folder)s/scgi;
    include %(folder)s/site.conf;
}
"""


def site_configuration():
    """The nginx block of docs/deploy.rst."""
    with io.open(os.path.join(ROOT, "docs", "deploy.rst"),
                 encoding="utf-8") as doc:
        text = doc.read()
    block = re.search(r"^\.\. code-block:: nginx\n   :caption: .*\n\n"
                      r"((?:   .*\n|\n)+)", text, re.M).group(1)
    return re.sub(r"^   ", "", block, flags=re.M)


class Nginx(object):
    """nginx with the docs' site configuration, proxying to *upstream*
    (``127.0.0.1:PORT``), on a socket bound here and handed to it the way
    nginx hands its sockets to a new binary (the ``NGINX`` variable)."""

    scheme = "http"

    def __init__(self, upstream):
        program = require_program("nginx", "nginx-light")
        self.folder = tempfile.mkdtemp(prefix="wsgi-ng-nginx-")
        listener = listening_socket()
        self.port = listener.getsockname()[1]
        self.base = "http://127.0.0.1:%d" % self.port
        site = site_configuration().replace(
            u"listen 80;", u"listen 127.0.0.1:%d;" % self.port).replace(
            u"127.0.0.1:8000", upstream)
        self._write("site.conf", site)
        self._write("nginx.conf", MAIN % {
            "folder": self.folder,
            # as root the workers would be "nobody", who cannot write here
            "user": u"user root;" if os.geteuid() == 0 else u""})
        self.log = tempfile.TemporaryFile()
        fd = listener.fileno()
        self.process = subprocess.Popen(
            [program, "-p", self.folder, "-c", self.folder + "/nginx.conf",
             "-e", "stderr"], stdout=self.log, stderr=subprocess.STDOUT,
            env=dict(os.environ, NGINX="%d;" % fd), **inheriting(fd))
        listener.close()

    def _write(self, name, text):
        with io.open(os.path.join(self.folder, name), "w",
                     encoding="utf-8") as handle:
            handle.write(text)

    def stop(self):
        """Stop gracefully; returns what nginx printed."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            wait_bounded(self.process, WAIT)
        self.log.seek(0)
        output = self.log.read().decode("utf-8", "replace")
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)
        return output


@pytest.fixture(scope="module")
def example(tmpdir_factory):
    pytest.importorskip("django", reason="pip install django")
    return DjangoExample(str(tmpdir_factory.mktemp("example")))


def test_the_docs_nginx_in_front_of_wsgi_ng_serve(example, serve, tmpdir):
    server = serve(example, "wsgi-ng")
    nginx = Nginx("127.0.0.1:%d" % server.port)
    try:
        visit = Curl(str(tmpdir), "http/1.1")
        admin = logins.django_admin(visit, nginx.base, example)
        room = visit.get(nginx.base + "/")
        ws = open_websocket(nginx, "/chat/socket", visit.cookies())
        try:
            hello = json.loads(ws.recv())
        finally:
            ws.close()
    finally:
        printed = nginx.stop()
    assert admin.status == 200 and example.username in admin.text
    assert room.status == 200 and "Live messages" in room.text
    assert [head.status for head in visit.heads][-2:] == [103, 200]
    assert hello == {"hello": example.username}
    # nginx spoke HTTP/1.1 upstream and upgraded the connection
    log = serve.logged('"GET /chat/socket HTTP/1.1" 101')
    assert '"GET /chat/socket HTTP/1.1" 101' in log, log
    assert "Traceback" not in log and "[emerg]" not in printed, printed
