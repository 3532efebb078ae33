"""WebOb's request with the wsgi-ng capabilities (WebOb 1.8, Python 2.7
and 3.x).  See ``docs/pyramid.rst``; Pyramid apps use
``wsgi_ng.adapters.pyramid`` instead.

::

    from webob import Response
    from webob.dec import wsgify
    from wsgi_ng.adapters.webob import Request

    @wsgify(RequestClass=Request)
    def app(request):
        ws = request.websocket
        if ws is None:
            return Response("WebSocket needed\\n", status=426)
        ws.accept()
        for message in ws:
            ws.send(message)
        return Response(status=101)   # how a WebOb app ends a session
"""
from __future__ import absolute_import

import webob

from wsgi_ng.adapters.request import NgRequestMixin


class Request(NgRequestMixin, webob.Request):
    """``webob.Request`` plus ``websocket``, ``features``, ``push(*paths)``,
    ``early_hints(headers)`` and ``send_trailers(headers)``."""
