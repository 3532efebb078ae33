"""The Werkzeug adapter without Flask: ``NgRequest`` and ``NgResponse`` in
a werkzeug app whose URL map has a ``websocket=True`` rule, on host
profiles of every kind and through the conformance linter."""
import pytest

pytest.importorskip("werkzeug", reason="pip install werkzeug")

from werkzeug.exceptions import HTTPException  # noqa: E402
from werkzeug.routing import Map, Rule  # noqa: E402

from wsgi_ng.adapters.flask import ROUTING_TELLS_HANDSHAKES  # noqa: E402
from wsgi_ng.adapters.werkzeug import NgRequest, NgResponse  # noqa: E402
from wsgi_ng.lint import LintMiddleware  # noqa: E402
from wsgi_ng.testing import PROFILES, Client, WebSocketDenied  # noqa: E402

#: Werkzeug 1.0 never routes a request to a websocket=True rule.
URLS = Map([Rule("/", endpoint="page"),
            Rule("/ws", endpoint="socket", websocket=ROUTING_TELLS_HANDSHAKES)])


def page(request):
    how = request.push("/app.js")
    response = NgResponse("hi", headers=[("X-Push", ",".join(how))])
    response.trailers["X-Checksum"] = "abc"
    return response


def socket(request):
    ws = request.websocket
    if ws is None:  # the host cannot: the app's own fallback
        return NgResponse("no WebSocket here", status=426)
    ws.accept()
    for message in ws:
        ws.send(message)
    return NgResponse(status=101)


@NgRequest.application
def app(request):
    try:
        endpoint, _ = URLS.bind_to_environ(request.environ).match()
    except HTTPException as error:
        return error
    return {"page": page, "socket": socket}[endpoint](request)


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_a_websocket_rule_and_trailers_on_every_host(profile):
    client = Client.for_profile(LintMiddleware(app), profile)
    response = client.get("/", headers=[("TE", "trailers")])
    assert response.body == b"hi"
    assert response.header("X-Push") in ("push", "early_hint", "link")
    features = PROFILES[profile].get("features", ["trailers", "websocket"])
    assert response.trailers == ([("X-Checksum", "abc")]
                                 if "trailers" in features else [])
    if "websocket" in features:
        with client.websocket("/ws") as ws:
            ws.send(u"werkzeug")
            assert ws.receive() == u"werkzeug"
    else:
        with pytest.raises(WebSocketDenied) as denied:
            with client.websocket("/ws"):
                pass
        assert denied.value.response.status_code == 426
    # not a handshake: the rule does not match (Werkzeug 1.0: the view's 426)
    assert client.get("/ws").status_code == (
        400 if ROUTING_TELLS_HANDSHAKES else 426)
