"""Probes: views that report what Django saw of the request, for the
tests of every host (bodies without a length, cookies, streaming).  They
are an API, not pages, so they take POSTs without a CSRF token."""
import hashlib
import json

from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def upload(request):
    """Report the size and digest of the body Django read."""
    body = request.body
    return JsonResponse({"length": len(body),
                         "sha256": hashlib.sha256(body).hexdigest()})


@csrf_exempt
def form(request):
    return JsonResponse(dict(request.POST.items()))


def cookies(request):
    return JsonResponse(request.COOKIES)


def stream(request):
    return StreamingHttpResponse(
        (("line %d\n" % i).encode("ascii") for i in range(3)),
        content_type="text/plain")


def websocket(request):
    """What a plain Django view answers to a WebSocket handshake."""
    upgrade = request.META.get("HTTP_UPGRADE", "")
    return HttpResponse(json.dumps({"upgrade": upgrade}), status=400,
                        content_type="application/json")
