"""The reference server's HTTP/2, driven by a raw h2 client (frames
matter: pushes, 103s, trailers, resets) and by nghttp."""
import collections
import gc
import hashlib
import json
import os
import socket
import subprocess
import threading

import pytest
from six.moves import http_client
from wsproto.connection import Connection, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, TextMessage

import apps
from apps import application
from h2client import Exchange, H2Client
from serving import WAIT, connect, read_until_closed, running
from wsgi_ng.server import sockio


def test_push_103_and_trailers():
    with running(application) as server:
        h2 = H2Client(connect(server), server.url)
        page = h2.get("/page")
        assert page.status == 200 and page.body == b"<h1>probe</h1>"
        assert page.header("x-push") == "push"
        assert page.trailers == [("x-trailer", "1")]
        [(promised, request)] = h2.pushed.items()
        assert dict(request)[":path"] == "/app.css"
        pushed = h2.response(promised)
        assert pushed.status == 200 and pushed.body == b"h1 { color: teal; }\n"
        h2.close()


def test_a_listed_body_ends_the_stream_with_its_last_block():
    """A list's last block carries END_STREAM itself, not an empty DATA
    frame after it (which cost h2 a tenth more per request)."""
    with running(application) as server:
        h2 = H2Client(connect(server), server.url)
        info = h2.get("/info")
        assert info.status == 200 and len(info.data) == 1
        assert json.loads(info.body.decode())["protocol"] == "HTTP/2"
        h2.close()


def test_trailers_after_a_listed_body_and_a_head_response_end_the_stream():
    """The last block waits for the end: with trailers it goes out before
    them, and a HEAD response, which sends no block, still ends."""
    with running(application) as server:
        h2 = H2Client(connect(server), server.url)
        listed = h2.get("/listed-trailers")
        assert listed.body == b"one two"
        assert listed.trailers == [("x-trailer", "2")]
        head = h2.response(h2.request("HEAD", "/info"))
        assert head.status == 200 and head.body == b"" and head.ended
        h2.close()


def test_a_held_response_head_goes_out_before_waiting_for_a_window():
    """The server holds a response head for its first DATA frame; a client
    that opens its window only once it has the head must still get both."""
    with running(application) as server:
        h2 = H2Client(connect(server), server.url)
        h2.conn.update_settings({4: 0})  # SETTINGS_INITIAL_WINDOW_SIZE = 0
        h2.flush()
        stream = h2.request("GET", "/info")
        reply = h2.exchanges[stream]
        while reply.headers is None:
            h2.receive_once()
        assert reply.status == 200 and reply.data == []
        h2.conn.increment_flow_control_window(65535, stream)
        h2.flush()
        assert json.loads(h2.response(stream).body.decode())["protocol"] == \
            "HTTP/2"
        h2.close()


def test_split_cookie_fields_arrive_joined():
    """Browsers split the cookie field over HTTP/2 for HPACK's sake (RFC
    9113 section 8.2.3); the app sees one, joined with "; "."""
    with running(application) as server:
        h2 = H2Client(connect(server), server.url)
        info = json.loads(h2.get("/info", headers=[
            ("cookie", "a=1"), ("accept", "*/*"), ("cookie", "b=2")]).body)
        h2.close()
    assert info["cookie"] == "a=1; b=2"


def h2_get(server):
    """A GET of /info over HTTP/2, and a close of its connection."""
    h2 = H2Client(connect(server), server.url)
    return (lambda: h2.get("/info").status), h2.close


def http1_get(server):
    """The same over one HTTP/1.1 keep-alive connection."""
    http = http_client.HTTPConnection("127.0.0.1", server.port, timeout=WAIT)

    def get():
        http.request("GET", "/info")
        response = http.getresponse()
        response.read()
        return response.status
    return get, http.close


REQUESTS = 20


@pytest.mark.parametrize("client", [h2_get, http1_get])
def test_a_request_leaves_no_reference_cycle(client):
    """A request's objects go as it ends, by reference counting: a cycle
    (an HTTP/2 stream and its input held each other) left every request's
    objects to the garbage collector, which then ran every few requests:
    a twentieth of the server's time on h2load."""
    with running(application) as server:
        get, close = client(server)
        assert get() == 200
        gc.collect()
        gc.disable()
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            assert all(get() == 200 for _ in range(REQUESTS))
            gc.collect()
            left = collections.Counter(
                type(thing).__name__ for thing in gc.garbage
                if type(thing).__module__.startswith("wsgi_ng"))
        finally:
            gc.set_debug(0)
            del gc.garbage[:]
            gc.enable()
        close()
    # what a request leaves, it leaves every time; what earlier tests' servers
    # drop meanwhile (a connection and its streams) comes once or twice
    assert [name for name, count in left.items() if count >= REQUESTS] == []


def send_together(h2, paths):
    """Open a stream for each of *paths* in one write, as a browser does
    for a page's resources; their stream ids."""
    streams = []
    for path in paths:
        stream = h2.conn.get_next_available_stream_id()
        h2.exchanges[stream] = Exchange()
        h2.conn.send_headers(stream, [
            (":method", "GET"), (":path", path), (":scheme", "http"),
            (":authority", h2.authority)], end_stream=True)
        streams.append(stream)
    h2.flush()
    return streams


def test_the_responses_of_streams_sent_together_go_out_together(
        monkeypatch):
    """Ten requests in one write: ten responses in a send or two, not ten
    (a loopback send costs the client's receive too)."""
    sends = []
    real_sendall = sockio.TimedSocket.sendall

    def counted(self, data):
        sends.append(len(data))
        return real_sendall(self, data)

    with running(application) as server:
        h2 = H2Client(connect(server), server.url)
        h2.get("/info")  # the connection's start is done
        monkeypatch.setattr(sockio.TimedSocket, "sendall", counted)
        streams = send_together(h2, ["/info"] * 10)
        assert all(h2.response(stream).status == 200 for stream in streams)
        monkeypatch.undo()
        h2.close()
    assert 1 <= len(sends) <= 3, sends


@pytest.mark.parametrize("paths, threads", [
    (["/info", "/held"], 64),
    (["/info", "/held", "/info"], 64),
    # every thread blocked: the queue moves only as app calls end
    (["/held", "/info", "/held", "/info"], 2),
])
def test_a_blocked_stream_holds_back_no_response_of_its_batch(paths,
                                                              threads):
    """The streams sent with one whose app blocks are answered while it
    blocks, as far as threads allow: a response waits only for the
    streams queued behind it to begin, never for an app call."""
    apps.ENTERED.clear()
    apps.RELEASE.clear()
    try:
        with running(application, threads=threads) as server:
            h2 = H2Client(connect(server), server.url)
            h2.get("/info")  # settled: the client has nothing more to send
            streams = send_together(h2, paths)
            fast = [stream for stream, path in zip(streams, paths)
                    if path == "/info"]
            answered = fast[:1] if threads == 2 else fast  # (one is queued)
            assert all(h2.response(stream).status == 200
                       for stream in answered)
            assert apps.ENTERED.wait(WAIT)
            assert all(h2.exchanges[stream].headers is None
                       for stream, path in zip(streams, paths)
                       if path == "/held")
            apps.RELEASE.set()
            assert all(h2.response(stream).status == 200
                       for stream in streams)
            h2.close()
    finally:
        apps.RELEASE.set()


def test_push_becomes_103_when_the_client_disables_push():
    with running(application) as server:
        h2 = H2Client(connect(server), server.url)
        h2.conn.update_settings({2: 0})  # SETTINGS_ENABLE_PUSH = 0
        h2.flush()
        page = h2.get("/page")
        assert page.header("x-push") == "early_hint"
        assert page.informational == [[(":status", "103"), (
            "link", "</app.css>; rel=preload; as=style")]]
        assert page.header("link") == "</app.css>; rel=preload; as=style"
        assert h2.pushed == {}
        features = json.loads(h2.get("/info").body.decode())["features"]
        assert "push" not in features and "early_hints" in features
        h2.close()


@pytest.mark.parametrize("ng", [True, None])  # None: contained (from_wsgi)
def test_a_413_before_the_whole_body_costs_nothing_else(ng, caplog, tmpdir):
    """curl ends its body early once it has the 413; h2 would take that for
    a content-length lie and the server close the whole connection."""
    if subprocess.call(["which", "curl"], stdout=subprocess.PIPE) != 0:
        pytest.skip("curl is not installed: apt-get install curl")
    upload = tmpdir.join("upload.bin")
    upload.write_binary(os.urandom(2 * 1024 * 1024))
    with running(application, ng=ng, max_body_size=1000) as server:
        out = subprocess.check_output([
            "curl", "-sS", "-m", str(int(WAIT)), "--http2-prior-knowledge",
            "-o", os.devnull, "-w", "%{http_code} %{http_version}",
            "--data-binary", "@%s" % upload, "http://%s/upload" % server.url])
    assert out.decode() == "413 2"
    assert "protocol error" not in caplog.text
    assert "413" in caplog.text  # one line says why


def test_a_stream_in_flight_finishes_after_the_servers_goaway():
    """Graceful shutdown over HTTP/2: after the GOAWAY the open stream still
    gets its DATA (h2 alone would call that frame a connection error) and
    its whole response."""
    with running(application, graceful_timeout=WAIT) as server:
        h2 = H2Client(connect(server), server.url)
        stream = h2.request("POST", "/duplex", body=False)
        h2.send(stream, b"before\n")
        exchange = h2.exchanges[stream]
        while exchange.body != b"BEFORE\n":
            h2.receive_once()  # the app is running: the stream is open
        stopper = threading.Thread(target=server.shutdown)
        stopper.start()
        while h2.terminated is None:
            h2.receive_once()  # the GOAWAY
        lines = b"".join(b"after %d\n" % n for n in range(1000))
        h2.send(stream, lines, end_stream=True)
        reply = h2.response(stream)
        stopper.join(WAIT)
    assert reply.body == b"BEFORE\n" + lines.upper()
    assert h2.terminated == 0  # NO_ERROR


def test_full_duplex_echo_while_the_body_is_still_coming():
    with running(application) as server:
        h2 = H2Client(connect(server), server.url)
        stream = h2.request("POST", "/duplex", body=False)
        exchange = h2.exchanges[stream]
        for word in (b"one\n", b"two\n", b"three\n"):
            h2.send(stream, word)
            while exchange.body.count(b"\n") < [b"one\n", b"two\n", b"three\n"
                                                ].index(word) + 1:
                h2.receive_once()  # the answer comes before the body ends
        h2.conn.end_stream(stream)
        h2.flush()
        assert h2.response(stream).body == b"ONE\nTWO\nTHREE\n"
        h2.close()


def test_concurrent_streams_and_a_five_mib_upload_without_length():
    body = os.urandom(5 * 1024 * 1024)
    with running(application) as server:
        h2 = H2Client(connect(server), server.url)
        streams = [h2.request("GET", "/info?n=%d" % n) for n in range(20)]
        upload = h2.request("POST", "/upload", body=body)
        reply = json.loads(h2.response(upload).body.decode())
        assert reply == {"length": len(body),
                         "sha256": hashlib.sha256(body).hexdigest()}
        for n, stream in enumerate(streams):
            assert json.loads(h2.response(stream).body.decode())["query"] == \
                "n=%d" % n
        h2.close()


def test_websocket_over_http2_extended_connect():
    with running(application) as server:
        h2 = H2Client(connect(server), server.url)
        assert h2.get("/info").status == 200  # settings have arrived
        assert h2.remote_settings.enable_connect_protocol == 1
        stream = h2.websocket("/ws", [("sec-websocket-protocol", "echo")])
        exchange = h2.exchanges[stream]
        assert exchange.status == 200
        assert exchange.header("sec-websocket-protocol") == "echo"
        ws = Connection(ConnectionType.CLIENT)
        big = os.urandom(1024 * 1024)
        h2.send(stream, ws.send(TextMessage(data=u"h\u00e9llo")) +
                ws.send(BytesMessage(data=big)))
        # wsproto hands out partial messages
        events = h2.websocket_events(stream, ws, lambda events: sum(
            e.message_finished for e in events) == 2)
        text = u"".join(e.data for e in events if isinstance(e, TextMessage))
        data = b"".join(bytes(e.data) for e in events
                        if isinstance(e, BytesMessage))
        assert (text, data) == (u"h\u00e9llo", big)
        h2.send(stream, ws.send(CloseConnection(code=4000, reason=u"bye")))
        closes = [e for e in h2.websocket_events(stream, ws, lambda events: any(
            isinstance(e, CloseConnection) for e in events))
            if isinstance(e, CloseConnection)]
        assert closes[0].code == 4000
        assert h2.get("/info").status == 200  # the connection goes on
        h2.close()


def test_rapid_reset_flood_closes_only_that_connection():
    with running(application, max_resets_per_second=5) as server:
        h2 = H2Client(connect(server), server.url)
        other = H2Client(connect(server), server.url)
        try:
            for _ in range(80):
                stream = h2.request("GET", "/info")
                h2.conn.reset_stream(stream)
                h2.flush()
        except socket.error:
            pass  # the server hung up mid-flood (its GOAWAY is read below)
        try:
            while h2.terminated is None:
                h2.receive_once()
        except socket.error:
            pass  # the server closed the socket after its GOAWAY
        assert h2.terminated == 11  # ENHANCE_YOUR_CALM
        assert other.get("/info").status == 200
        other.close()


def test_invalid_frames_get_goaway_and_others_are_unaffected():
    with running(application) as server:
        sock = connect(server)
        sock.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
                     b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"  # SETTINGS
                     b"\x00\x00\x04\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00")
        # WINDOW_UPDATE of 0 on the connection: PROTOCOL_ERROR
        data = read_until_closed(sock)
        assert b"\x07\x00\x00\x00\x00\x00" in data  # a GOAWAY frame went out
        h2 = H2Client(connect(server), server.url)
        assert h2.get("/info").status == 200
        h2.close()


def test_nghttp_sees_the_push():
    if subprocess.call(["which", "nghttp"], stdout=subprocess.PIPE) != 0:
        pytest.skip("nghttp is not installed: apt-get install nghttp2-client")
    with running(application) as server:
        process = subprocess.Popen(["nghttp", "-nv", "-t", str(int(WAIT)),
                                    "http://%s/page" % server.url],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out = process.communicate()[0].decode()
    assert "PUSH_PROMISE" in out and ":path: /app.css" in out, out


def test_websocket_sessions_do_not_starve_requests():
    """Sessions hold their thread for their life; with two request threads
    and four open sessions, requests are still answered."""
    with running(application, threads=2) as server:
        h2 = H2Client(connect(server), server.url)
        assert h2.get("/info").status == 200  # settings have arrived
        sessions = [h2.request("CONNECT", "/ws", [("sec-websocket-version", "13")],
                               body=False, extra=[(":protocol", "websocket")])
                    for _ in range(4)]
        for stream in sessions:
            while h2.exchanges[stream].headers is None:
                h2.receive_once()
            assert h2.exchanges[stream].status == 200
        for n in range(3):
            assert h2.get("/info?n=%d" % n).status == 200
        h2.close()
