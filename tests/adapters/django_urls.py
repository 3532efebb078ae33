"""The example project's URLconf plus WebSocket views that end in every
way a view can, for tests/adapters/test_django.py."""
import json

from django.http import Http404, HttpResponse

from mysite.urls import urlpatterns as site
from wsgi_ng.adapters.django import websocket_view

try:
    from django.urls import re_path
except ImportError:  # Django 1.11
    from django.conf.urls import url as re_path


@websocket_view
def who(request):
    """Says who is logged in, then echoes until the client leaves (its
    ``receive()`` then raises ``ConnectionClosed``)."""
    ws = request.websocket
    ws.accept()
    ws.send_text(json.dumps({"user": request.user.get_username(),
                             "features": sorted(request.features)}))
    while True:
        ws.send(ws.receive())


@websocket_view
def missing(request):
    raise Http404("no such room")


@websocket_view
def fails(request):
    request.websocket.accept()
    raise RuntimeError("the view broke after accept()")


@websocket_view
def silent(request):
    """Neither accepts nor answers."""


@websocket_view
def conflict(request):
    return HttpResponse("busy\n", status=409, content_type="text/plain")


@websocket_view(check_origin=False)
def anywhere(request):
    request.websocket.accept()
    request.websocket.close(4000, "bye")


urlpatterns = site + [
    re_path(r"^test/who$", who),
    re_path(r"^test/missing$", missing),
    re_path(r"^test/fails$", fails),
    re_path(r"^test/silent$", silent),
    re_path(r"^test/conflict$", conflict),
    re_path(r"^test/anywhere$", anywhere),
]
