"""What every framework adapter adds to its request object, written once.

Werkzeug's, Django's and WebOb's request objects all keep the WSGI environ
as ``request.environ``, so one mixin gives each of them the wsgi-ng
capabilities in the framework's own idiom::

    request.websocket            # the session, or None
    request.features             # frozenset of what this request can use
    request.push("/app.css", "/app.js")
    request.early_hints([("Link", "</font.woff2>; rel=preload; as=font")])

The mixin only reads the ``ng.`` keys: the degradation rules stay in the
host (``wsgi_ng.host``).  On a plain WSGI host, where there are no ``ng.``
keys at all, it answers as a host without the capabilities would:
no session, no features, every hint ``"dropped"``.
"""
from wsgi_ng import keys


class NgRequestMixin(object):
    """Mix into a framework request class that has ``environ``."""

    @property
    def websocket(self):
        """The WebSocket session when this request is a handshake the host
        can accept (``accept()``, ``receive()``, ``send()``...), else None."""
        return self.environ.get(keys.WEBSOCKET)

    @property
    def features(self):
        """The capabilities this request can use (``wsgi_ng.keys``)."""
        return self.environ.get(keys.FEATURES, frozenset())

    def push(self, *paths):
        """Get *paths* (absolute, like ``"/app.css"``) to the client early:
        pushed where the client allows, else in one 103 sent now, else as
        ``Link`` headers of the response.  Returns, per path, how: ``"push"``,
        ``"early_hint"``, ``"link"`` or ``"dropped"``."""
        push = self.environ.get(keys.PUSH)
        if push is None:
            return [keys.DROPPED for _ in paths]
        results = [push(path) for path in paths]
        if keys.EARLY_HINT in results:
            self.environ[keys.EARLY_HINTS]([])  # the collected 103, now
        return results

    def early_hints(self, headers):
        """Send a 103 with *headers* (``Link`` ones are repeated in the final
        response); returns whether a 103 went out."""
        early_hints = self.environ.get(keys.EARLY_HINTS)
        return False if early_hints is None else early_hints(headers)

    def send_trailers(self, headers):
        """Queue response trailers; call before the body ends (from a
        streamed response's generator).  Returns whether they will be sent."""
        send_trailers = self.environ.get(keys.SEND_TRAILERS)
        return False if send_trailers is None else send_trailers(headers)
