"""The golden request corpus, replayed against the server over a socket.

``requests/valid/NAME.http`` is a request (or several, pipelined) as bytes;
``NAME.json`` lists, per request, what the app must see.  ``invalid/``
files must get the status in their ``.json`` -- after the requests listed
in ``served``, if any -- one log line saying why, and nothing served after.

File format: real line breaks are only for reading and are dropped; the
bytes are written with Python escapes (``\\r\\n``, ``\\n``, ``\\t``,
``\\0``, ``\\xHH``), and ``<<N*text>>`` repeats *text* N times.  Each file
is sent whole, line by line, byte by byte and in random chunks, and must
give the same answer every way.
"""
import codecs
import glob
import json
import logging
import os
import random
import re
import socket

import h11
import pytest

from serving import connect, running
from wsgi_ng._compat import to_bytes

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "requests")
_REPEAT = re.compile(br"<<(\d+)\*(.*?)>>")
MODES = ["whole", "lines", "bytes", "random"]


def load(path):
    with open(path, "rb") as source:
        text = source.read().replace(b"\n", b"")
    text = _REPEAT.sub(lambda m: m.group(2) * int(m.group(1)), text)
    return codecs.escape_decode(text)[0]


def names(kind):
    return sorted(os.path.basename(path)[:-5] for path in
                  glob.glob(os.path.join(CORPUS, kind, "*.http")))


def expected(kind, name):
    with open(os.path.join(CORPUS, kind, name + ".json")) as answer:
        return json.load(answer)


def pieces(data, mode, seed):
    """*data* cut up as *mode* says."""
    if mode == "whole":
        return [data]
    if mode == "lines":
        # findall, not a zero-width split: Python 3.6 cannot split on one.
        return re.findall(b"[^\n]*\n|[^\n]+$", data)
    if mode == "bytes" and len(data) < 20000:
        return [data[i:i + 1] for i in range(len(data))]
    rng = random.Random(seed)  # random, reproducibly; huge files too
    cuts, at = [], 0
    while at < len(data):
        size = rng.randint(1, 64 if mode == "bytes" else 4096)
        cuts.append(data[at:at + size])
        at += size
    return cuts


def recorder(environ, start_response):
    """Answers with what it saw, as JSON (latin-1 text, the same on 2.7)."""
    body = environ["wsgi.input"].read()
    seen = dict((key, to_bytes(value).decode("latin-1"))
                for key, value in environ.items()
                if key.startswith("HTTP_") or key in (
                    "CONTENT_TYPE", "CONTENT_LENGTH", "REQUEST_METHOD",
                    "PATH_INFO", "QUERY_STRING", "SERVER_PROTOCOL"))
    seen["body"] = body.decode("latin-1")
    data = json.dumps(seen).encode("utf-8")
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(data)))])
    return [data]


@pytest.fixture(scope="module")
def server(http1_parser):
    with running(recorder) as live:
        yield live


def exchange(server, data, mode, seed):
    """Send *data* in pieces, end our side, read everything until close."""
    sock = connect(server)
    try:
        for piece in pieces(data, mode, seed):
            try:
                sock.sendall(piece)
            except socket.error:  # refused and closed while we still sent
                break
        try:
            sock.shutdown(socket.SHUT_WR)
        except socket.error:
            pass
        answer = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except socket.error:  # reset: what came before still counts
                break
            if not chunk:
                return answer
            answer += chunk
    finally:
        sock.close()
    return answer


def responses(answer):
    """``(status, body)`` of each response in *answer*."""
    client, found = h11.Connection(h11.CLIENT), []
    client.receive_data(answer)
    client.receive_data(b"")
    while True:
        client.send(h11.Request(method="GET", target="/", headers=[
            ("Host", "corpus")]))
        client.send(h11.EndOfMessage())
        status, body = None, b""
        while True:
            try:
                event = client.next_event()
            except h11.RemoteProtocolError:  # the server closed: no more
                break
            if isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                body += bytes(event.data)
            elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)) \
                    or event is h11.NEED_DATA:
                break
        if status is None:
            return found
        found.append((status, body))
        if client.our_state is not h11.DONE or \
                client.their_state is not h11.DONE:
            return found
        client.start_next_cycle()


def matches(seen, wanted):
    for key, value in wanted.items():
        if key == "headers":
            for name, header in value.items():
                assert seen.get(name) == header, (name, seen)
        elif key == "path_length":
            assert len(seen["PATH_INFO"]) == value
        else:
            environ_key = {"method": "REQUEST_METHOD", "path": "PATH_INFO",
                           "query": "QUERY_STRING", "protocol":
                           "SERVER_PROTOCOL", "body": "body"}[key]
            assert seen[environ_key] == value, (key, seen)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", names("valid"))
def test_valid_request(server, name, mode):
    wanted = expected("valid", name)
    answer = exchange(server, load(os.path.join(CORPUS, "valid", name + ".http")),
                      mode, name)
    found = responses(answer)
    assert [status for status, _ in found] == [200] * len(wanted), answer[:300]
    for (_, body), request in zip(found, wanted):
        matches(json.loads(body.decode("utf-8")), request)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", names("invalid"))
def test_invalid_request(server, name, mode, caplog):
    caplog.set_level(logging.WARNING, logger="wsgi_ng")
    wanted = expected("invalid", name)
    answer = exchange(server, load(os.path.join(CORPUS, "invalid",
                                                name + ".http")), mode, name)
    found = responses(answer)
    served = wanted.get("served", [])
    assert [s for s, _ in found] == [200] * len(served) + [wanted["status"]], \
        answer[:300]
    for (_, body), path in zip(found, served):
        assert json.loads(body.decode("utf-8"))["PATH_INFO"] == path
    refusal = found[-1][1].decode("utf-8")
    assert refusal.startswith("%d " % wanted["status"])
    assert "bytearray" not in refusal and "b'" not in refusal
    lines = [r.getMessage() for r in caplog.records
             if "bad request" in r.getMessage()]
    assert len(lines) == 1, lines
