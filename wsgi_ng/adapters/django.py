"""Django views that accept WebSockets, and the wsgi-ng capabilities on
every request: Django 1.11 (Python 2.7) to 5.x.  See ``docs/django.rst``.

In ``settings.py``, anywhere in ``MIDDLEWARE``::

    MIDDLEWARE = [..., "wsgi_ng.adapters.django.WsgiNgMiddleware"]

gives every request ``request.websocket``, ``request.features``,
``request.push(*paths)``, ``request.early_hints(headers)`` and
``request.send_trailers(headers)``.  A WebSocket view is an ordinary view
in an ordinary URLconf, behind the project's middleware -- sessions, auth,
CSRF -- so it knows ``request.user``::

    from wsgi_ng.adapters.django import websocket_view

    @login_required
    @websocket_view
    def echo(request):
        ws = request.websocket
        ws.accept()
        for message in ws:
            ws.send(message)

The decorator checks the ``Origin`` (cross-site WebSocket hijacking),
answers 426 to a request it cannot serve, and ends the view with
Django's ``HttpResponse(status=101)`` (see ``wsgi_ng.adapters.views``).
"""
from __future__ import absolute_import

import functools
import logging

from django.conf import settings
from django.core.handlers.exception import response_for_exception
from django.http import HttpResponse, HttpResponseForbidden

try:
    from django.utils.log import log_response
except ImportError:  # Django before 2.1 logs no 4xx answer of its own
    log_response = None

from wsgi_ng.adapters.request import NgRequestMixin
from wsgi_ng.adapters.views import origin_allowed, refusal_text, run_view

#: Where Django logs the CSRF failures; a refused Origin is one.
security_log = logging.getLogger("django.security.csrf")

_CAPABILITIES = ("websocket", "features", "push", "early_hints",
                 "send_trailers")


class _Capabilities(NgRequestMixin):
    def __init__(self, environ):
        self.environ = environ


def add_capabilities(request):
    """Set the wsgi-ng attributes on *request* (as ``SessionMiddleware``
    sets ``request.session``); returns it.  A request without a WSGI
    environ (Django's ASGI handler) gets those of a host without the
    capabilities."""
    ng = _Capabilities(getattr(request, "environ", {}))
    for name in _CAPABILITIES:
        setattr(request, name, getattr(ng, name))
    return request


class WsgiNgMiddleware(object):
    """``request.websocket``, ``.features``, ``.push()``, ``.early_hints()``
    and ``.send_trailers()`` in every view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(add_capabilities(request))


def websocket_view(view=None, check_origin=True):
    """Decorate a view that serves a WebSocket at its URL.

    The view runs with the handshake pending: it may refuse as any view
    does (raise ``Http404`` or ``PermissionDenied``, return a response),
    else it calls ``request.websocket.accept()`` and talks.  It returns
    nothing; the decorator ends it with ``HttpResponse(status=101)``.

    A handshake whose ``Origin`` is neither this site (scheme and host, as
    Django's CSRF check compares them) nor in ``CSRF_TRUSTED_ORIGINS`` gets
    403 and a warning on the ``django.security.csrf`` logger.
    ``@websocket_view(check_origin=False)`` turns that off, for a view that
    authenticates by other means than cookies.
    """
    if view is None:
        return functools.partial(websocket_view, check_origin=check_origin)

    @functools.wraps(view)
    def handshake_view(request, *args, **kwargs):
        session = add_capabilities(request).websocket
        if session is None:
            response = HttpResponse(refusal_text(request.META), status=426,
                                    content_type="text/plain; charset=utf-8")
            response["Upgrade"] = "websocket"
            return response
        if check_origin and not _same_site(request):
            return _refuse_origin(request)
        answered, response = run_view(
            session, lambda: view(request, *args, **kwargs),
            lambda exc: response_for_exception(request, exc))
        return HttpResponse(status=101) if answered else response
    return handshake_view


def _refuse_origin(request):
    """403, logged once as Django logs a CSRF failure."""
    response = HttpResponseForbidden("WebSocket from another site refused\n",
                                     content_type="text/plain; charset=utf-8")
    message = ("Forbidden (WebSocket from origin %s, which is neither this "
               "site nor in CSRF_TRUSTED_ORIGINS): %s")
    args = (request.META["HTTP_ORIGIN"], request.path)
    if log_response is None:
        security_log.warning(message, *args, extra={"status_code": 403,
                                                    "request": request})
    else:  # marks the response logged: Django's handler says nothing more
        log_response(message, *args, response=response, request=request,
                     logger=security_log)
    return response


def _same_site(request):
    own = "%s://%s" % (request.scheme, request.get_host())
    return origin_allowed(request.META.get("HTTP_ORIGIN"), own,
                          getattr(settings, "CSRF_TRUSTED_ORIGINS", ()))
