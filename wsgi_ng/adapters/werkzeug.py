"""Werkzeug in its own idiom: a request that knows wsgi-ng, and responses
that carry trailers.

::

    from wsgi_ng.adapters.werkzeug import NgRequest, NgResponse

    @NgRequest.application
    def app(request):
        if request.websocket is not None:        # a handshake the host accepts
            request.websocket.accept()
            for message in request.websocket:
                request.websocket.send(message)
            return NgResponse(status=101)        # how a view ends a session
        request.push("/app.css")
        response = NgResponse("<h1>Hi</h1>", mimetype="text/html")
        response.trailers["Server-Timing"] = "render;dur=3"
        return response

Routing: werkzeug's ``Rule(..., websocket=True)`` matches the handshake on
every host and protocol, since every wsgi-ng host presents it the same way
(``GET`` with ``Upgrade: websocket``; an HTTP/2 extended CONNECT too).
Werkzeug 2.0 and later read that; Werkzeug 1.0's routing never sees a
WebSocket request, so there a WebSocket view is an ordinary ``GET`` rule.

Served by a wsgi-ng host (``wsgi-ng serve``, the test client) the app runs
as it is; on a plain WSGI server, ``to_wsgi(app)`` gives it the ``ng.``
keys.  Works with Werkzeug 1.0 (Python 2.7) up to 3.x.
"""
from __future__ import absolute_import

from werkzeug.datastructures import Headers
from werkzeug.wrappers import Request, Response

from wsgi_ng import keys
from wsgi_ng.adapters.request import NgRequestMixin
from wsgi_ng.iterables import WrappedBody


class NgResponseMixin(object):
    """Mix into a werkzeug ``Response`` class: ``response.trailers``.

    ``trailers`` is a werkzeug ``Headers`` sent after the body.  Trailers
    set before the response starts are promised to the host at once, which
    on HTTP/1.1 makes it chunk the body instead of sending the
    ``Content-Length`` werkzeug computed, and are named in a ``Trailer``
    header; fields added while a streamed body runs (from its generator)
    go too, at its end.  Where the host cannot send trailers (a plain
    HTTP/1.1 client, a plain WSGI server) they are dropped, as the spec's
    degradation says, and no ``Trailer`` header is sent.
    """

    _ng_trailers = None

    @property
    def trailers(self):
        if self._ng_trailers is None:
            self._ng_trailers = Headers()
        return self._ng_trailers

    def __call__(self, environ, start_response):
        send = environ.get(keys.SEND_TRAILERS)
        if send is None or (self._ng_trailers is None and not self.is_streamed):
            return super(NgResponseMixin, self).__call__(environ, start_response)
        trailers = self.trailers  # a streamed body may add some as it runs
        promised = trailers.to_wsgi_list()
        if promised and send(promised):
            self.headers["Trailer"] = ", ".join(name for name, _ in promised)
        body = super(NgResponseMixin, self).__call__(environ, start_response)
        return _TrailingBody(body, trailers, len(promised), send)


class _TrailingBody(WrappedBody):
    """The response body; trailers added while it ran are handed to the
    host before it ends."""

    def __init__(self, body, trailers, promised, send):
        WrappedBody.__init__(self, body)
        self._trailers = trailers
        self._promised = promised
        self._send = send

    def __iter__(self):
        for block in self._result:
            yield block
        late = self._trailers.to_wsgi_list()[self._promised:]
        if late:
            self._send(late)


class NgRequest(NgRequestMixin, Request):
    """werkzeug's ``Request`` with ``websocket``, ``features``, ``push()``,
    ``early_hints()`` and ``send_trailers()``."""


class NgResponse(NgResponseMixin, Response):
    """werkzeug's ``Response`` with ``trailers``."""
