"""Pyramid views that accept WebSockets, and the wsgi-ng capabilities on
every request (Pyramid 2, Python 3).  See ``docs/pyramid.rst``.

::

    config.include("wsgi_ng.adapters.pyramid")

    @view_config(route_name="chat", websocket=True, permission="chat")
    def chat(request):
        ws = request.websocket
        ws.accept()
        for message in ws:
            ws.send(message)

``include`` adds ``request.websocket``, ``request.features``,
``request.push(*paths)``, ``request.early_hints(headers)`` and
``request.send_trailers(headers)`` with ``add_request_method``, so they
are there whatever the request factory.  ``websocket=True`` is a view
predicate -- the view answers the WebSocket handshakes of its route, a
view without it the other requests -- and it runs the view as the Django
adapter does (``wsgi_ng.adapters.views``): security first, the handshake
pending until ``accept()``, the ``Origin`` checked against the site and
``pyramid.csrf_trusted_origins`` (``websocket_check_origin=False`` turns
that off), 426 where the host has no session to offer, and the
``Response(status=101)`` that ends it made for the view.
"""
from __future__ import absolute_import

import logging

from pyramid.httpexceptions import HTTPForbidden
from pyramid.response import Response
from pyramid.settings import aslist

from wsgi_ng.adapters.request import NgRequestMixin
from wsgi_ng.adapters.views import (
    is_handshake, origin_allowed, refusal_text, run_view,
)

log = logging.getLogger("wsgi_ng.adapters.pyramid")

_PROPERTIES = ("websocket", "features")
_METHODS = ("push", "early_hints", "send_trailers")


def includeme(config):
    """``config.include("wsgi_ng.adapters.pyramid")``."""
    for name in _PROPERTIES:
        config.add_request_method(vars(NgRequestMixin)[name].fget, name,
                                  reify=True)
    for name in _METHODS:
        config.add_request_method(vars(NgRequestMixin)[name], name)
    config.add_view_predicate("websocket", WebSocketPredicate)
    # under the renderer, so the view may return nothing; under security,
    # so a permission refuses the handshake before the view runs
    config.add_view_deriver(websocket_view, under="rendered_view",
                            over="mapped_view")


class WebSocketPredicate(object):
    """``websocket=True``: the request is a WebSocket handshake
    (``websocket=False``: it is not)."""

    def __init__(self, value, config):
        self.value = bool(value)

    def text(self):
        return "websocket = %s" % self.value

    phash = text

    def __call__(self, context, request):
        return is_handshake(request.environ) == self.value


def websocket_view(view, info):
    """The view deriver for views configured with ``websocket=True``."""
    if not info.options.get("websocket"):
        return view
    check_origin = info.options.get("websocket_check_origin", True)

    def handshake_view(context, request):
        session = request.websocket
        if session is None:
            return Response(refusal_text(request.environ), status=426,
                            content_type="text/plain", charset="utf-8",
                            headers=[("Upgrade", "websocket")])
        if check_origin and not _same_site(request):
            log.warning("Forbidden (WebSocket from origin %s, which is "
                        "neither this site nor in pyramid.csrf_trusted_origins)"
                        ": %s", request.headers["Origin"], request.path)
            return HTTPForbidden("WebSocket from another site refused")
        answered, response = run_view(
            session, lambda: view(context, request),
            lambda exc: log.exception("WebSocket view for %s failed after "
                                      "accept(); closed with 1011",
                                      request.path))
        return Response(status=101) if answered else response
    return handshake_view


websocket_view.options = ("websocket_check_origin",)


def _same_site(request):
    trusted = aslist(request.registry.settings.get(
        "pyramid.csrf_trusted_origins", ""))
    return origin_allowed(request.headers.get("Origin"), request.host_url,
                          trusted)
