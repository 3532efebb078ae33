"""The reference server's HTTP/1.1, driven over sockets by h11 as the
client (exact bytes matter here) and by curl."""
import json
import logging
import os
import socket
import subprocess
import threading
import time

import h11
import pytest

import apps
from apps import application
from serving import WAIT, connect, read_until_closed, running
from wsgi_ng.server import Server


def read_responses(sock, client, count):
    """*count* responses (with their 1xx, data and trailers) from *sock*."""
    responses, current = [], None
    while len(responses) < count:
        event = client.next_event()
        if event is h11.NEED_DATA:
            data = sock.recv(65536)
            client.receive_data(data)
            if not data:
                break
            continue
        if isinstance(event, h11.InformationalResponse):
            current = {"hints": [event], "body": b""}
        elif isinstance(event, h11.Response):
            current = current or {"hints": [], "body": b""}
            current["response"] = event
        elif isinstance(event, h11.Data):
            current["body"] += bytes(event.data)
        elif isinstance(event, h11.EndOfMessage):
            current["trailers"] = list(event.headers)
            responses.append(current)
            current = None
            if client.our_state is h11.DONE and client.their_state is h11.DONE:
                client.start_next_cycle()
    return responses


def test_keep_alive_and_pipelining():
    with running(application) as server:
        sock = connect(server)
        raw = b"".join(
            b"GET /info?n=%d HTTP/1.1\r\nHost: x\r\n\r\n" % n for n in range(3))
        sock.sendall(raw)  # three requests in one packet: pipelined
        client = h11.Connection(h11.CLIENT)
        for n in range(3):
            client.send(h11.Request(method="GET", target="/info?n=%d" % n,
                                    headers=[("Host", "x")]))
            client.send(h11.EndOfMessage())
            response = read_responses(sock, client, 1)[0]
            assert response["response"].status_code == 200
            assert json.loads(response["body"].decode())["query"] == "n=%d" % n
        sock.close()


def test_chunked_both_ways_with_trailers_and_103():
    with running(application) as server:
        sock = connect(server)
        client = h11.Connection(h11.CLIENT)
        sock.sendall(client.send(h11.Request(method="GET", target="/page", headers=[
            ("Host", "x"), ("TE", "trailers")])) + client.send(h11.EndOfMessage()))
        response = read_responses(sock, client, 1)[0]
        assert [h.status_code for h in response["hints"]] == [103]
        assert (b"link", b"</app.css>; rel=preload; as=style") in \
            list(response["hints"][0].headers)
        headers = dict(response["response"].headers)
        assert headers[b"transfer-encoding"] == b"chunked"
        assert headers[b"x-push"] == b"early_hint"
        assert response["body"] == b"<h1>probe</h1>"
        assert response["trailers"] == [(b"x-trailer", b"1")]
        body = os.urandom(300000)
        sock.sendall(client.send(h11.Request(method="POST", target="/upload", headers=[
            ("Host", "x"), ("Transfer-Encoding", "chunked")])))
        for start in range(0, len(body), 70000):
            sock.sendall(client.send(h11.Data(data=body[start:start + 70000])))
        sock.sendall(client.send(h11.EndOfMessage()))
        reply = json.loads(read_responses(sock, client, 1)[0]["body"].decode())
        assert reply["length"] == len(body)
        sock.close()


def test_trailers_and_content_length_on_http1():
    """A Content-Length rules trailers out, so send_trailers says False --
    unless they were accepted before the headers: then the body is chunked
    and they go out."""
    del apps.RESULTS[:]
    with running(application) as server:
        sock = connect(server)
        client = h11.Connection(h11.CLIENT)
        for target in ("/sized-trailers", "/sized-trailers?early"):
            sock.sendall(client.send(h11.Request(method="GET", target=target,
                         headers=[("Host", "x"), ("TE", "trailers")]))
                         + client.send(h11.EndOfMessage()))
            response = read_responses(sock, client, 1)[0]
            assert response["body"] == b"sized"
            headers = dict(response["response"].headers)
            if target.endswith("early"):
                assert headers[b"transfer-encoding"] == b"chunked"
                assert response["trailers"] == [(b"x-early", b"1"),
                                                (b"x-late", b"1")]
            else:
                assert headers[b"content-length"] == b"5"
                assert response["trailers"] == []
        sock.close()
    assert apps.RESULTS == [(None, False), (True, True)]


def test_no_trailers_without_te_trailers():
    with running(application) as server:
        sock = connect(server)
        client = h11.Connection(h11.CLIENT)
        sock.sendall(client.send(h11.Request(method="GET", target="/page", headers=[
            ("Host", "x")])) + client.send(h11.EndOfMessage()))
        response = read_responses(sock, client, 1)[0]
        assert response["trailers"] == [] and response["body"] == b"<h1>probe</h1>"
        sock.close()


def test_expect_100_continue_is_answered_when_the_app_reads():
    with running(application) as server:
        sock = connect(server)
        sock.sendall(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                     b"Expect: 100-continue\r\n\r\n")
        interim = b""
        while b"\r\n\r\n" not in interim:
            interim += sock.recv(1)
        assert interim.startswith(b"HTTP/1.1 100 ")
        sock.sendall(b"hello")
        client = h11.Connection(h11.CLIENT)
        client.send(h11.Request(method="POST", target="/upload", headers=[
            ("Host", "x"), ("Content-Length", "5")]))
        reply = read_responses(sock, client, 1)[0]
        assert json.loads(reply["body"].decode())["length"] == 5
        sock.close()


@pytest.mark.parametrize("request_bytes,status", [
    (b"GARBAGE\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
     b"Content-Length: 4\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\n\r\n", 400),
    (b"GET /info HTTP/1.1\r\nHost: x\r\n\r\n"  # folding in a pipelined one
     b"GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\tfolded\r\n\r\n", 400),
])
def test_malformed_requests_get_400_and_the_server_stays_up(
        request_bytes, status, caplog):
    with running(application) as server:
        sock = connect(server)
        sock.sendall(request_bytes)
        answer = read_until_closed(sock)
        assert answer.count(b"HTTP/1.1 %d " % status) == 1, answer
        other = connect(server)
        other.sendall(b"GET /info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert other.recv(65536).startswith(b"HTTP/1.1 200 ")
    assert "bad request" in caplog.text


def test_app_exception_is_a_500_with_a_traceback_in_the_log(caplog):
    with running(application) as server:
        sock = connect(server)
        sock.sendall(b"GET /crash HTTP/1.1\r\nHost: x\r\n\r\n"
                     b"GET /info HTTP/1.1\r\nHost: x\r\n\r\n")
        client = h11.Connection(h11.CLIENT)
        statuses = []
        for target in ("/crash", "/info"):
            client.send(h11.Request(method="GET", target=target,
                                    headers=[("Host", "x")]))
            client.send(h11.EndOfMessage())
            statuses.append(read_responses(sock, client, 1)[0]["response"].status_code)
        assert statuses == [500, 200]  # the same connection goes on
        sock.close()
    assert "RuntimeError: the app is broken" in caplog.text
    assert "Traceback" in caplog.text


def test_oversized_header_gets_431_and_too_many_fields_too():
    with running(application, max_header_size=4096, max_header_count=10) as server:
        for head in (b"X-Big: " + b"a" * 5000 + b"\r\n",
                     b"".join(b"X-%d: 1\r\n" % n for n in range(20))):
            sock = connect(server)
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n" + head + b"\r\n")
            assert sock.recv(65536).startswith(b"HTTP/1.1 431 ")
            sock.close()


def test_body_over_the_limit_gets_413():
    with running(application, max_body_size=1000) as server:
        sock = connect(server)
        sock.sendall(b"POST /upload HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Length: 5000\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 413 ")
        sock.close()
        response = chunked_upload(server, b"x" * 3000)
        assert response["response"].status_code == 413


def chunked_upload(server, body):
    """POST *body* chunked (no length) to /upload; the response."""
    sock = connect(server)
    client = h11.Connection(h11.CLIENT)
    sock.sendall(client.send(h11.Request(method="POST", target="/upload", headers=[
        ("Host", "x"), ("Transfer-Encoding", "chunked")])))
    sock.sendall(client.send(h11.Data(data=body)))
    sock.sendall(client.send(h11.EndOfMessage()))
    try:
        return read_responses(sock, client, 1)[0]
    finally:
        sock.close()


def test_a_contained_app_answers_the_servers_body_limit_itself(caplog):
    """A body without a length over the server's limit, found by the shim's
    very first read: the shim answers and logs it, as for any later read."""
    with running(application, ng=False, max_body_size=1000) as server:
        response = chunked_upload(server, b"x" * 3000)
    assert response["response"].status_code == 413
    assert response["body"] == b"request body too large\n"
    assert [r.name for r in caplog.records
            if "answered 413" in r.getMessage()] == [
        "wsgi_ng.shims"]


def curl(*args):
    process = subprocess.Popen(["curl", "-sS", "-m", str(int(WAIT))] + list(args),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return process.communicate()[0].decode()


@pytest.mark.parametrize("mode", ["--http2-prior-knowledge", "--http2"])
def test_curl_gets_http2_by_prior_knowledge_and_by_upgrade(mode):
    if subprocess.call(["which", "curl"], stdout=subprocess.PIPE) != 0:
        pytest.skip("curl is not installed: apt-get install curl")
    with running(application) as server:
        out = curl(mode, "http://%s/info?x=1" % server.url)
    report = json.loads(out)
    assert report["protocol"] == "HTTP/2" and report["query"] == "x=1"
    # curl turns push off (SETTINGS_ENABLE_PUSH = 0), as browsers do
    assert report["features"] == ["disconnect", "early_hints", "full_duplex",
                                  "trailers"]


logging.getLogger("wsgi_ng").setLevel(logging.DEBUG)


def test_slowloris_head_is_cut_off_and_others_are_served():
    with running(application, header_timeout=1.0) as server:
        slow = connect(server)
        slow.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        started, cut_off = time.time(), False
        while time.time() - started < WAIT:
            try:
                slow.sendall(b"X-Drip: 1\r\n")  # a field every 0.2 s, forever
            except socket.error:
                cut_off = True
                break
            other = connect(server)
            other.sendall(b"GET /info HTTP/1.1\r\nHost: x\r\n"
                          b"Connection: close\r\n\r\n")
            assert other.recv(65536).startswith(b"HTTP/1.1 200 ")
            other.close()
            time.sleep(0.2)  # the attack's pace, not synchronisation
        assert cut_off and time.time() - started < 5
        slow.close()


def test_idle_keep_alive_connection_is_closed():
    with running(application, keep_alive_timeout=0.5) as server:
        sock = connect(server)
        sock.sendall(b"GET /info HTTP/1.1\r\nHost: x\r\n\r\n")
        data = read_until_closed(sock)
        assert data.startswith(b"HTTP/1.1 200 ")
        sock.close()


def test_several_binds_ipv4_and_ipv6():
    try:
        socket.socket(socket.AF_INET6).bind(("::1", 0))
    except (socket.error, OSError):
        pytest.skip("no IPv6 loopback here")
    server = Server(application, binds=["127.0.0.1:0", "[::1]:0"], ng=True)
    thread = threading.Thread(target=server.serve_forever)
    thread.daemon = True
    thread.start()
    try:
        for host, port in server.addresses:
            sock = socket.create_connection((host, port), WAIT)
            sock.sendall(b"GET /info HTTP/1.1\r\nHost: x\r\n"
                         b"Connection: close\r\n\r\n")
            assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")
            sock.close()
        assert sorted(host for host, _ in server.addresses) == ["127.0.0.1", "::1"]
    finally:
        server.shutdown()
        assert server.wait_stopped(WAIT)


def exchange_once(server, raw):
    """Send *raw* on a fresh connection; everything until the server closes."""
    sock = connect(server)
    sock.sendall(raw)
    data = read_until_closed(sock)
    sock.close()
    return data


def test_pep3333_input_api_and_write_callable():
    body = b"one\ntwo\nthree\nfour\n"
    with running(application) as server:
        data = exchange_once(server, b"POST /lines HTTP/1.1\r\nHost: x\r\n"
                             b"Connection: close\r\nContent-Length: %d\r\n\r\n"
                             % len(body) + body)
    assert data.startswith(b"HTTP/1.1 200 ")
    assert b"one\n|two|\n|three\n|four\n" in data


@pytest.mark.parametrize("framing", [b"", b"Content-Length: 0\r\n"])
def test_a_bodyless_request_reads_an_empty_input_every_way(framing):
    """No body by its framing: wsgi.input answers every read empty, and
    the connection serves the next request."""
    with running(application) as server:
        data = exchange_once(server, b"POST /lines HTTP/1.1\r\nHost: x\r\n"
                             + framing + b"\r\nGET /info HTTP/1.1\r\n"
                             b"Host: x\r\nConnection: close\r\n\r\n")
    first, _, second = data.partition(b"HTTP/1.1 200 OK\r\n")[2].partition(
        b"HTTP/1.1 200 OK\r\n")
    assert first.endswith(b"\r\n\r\n1\r\n|\r\n0\r\n\r\n")  # b"" twice
    assert b'"path": "/info"' in second


def test_exc_info_replaces_headers_not_yet_sent():
    with running(application) as server:
        data = exchange_once(server, b"GET /recovering HTTP/1.1\r\nHost: x\r\n"
                             b"Connection: close\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 503 ") and b"try later" in data


def test_failure_after_headers_breaks_the_response_off(caplog):
    with running(application) as server:
        data = exchange_once(server, b"GET /late-failure HTTP/1.1\r\nHost: x\r\n\r\n")
        assert still_http(server)
    assert data.startswith(b"HTTP/1.1 200 ") and b"partial" in data
    assert not data.endswith(b"0\r\n\r\n")  # no clean chunked end: broken off
    assert "too late for a 500" in caplog.text


def test_head_gets_headers_only():
    with running(application) as server:
        data = exchange_once(server, b"HEAD /info HTTP/1.1\r\nHost: x\r\n"
                             b"Connection: close\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 200 ") and data.endswith(b"\r\n\r\n")


@pytest.mark.parametrize("path", ["/info", "/sized"])
def test_head_and_get_take_turns_on_one_connection(path):
    """A HEAD's response carries the headers a GET's would, Content-Length
    included, and no body -- also when the app's body is an iterable of
    its own with a Content-Length (Django's, on the httptools wire this
    was an error and an empty reply).  And the HTTP/1.1 responder is made
    once per connection: a HEAD's "no body" must not carry over to the
    GET after it, nor the GET's body to the next HEAD."""
    with running(application) as server:
        sock = connect(server)
        client = h11.Connection(h11.CLIENT)
        answers = []
        for method in ("HEAD", "GET", "HEAD"):
            sock.sendall(client.send(h11.Request(
                method=method, target=path, headers=[("Host", "x")])))
            sock.sendall(client.send(h11.EndOfMessage()))
            answers.append(read_responses(sock, client, 1)[0])
        sock.close()
    head, get, again = answers
    assert [a["response"].status_code for a in answers] == [200] * 3
    assert head["body"] == again["body"] == b"" and get["body"]
    length = dict(get["response"].headers).get(b"content-length")
    assert dict(head["response"].headers).get(b"content-length") == length
    if path == "/sized":
        assert get["body"] == b"hello world" and length == b"11"


def still_http(server):
    data = exchange_once(server, b"GET /info HTTP/1.1\r\nHost: x\r\n"
                         b"Connection: close\r\n\r\n")
    return data.startswith(b"HTTP/1.1 200 ")


def test_http10_client_asking_for_trailers_gets_a_plain_response(caplog):
    """Trailers need chunked framing, which HTTP/1.0 lacks: none are
    offered, so the app's send_trailers is refused instead of failing."""
    with running(application) as server:
        data = exchange_once(server, b"GET /page HTTP/1.0\r\nHost: x\r\n"
                             b"TE: trailers\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 200 ") and data.endswith(b"<h1>probe</h1>")
    assert "error in app" not in caplog.text
