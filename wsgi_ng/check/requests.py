"""What ``wsgi-ng check`` plays: requests from the command line or a small
file, or found by crawling the app from its root.

One request a line, in both places::

    GET /
    GET /login            200
    POST /upload  200  body=hello%20world
    POST /upload  body@photo.jpg          # a file's bytes
    GET /ws  websocket                    # a WebSocket handshake, then a ping
    GET /api  header:Accept=application/json

A request with a body is played twice: with a ``Content-Length``, and
without one (chunked over HTTP/1.1; over HTTP/2 no length at all), as
clients and proxies send bodies today.
"""
import collections
import io
import os

from six.moves.html_parser import HTMLParser
from six.moves.urllib.parse import unquote_to_bytes, urljoin, urlsplit

from wsgi_ng.startup import UsageError


class Request(collections.namedtuple(
        "Request", "method path expected body unsized websocket headers")):
    """One request to play; ``expected`` is the status it must get (or
    None), ``unsized`` that its body goes without a length."""

    def label(self):
        words = [self.method, self.path]
        if self.websocket:
            words.append("(WebSocket)")
        elif self.body is not None:
            words.append("(no length)" if self.unsized else "(%d bytes)" % len(
                self.body))
        return " ".join(words)


def parse(line, where):
    """The requests one line stands for (two for one with a body); *where*
    names the line in an error (``--request`` or ``FILE, line N``)."""
    words = line.split()
    if len(words) < 2 or not words[1].startswith("/"):
        raise UsageError("%s: %r is not a request: write METHOD PATH, e.g. "
                         "'GET /' or 'POST /upload 200 body=hello'" % (
                             where, line.strip()))
    method, path = words[0].upper(), words[1]
    expected = body = None
    websocket, headers = False, []
    for word in words[2:]:
        if word.isdigit() and len(word) == 3:
            expected = int(word)
        elif word == "websocket":
            websocket = True
        elif word.startswith("body="):
            body = unquote_to_bytes(word[5:])
        elif word.startswith("body@"):
            body = _file(word[5:], where)
        elif word.startswith("header:") and "=" in word:
            name, _, value = word[7:].partition("=")
            headers.append((name, value))
        else:
            raise UsageError(
                "%s: %r is not a status, body=TEXT, body@FILE, "
                "header:NAME=VALUE or websocket" % (where, word))
    if websocket and (method != "GET" or body is not None):
        raise UsageError("%s: a WebSocket handshake is a GET without a body"
                         % where)
    one = Request(method, path, expected, body, False, websocket, tuple(headers))
    return [one] if body is None else [one, one._replace(unsized=True)]


def _file(path, where):
    if not os.path.isfile(path):
        raise UsageError("%s: there is no file %s for body@" % (where, path))
    with open(path, "rb") as handle:
        return handle.read()


def from_arguments(lines):
    requests = []
    for line in lines:
        requests.extend(parse(line, "--request %r" % line))
    return requests


def from_file(path):
    """The requests of the file *path*; ``#`` starts a comment."""
    if not os.path.isfile(path):
        raise UsageError("--requests %s: there is no such file" % path)
    requests = []
    with io.open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            line = line.split("#", 1)[0]
            if line.strip():
                requests.extend(parse(str(line), "%s, line %d" % (path, number)))
    if not requests:
        raise UsageError("--requests %s: the file has no request in it" % path)
    return requests


class _Links(HTMLParser):
    """The same-origin targets of a page's links and GET forms."""

    ATTRIBUTES = {"a": "href", "link": "href", "script": "src", "img": "src",
                  "form": "action"}

    def __init__(self):
        HTMLParser.__init__(self)
        self.found = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        name = self.ATTRIBUTES.get(tag)
        if name is None or not attributes.get(name):
            return
        if tag == "form" and (attributes.get("method") or "get").lower() != "get":
            return
        self.found.append(attributes[name])


def links(page_path, html):
    """The paths (with queries) *html*, served at *page_path*, links to on
    its own site."""
    parser = _Links()
    parser.feed(html)
    parser.close()
    paths = []
    for link in parser.found:
        scheme, netloc, path, query, _ = urlsplit(urljoin(
            "http://app" + page_path, link))
        if netloc == "app" and scheme == "http":
            paths.append(path + ("?" + query if query else ""))
    return paths


def crawl(fetch, depth=2, limit=20):
    """Requests found from the root: *fetch(path)* returns ``(status,
    content type, text)``; same-origin links are followed *depth* levels
    down, *limit* pages at most, each once."""
    seen, found, level = set(["/"]), [], ["/"]
    for _ in range(depth + 1):
        following = []
        for path in level:
            if len(found) >= limit:
                break
            found.append(Request("GET", path, None, None, False, False, ()))
            status, content_type, text = fetch(path)
            if status == 200 and "html" in content_type:
                for link in links(path, text):
                    if link not in seen:
                        seen.add(link)
                        following.append(link)
        level = following
    return found
