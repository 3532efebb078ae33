"""to_asgi on real ASGI servers over real sockets: uvicorn (h11 and
httptools), hypercorn (HTTP/1.1, h2c, WebSocket over HTTP/2), daphne and
granian, serving the host tests' probe app and the example frameworks.
The clients know nothing of wsgi-ng: websocket-client, h11, wsproto and
an h2 client."""
import hashlib
import json
import os
import time

import pytest
from wsproto.connection import Connection, ConnectionState, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, TextMessage

from h2client import H2Client
from live import WAIT, LiveServer, require
from wsgi_scenarios import (
    FIVE_MIB, exchange, raw_handshake, response_of,
)

websocket = pytest.importorskip("websocket", reason="pip install websocket-client")

SERVERS = ["uvicorn-h11", "uvicorn-httptools", "hypercorn", "daphne", "granian"]
#: Servers with the ``websocket.http.response`` extension: a denial keeps
#: the app's status and body; elsewhere it is a close before accept (403).
DENIAL_BODY = ["uvicorn-h11", "uvicorn-httptools", "hypercorn", "granian"]

#: daphne (autobahn) answers a client's close frame with 1000, whatever
#: the client's code was (the others echo it, RFC 6455 section 5.5.1), and
#: drops the app's close reason.
DAPHNE = {"client": (1000, u""), "server": (4001, u"")}
HANDSHAKE = [("Upgrade", "websocket"), ("Connection", "Upgrade"),
             ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
             ("Sec-WebSocket-Version", "13")]


def version(package):
    """The installed *package*'s (major, minor); the ASGI servers, whose
    behaviour depends on it, run on Python 3.9+ only."""
    from importlib import metadata  # 3.8+
    return tuple(int(part) for part in metadata.version(package).split(".")[:2])


def has_denial_body(name):
    """granian 2.8 has websocket.http.response; 2.5.7, the last release for
    Python 3.9, does not (a denial is its own 403 there)."""
    return name in DENIAL_BODY and (name != "granian" or
                                    version("granian") >= (2, 8))


@pytest.fixture(scope="module", params=SERVERS)
def server(request):
    """Each ASGI server once with the probe app and the frameworks."""
    for framework in ("django", "flask"):
        pytest.importorskip(framework, reason="pip install %s" % framework)
    with LiveServer(request.param, "asgi_apps:frameworks") as live:
        yield live
    assert "Traceback" not in live.final_output, live.final_output


def test_websocket_echo_text_binary_and_one_mebibyte(server):
    ws = websocket.create_connection("ws://%s/ws" % server.url, timeout=WAIT,
                                     subprotocols=["echo"])
    try:
        ws.send(u"h\u00e9llo")
        assert ws.recv_data() == (websocket.ABNF.OPCODE_TEXT,
                                  u"h\u00e9llo".encode("utf-8"))
        big = os.urandom(1024 * 1024)
        ws.send_binary(big)
        assert ws.recv_data() == (websocket.ABNF.OPCODE_BINARY, big)
        assert ws.subprotocol == "echo"
    finally:
        ws.close()


@pytest.mark.parametrize("initiator", ["client", "server"])
def test_close_codes_both_ways(server, initiator):
    if server.name == "granian" and initiator == "server" and \
            version("granian") < (2, 8):
        pytest.skip("granian 2.5.7 (the last for Python 3.9) sends no close "
                    "frame when the app closes; 2.8 does")
    sock = raw_handshake(server)
    conn = Connection(ConnectionType.CLIENT)
    if initiator == "client":
        sock.sendall(conn.send(CloseConnection(code=4000, reason=u"bye")))
        expected = (4000, u"bye")
    else:  # the probe app closes with the code it is sent
        sock.sendall(conn.send(TextMessage(data=u"close:4001")))
        expected = (4001, u"server says bye")
    close = next_close(sock, conn)
    sock.close()
    if server.name == "daphne":
        expected = DAPHNE[initiator]
    assert (close.code, close.reason) == expected


def next_close(sock, conn):
    """The server's close frame (answered, if the server started)."""
    while True:
        data = sock.recv(65536)
        assert data, "no close frame before the end of the connection"
        conn.receive_data(data)
        for event in conn.events():
            if isinstance(event, CloseConnection):
                if conn.state is ConnectionState.REMOTE_CLOSING:
                    sock.sendall(conn.send(event.response()))
                return event


def test_denial_keeps_the_apps_status_and_body(server):
    status, _, body = response_of(exchange(server, "GET", "/deny",
                                           headers=HANDSHAKE))
    if has_denial_body(server.name):
        assert (status, body) == (403, b"go away\n")
    else:  # a close before accept: the server's own 403
        assert status == 403


def test_close_before_accept_is_a_403(server):
    status, _, body = response_of(exchange(server, "GET", "/refuse",
                                           headers=HANDSHAKE))
    assert status == 403
    if has_denial_body(server.name):  # the host's answer, as on every host
        assert body == b"WebSocket refused\n"


def test_a_frameworks_101_after_accept_is_ignored(server):
    """Django and werkzeug end every view with a response: after accept()
    its 101 is ignored and the session goes on."""
    ws = websocket.create_connection("ws://%s/framework-ws" % server.url,
                                     timeout=WAIT)
    try:
        ws.send(u"once")
        assert ws.recv() == u"once"
    finally:
        ws.close()


def test_features_and_push_degrading_on_http11(server):
    _, _, body = response_of(exchange(server, "GET", "/features"))
    assert json.loads(body.decode()) == {"features": ["disconnect"],
                                         "protocol": "HTTP/1.1"}
    status, headers, body = response_of(exchange(
        server, "GET", "/page", headers=[("TE", "trailers")]))
    assert (status, body) == (200, b"<h1>probe</h1>")
    assert headers["x-push"] == "link"
    assert headers["link"] == "</app.css>; rel=preload; as=style"


@pytest.mark.parametrize("path", ["/upload", "/django/upload", "/flask/upload"])
def test_five_mib_streamed_upload(server, path):
    chunks = (FIVE_MIB[i:i + 65536] for i in range(0, len(FIVE_MIB), 65536))
    status, _, body = response_of(exchange(server, "POST", path, body=chunks))
    assert status == 200, body
    assert json.loads(body.decode()) == {
        "length": len(FIVE_MIB), "sha256": hashlib.sha256(FIVE_MIB).hexdigest()}


def test_streamed_download_is_closed_when_the_client_leaves(server):
    before = server.output().count("stream closed by the host")
    sock = server.connect()
    sock.sendall(("GET /stream HTTP/1.1\r\nHost: %s\r\n\r\n" % server.url).encode())
    received = 0
    while received < 256 * 1024:  # the download is under way
        data = sock.recv(65536)
        assert data
        received += len(data)
    sock.close()
    deadline = time.time() + WAIT
    while server.output().count("stream closed by the host") == before:
        assert time.time() < deadline, "close() was not called:\n" + server.output()
        time.sleep(0.05)


# -- hypercorn: HTTP/2 by prior knowledge -----------------------------------

@pytest.fixture(scope="module")
def h2server():
    for framework in ("django", "flask"):
        pytest.importorskip(framework, reason="pip install %s" % framework)
    with LiveServer("hypercorn", "asgi_apps:frameworks") as live:
        yield live
    assert "Traceback" not in live.final_output, live.final_output


def test_http2_early_hints_and_trailers(h2server):
    """hypercorn offers push to every client, also those that turned it
    off, as browsers do: by default a hint is a 103 and a Link header."""
    h2 = H2Client(h2server.connect(), h2server.url)
    features = json.loads(h2.get("/features").body.decode())
    assert features == {"features": ["disconnect", "early_hints", "full_duplex"],
                        "protocol": "HTTP/2"}
    trailers = hypercorn_sends_h2_trailers()
    page = h2.response(h2.request("GET", "/page", [("te", "trailers")] if
                                  trailers else []))
    h2.close()
    assert page.status == 200 and page.body == b"<h1>probe</h1>"
    assert page.header("x-push") == "early_hint" and h2.pushed == {}
    link = "</app.css>; rel=preload; as=style"
    assert [dict(hint)[":status"] for hint in page.informational] == ["103"]
    assert ("link", link) in page.informational[0]
    assert page.header("link") == link
    assert page.trailers == ([("x-trailer", "1")] if trailers else None)


def test_http2_push_where_the_clients_take_it():
    require("hypercorn")
    if version("hypercorn") < (0, 18) and version("h2") >= (4, 2):
        pytest.skip("hypercorn 0.17 (the last for Python 3.9) builds an h2 "
                    "event that h2 4.2 refuses: every push is a 500")
    with LiveServer("hypercorn", "asgi_apps:pushing") as server:
        h2 = H2Client(server.connect(), server.url)
        assert "push" in json.loads(h2.get("/features").body.decode())["features"]
        page = h2.get("/page")
        pushed = [h2.response(stream) for stream in h2.pushed]  # read it all,
        h2.close()  # so no stream is left for hypercorn's shutdown to cancel
    assert page.status == 200 and page.header("x-push") == "push"
    assert [dict(headers)[":path"] for headers in h2.pushed.values()] == ["/app.css"]
    assert [response.body for response in pushed] == [b"h1 { color: teal; }\n"]
    assert "Traceback" not in server.final_output, server.final_output


def hypercorn_sends_h2_trailers():
    """hypercorn sends HTTP/2 trailers after the body from 0.18 (which needs
    Python 3.10); 0.17 sends them ahead of the body still buffered, and
    the client loses them or sees a broken stream: not asked for there."""
    return version("hypercorn") >= (0, 18)


@pytest.mark.parametrize("path", ["/upload", "/django/upload", "/flask/upload"])
def test_http2_five_mib_upload_without_a_length(h2server, path):
    h2 = H2Client(h2server.connect(), h2server.url)
    reply = h2.response(h2.request("POST", path, body=FIVE_MIB))
    h2.close()
    assert reply.status == 200, reply.body
    assert json.loads(reply.body.decode()) == {
        "length": len(FIVE_MIB), "sha256": hashlib.sha256(FIVE_MIB).hexdigest()}


def test_websocket_over_http2(h2server):
    """RFC 8441 extended CONNECT: the same session API, close codes too."""
    h2 = H2Client(h2server.connect(), h2server.url)
    assert h2.get("/features").status == 200  # settings have arrived
    stream = h2.websocket("/ws", [("sec-websocket-protocol", "echo")])
    assert h2.exchanges[stream].status == 200
    assert h2.exchanges[stream].header("sec-websocket-protocol") == "echo"
    ws = Connection(ConnectionType.CLIENT)
    h2.send(stream, ws.send(TextMessage(data=u"over h2")) +
            ws.send(BytesMessage(data=b"\x00\x01")) +
            ws.send(TextMessage(data=u"close:4002")))
    events = h2.websocket_events(stream, ws, lambda events: any(
        isinstance(e, CloseConnection) for e in events))
    assert [e.data for e in events if not isinstance(e, CloseConnection)] == [
        u"over h2", b"\x00\x01"]
    assert events[-1].code == 4002
    # answer the closing handshake, as a client does: the server's end of
    # the session then comes at once, not at the close timeout
    h2.send(stream, ws.send(events[-1].response()))
    assert h2.get("/features").status == 200  # the connection goes on
    h2.close()


def test_a_host_the_reference_server_refuses_is_a_400_with_one_log_line(server):
    """The ASGI servers let a Host with a space through; to_asgi answers
    it as the reference server does (a 500 and a traceback before)."""
    sock = server.connect()
    sock.sendall(b"GET /features HTTP/1.1\r\nHost: bad host\r\n\r\n")
    head = sock.recv(65536)
    sock.close()
    assert head.startswith(b"HTTP/1.1 400"), head
    deadline = time.time() + WAIT
    while "invalid Host field (answered 400)" not in server.output():
        assert time.time() < deadline, server.output()
        time.sleep(0.05)


def test_served_sessions_hold_no_thread_and_leave_max_sessions_free():
    """With max_sessions=1, three open sessions handed to a handler
    (``serve()``) leave the one slot free once their app returned (each
    echoed a message): a blocking session still gets it, and only a second
    blocking one is refused (closed before accept, a 403)."""
    with LiveServer("uvicorn-httptools", "asgi_apps:one_session") as live:
        served = []
        for number in range(3):
            ws = websocket.create_connection("ws://%s/served" % live.url,
                                             timeout=WAIT)
            served.append(ws)
            ws.send(u"%d" % number)
            assert ws.recv() == u"%d" % number
        blocking = websocket.create_connection("ws://%s/ws" % live.url,
                                               timeout=WAIT)
        blocking.send(u"held")
        assert blocking.recv() == u"held"
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection("ws://%s/ws" % live.url, timeout=WAIT)
        assert refused.value.status_code == 403
        for ws in served:
            big = os.urandom(256 * 1024)
            ws.send_binary(big)
            assert ws.recv() == big
        for ws in served + [blocking]:
            ws.close()
    assert live.final_output.count("served session closed with 1000") == 3
    for trouble in ("Traceback", "never awaited"):
        assert trouble not in live.final_output, live.final_output


def test_served_sessions_whose_handlers_run_on_threads():
    """``inline_handlers=False`` (and a handler that blocks the loop) runs
    each session's handler on the pool, one wake at a time: every message
    echoed in order, the close reaching ``on_close``."""
    with LiveServer("uvicorn-httptools", "asgi_apps:threaded_handlers") as live:
        ws = websocket.create_connection("ws://%s/served" % live.url,
                                         timeout=WAIT)
        for number in range(20):
            ws.send(u"%d" % number)
        assert [ws.recv() for _ in range(20)] == [u"%d" % n for n in range(20)]
        big = os.urandom(256 * 1024)
        ws.send_binary(big)
        assert ws.recv() == big
        ws.close()
        deadline = time.time() + WAIT
        while "served session closed with 1000" not in live.output():
            assert time.time() < deadline, live.output()
            time.sleep(0.05)
    for trouble in ("Traceback", "never awaited"):
        assert trouble not in live.final_output, live.final_output
