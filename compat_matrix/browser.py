"""A visit to a site as a browser makes it, over a host's own protocol:
one cookie jar, redirects followed with GET, ``Origin`` and ``Referer``
on a form post -- the interface of ``tests/realapps``' curl visit, so the
same login flows (``realapps.logins``) run over every host.

On HTTP/2 the cookies go in separate ``cookie`` fields, as browsers send
them (RFC 9113 section 8.2.3): the host must join them with ``"; "``.
"""
from six.moves.urllib.parse import urlencode, urljoin, urlsplit

REDIRECTS = (301, 302, 303, 307, 308)


class Head(object):
    def __init__(self, reply):
        self.status, self.version = reply.status, reply.version


class Page(object):
    """Where a request ended after redirects, and what it showed."""

    def __init__(self, url, heads, reply):
        self.url = url
        self.heads = heads
        self.status = reply.status
        self.reply = reply
        self.text = reply.body.decode("utf-8", "replace")


class Browser(object):
    """A visit to the site of *target* (``scenarios.Target``)."""

    def __init__(self, target):
        self.target = target
        self.base = target.live.base
        self.jar = {}  # name -> value; paths and expiry are not needed here

    def cookie_fields(self):
        pairs = ["%s=%s" % item for item in sorted(self.jar.items())]
        if not pairs:
            return []
        if self.target.host.http2:
            return [("cookie", pair) for pair in pairs]
        return [("Cookie", "; ".join(pairs))]

    def get(self, url):
        return self._follow(url, "GET", [], None)

    def submit(self, form, page, **typed):
        """Post *form* (found on *page*) with the fields a person typed, and
        the ``Origin`` and ``Referer`` a browser sends with it."""
        assert form.method == "POST", form.method
        origin = "%s://%s" % urlsplit(page.url)[:2]
        return self._follow(form.action, "POST", [
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Origin", origin), ("Referer", page.url)],
            urlencode(form.filled(**typed)).encode("ascii"))

    def fetch(self, url, method="GET", headers=(), body=None, whole=False):
        """One request, no redirect followed; the jar takes its cookies.
        The evidence keeps the status, ``Location`` and ``Set-Cookie`` --
        the reply *whole* if asked."""
        assert url.startswith(self.base), url  # one site, the host's
        reply = self.target.request(
            method, url[len(self.base):] or "/",
            self.cookie_fields() + list(headers), body,
            only=None if whole else ("location", "set-cookie"))
        for value in reply.header_list("set-cookie"):
            name, _, rest = value.partition("=")
            self.jar[name.strip()] = rest.split(";")[0]
        return reply

    def _follow(self, url, method, headers, body, hops=5):
        heads = []
        for _ in range(hops):
            reply = self.fetch(url, method, headers, body)
            heads.append(Head(reply))
            if reply.status not in REDIRECTS:
                return Page(url, heads, reply)
            url = urljoin(url, reply.header("location"))
            method, headers, body = "GET", [], None
        raise AssertionError("more than %d redirects" % hops)
