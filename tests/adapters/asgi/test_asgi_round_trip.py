"""The bridges are lossless: the existing host scenarios, run through
``from_asgi(to_asgi(app))`` on the reference server and through
``to_wsgi(from_asgi(to_asgi(app)))`` on real WSGI servers, see the same
bytes as with the app itself."""
import inspect
import json

import pytest

import test_http1 as http1
import test_http2 as http2
import wsgi_scenarios as scenarios_of_wsgi
from live import LiveServer
from wsgi_ng.adapters.asgi import from_asgi, to_asgi

ROUND_TRIP = "asgi_apps:round_trip"


@pytest.fixture
def bridged(monkeypatch):
    """The server scenarios' app, through both bridges."""
    # from_asgi offers the push extension only when its host can push
    app = from_asgi(to_asgi(http1.application, push=True))
    monkeypatch.setattr(http1, "application", app)
    monkeypatch.setattr(http2, "application", app)


#: Scenarios of how the server frames what a plain app returns, which the
#: bridges change: ``from_asgi``'s body is an iterator, not a list, so with
#: no Content-Length (``/info``) its last block is not known to be the last
#: until the iterator ends.
NOT_BRIDGED = {"test_a_listed_body_ends_the_stream_with_its_last_block"}


def scenarios(*modules):
    """Every scenario of the server's tests that needs no fixture."""
    return [test for module in modules for name, test in sorted(vars(module).items())
            if name.startswith("test_") and name not in NOT_BRIDGED
            and not inspect.signature(test).parameters]


@pytest.mark.parametrize("scenario", scenarios(http1, http2),
                         ids=lambda scenario: scenario.__name__)
def test_reference_server_scenarios(bridged, scenario):
    scenario()


@pytest.mark.parametrize("name", ["gunicorn-gthread", "werkzeug"])
def test_websocket_echo_on_wsgi_servers(name):
    scenarios_of_wsgi.websocket_echo(name, ROUND_TRIP)


@pytest.mark.parametrize("initiator", ["client", "server"])
def test_close_handshake_on_wsgi_servers(initiator):
    scenarios_of_wsgi.close_handshake("gunicorn-gthread", initiator, ROUND_TRIP)


def test_fallback_where_the_server_has_no_websocket():
    scenarios_of_wsgi.no_websocket_fallback("waitress", ROUND_TRIP)


@pytest.fixture(scope="module", params=["gunicorn-gthread", "waitress"])
def server(request):
    with LiveServer(request.param, ROUND_TRIP) as live:
        yield live
    assert "Traceback" not in live.final_output, live.final_output


def test_push_degrades_on_the_wire(server):
    scenarios_of_wsgi.push_degrades_on_the_wire(server)


def test_no_103_is_promised_to_an_http10_client(server):
    scenarios_of_wsgi.no_103_to_an_http10_client(server)


def test_header_values_reach_the_wire_without_surrounding_whitespace(server):
    scenarios_of_wsgi.header_values_without_surrounding_whitespace(server)


def test_chunked_upload(server):
    scenarios_of_wsgi.chunked_upload(server)


def test_features_are_the_servers(server):
    """What the WSGI server offers, plus ``disconnect``: to_asgi cannot
    know that this ASGI host (from_asgi) hears of a client leaving only
    when a write fails."""
    _, _, body = scenarios_of_wsgi.response_of(scenarios_of_wsgi.exchange(
        server, "GET", "/features"))
    report = json.loads(body.decode())
    expected = ["disconnect"] + (
        ["early_hints"] if scenarios_of_wsgi.sends_103(server.name) else [])
    assert report == {"features": expected, "protocol": "HTTP/1.1"}
