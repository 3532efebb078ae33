"""curl used the way a browser is: one cookie jar for a visit, redirects
followed, ``Origin`` and ``Referer`` on a form post -- and every response
head it received kept, so a test can assert the protocol really used and
that each field came over the wire as the protocol allows.

Each request is one curl run, on a connection of its own: curl 7.88
(Debian 12's) fails a reused prior-knowledge HTTP/2 connection with
"Error in the HTTP2 framing layer" before sending anything (curl#10634,
fixed in 8.0), so redirects are followed here, not with ``--location``.
"""
import collections
import os

from six.moves.urllib.parse import urlencode, urljoin, urlsplit

from process import run_bounded
from realapps.gate import require_program

WAIT = 30  # seconds one curl run may take (a cold Django import included)

Protocol = collections.namedtuple("Protocol", "options version tls")
Cookie = collections.namedtuple("Cookie", "value secure")

#: how curl is told to speak each protocol, and the version it then reports
PROTOCOLS = collections.OrderedDict([
    ("http/1.1", Protocol(["--http1.1"], "1.1", False)),
    ("h2c", Protocol(["--http2-prior-knowledge"], "2", False)),
    # HTTP/2 chosen by ALPN; -k accepts the self-signed certificate
    ("h2-tls", Protocol(["--http2", "--insecure"], "2", True)),
])


class Head(object):
    """One response's status line and fields, as curl wrote them."""

    def __init__(self, lines):
        self.status_line = lines[0]
        self.version = lines[0].split(" ")[0].partition("/")[2]
        self.status = int(lines[0].split(" ")[1])
        # "name: value": curl writes one space after the colon (HTTP/2:
        # exactly one; HTTP/1.1: the bytes that came)
        self.fields = [tuple(line.split(":", 1)) for line in lines[1:]]

    def __repr__(self):
        return "<%s>" % self.status_line

    def field(self, name):
        """The value of the field *name* (any case), without the space
        curl puts after the colon."""
        for key, value in self.fields:
            if key.lower() == name:
                return value[1:]
        raise AssertionError("no %s field in %s" % (name, self.fields))

    def malformed(self):
        """Fields an HTTP/2 response must not carry: a value with leading
        or trailing whitespace (RFC 9113 section 8.2.1), or an uppercase
        name (section 8.2).  HTTP/1.1 allows optional whitespace."""
        if self.version != "2":
            return []
        return [(name, value) for name, value in self.fields
                if value[1:] != value[1:].strip(" \t") or name != name.lower()]


class Page(object):
    """Where a request ended after redirects, and what it showed."""

    def __init__(self, url, heads, text):
        self.url = url
        self.heads = heads  # the responses on the way, redirects first
        self.status = heads[-1].status
        self.text = text


REDIRECTS = (301, 302, 303, 307, 308)


class Curl(object):
    """A visit to a site with *protocol* (a key of ``PROTOCOLS``), keeping
    its files (cookie jar, heads, bodies) in *folder*."""

    def __init__(self, folder, protocol):
        self.program = require_program("curl")
        self.folder = folder
        self.protocol = PROTOCOLS[protocol]
        self.jar = os.path.join(folder, "cookies.txt")
        self.heads = []  # every response head of the visit, in order

    def get(self, url):
        return self._follow(url, [])

    def submit(self, form, page, **typed):
        """Post *form* (found on *page*) with the fields a person typed, and
        the ``Origin`` and ``Referer`` a browser sends with it."""
        assert form.method == "POST", form.method
        origin = "%s://%s" % urlsplit(page.url)[:2]
        return self._follow(form.action, [
            "--data-raw", urlencode(form.filled(**typed)),
            "--header", "Origin: " + origin, "--header", "Referer: " + page.url])

    def _follow(self, url, options, hops=5):
        """Request *url*, then follow redirects with GET as browsers do."""
        heads = []
        for _ in range(hops):
            head, text = self._fetch(url, options)
            heads.append(head)
            if head.status not in REDIRECTS:
                return Page(url, heads, text)
            url, options = urljoin(url, head.field("location")), []
        raise AssertionError("more than %d redirects: %s" % (hops, heads))

    def _fetch(self, url, options):
        """One request, one curl run: its response head and body."""
        heads = os.path.join(self.folder, "head")
        body = os.path.join(self.folder, "body")
        code, output = run_bounded(
            [self.program, "--silent", "--show-error", "--max-time", str(WAIT),
             "--cookie", self.jar, "--cookie-jar", self.jar,
             "--dump-header", heads, "--output", body,
             "--write-out", "%{http_version}"]
            + self.protocol.options + options + [url], seconds=WAIT + 10)
        assert code == 0, "curl %s failed (exit status %d): %s" % (
            url, code, output)
        with open(heads, "rb") as dumped:  # 103 Early Hints heads first
            received = [Head(block.split("\r\n")) for block in dumped.read()
                        .decode("latin-1").rstrip("\r\n").split("\r\n\r\n")]
        head = received[-1]
        assert head.version == output, (head, output)  # curl's own word
        self.heads.extend(received)
        with open(body, "rb") as page:
            return head, page.read().decode("utf-8", "replace")

    def versions(self):
        """The HTTP versions of all responses of the visit."""
        return set(head.version for head in self.heads)

    def malformed(self):
        """``(response, fields)`` for each response that carried fields its
        protocol forbids."""
        return [(head, head.malformed()) for head in self.heads
                if head.malformed()]

    def cookies(self):
        """The cookies in the jar, by name: ``Cookie(value, secure)``."""
        found = {}
        if not os.path.exists(self.jar):
            return found
        with open(self.jar) as jar:
            for line in jar:
                line = line.rstrip("\n")
                if line.startswith("#HttpOnly_"):  # a cookie, marked so
                    line = line[len("#HttpOnly_"):]
                elif line.startswith("#") or not line:
                    continue
                fields = line.split("\t")
                found[fields[5]] = Cookie(fields[6], fields[3] == "TRUE")
        return found
