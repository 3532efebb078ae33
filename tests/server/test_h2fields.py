"""The server's one-pass check of HTTP/2 request header blocks
(``h2fields``), which stands in for h2's own chain of checks: case by case
against that chain, and over a real connection, where a block that breaks
a rule costs its stream alone."""
import random

import h2
import h2.exceptions
import h2.utilities
import pytest

from h2client import Exchange, H2Client
from serving import connect, running
from apps import application
from wsgi_ng.server.h2fields import check_request, check_trailers

REQUEST = [(b":method", b"GET"), (b":scheme", b"https"),
           (b":authority", b"example.com"), (b":path", b"/x?y=1"),
           (b"accept", b"*/*"), (b"cookie", b"a=1")]
#: Bytes at the edges of what names and values may hold.
EDGES = [b"\x00", b"\t", b"\n", b"\r", b" ", b"!", b":", b"@", b"A", b"Z",
         b"[", b"~", b"\x7f", b"\x80", b"\xff"]


def with_byte(text, byte, where):
    return {"start": byte + text, "middle": text[:1] + byte + text[1:],
            "end": text + byte}[where]


def replaced(headers, index, field):
    copy = list(headers)
    copy[index] = field
    return copy


def without(headers, name):
    return [field for field in headers if field[0] != name]


def request_cases():
    """Request header blocks, well-formed and not: one rule broken in each
    of most."""
    yield REQUEST
    for byte in EDGES:
        for where in ("start", "middle", "end"):
            yield replaced(REQUEST, 4, (with_byte(b"accept", byte, where),
                                        b"*/*"))
            yield replaced(REQUEST, 4, (b"accept", with_byte(b"*/*", byte,
                                                             where)))
            yield replaced(REQUEST, 0, (with_byte(b":method", byte, where),
                                        b"GET"))
    yield REQUEST + [(b"", b"x")]
    yield REQUEST + [(b":", b"x")]
    yield REQUEST + [(b"x-empty", b"")]
    for value in (b"trailers", b"Trailers", b"gzip", b"trailers, deflate"):
        yield REQUEST + [(b"te", value)]
    for name in (b"connection", b"proxy-connection", b"keep-alive",
                 b"transfer-encoding", b"upgrade", b"connection-x"):
        yield REQUEST + [(name, b"close")]
    for index in range(4):
        pseudo = REQUEST[index]
        yield REQUEST[:index] + REQUEST[index + 1:]  # missing
        yield REQUEST + [pseudo]  # after a regular field
        yield [pseudo] + REQUEST  # twice
    for extra in (b":status", b":protocol", b":foo"):
        yield [(extra, b"200")] + REQUEST
    yield replaced(REQUEST, 3, (b":path", b""))
    connect = [(b":method", b"CONNECT"), (b":authority", b"example.com:443")]
    yield connect
    yield connect + [(b":path", b"/")]
    yield connect + [(b":scheme", b"https")]
    yield connect[:1]
    yield [(b":method", b"CONNECT"), (b"host", b"example.com:443")]
    extended = [(b":method", b"CONNECT"), (b":protocol", b"websocket"),
                (b":scheme", b"https"), (b":path", b"/chat"),
                (b":authority", b"example.com")]
    yield extended
    yield without(extended, b":path")
    yield without(extended, b":scheme")
    yield replaced(extended, 0, (b":method", b"GET"))
    no_authority = without(REQUEST, b":authority")
    yield no_authority + [(b"host", b"example.com")]
    yield no_authority + [(b"host", b"a"), (b"host", b"a")]
    yield REQUEST + [(b"host", b"example.com")]
    yield REQUEST + [(b"host", b"elsewhere.example")]
    yield REQUEST + [(b"host", b"example.com"), (b"host", b"example.com")]


def trailer_cases():
    yield [(b"x-checksum", b"abc")]
    yield []
    yield [(b":path", b"/")]
    yield [(b"x-checksum", b"abc"), (b":status", b"200")]
    yield [(b"X-Checksum", b"abc")]
    yield [(b"x-checksum", b" abc")]
    yield [(b"transfer-encoding", b"chunked")]


def random_cases(count, seed=1):
    """A good block with up to three random changes -- a field replaced,
    put in, moved or taken out -- drawn from a few fields, good and bad:
    what the chosen cases may have missed."""
    fields = REQUEST + [
        (b"host", b"example.com"), (b"host", b"other"), (b"te", b"gzip"),
        (b"te", b"trailers"), (b":protocol", b"websocket"),
        (b":method", b"CONNECT"), (b"x-a", b"1"), (b"x-a", b"1 "),
        (b"X-a", b"1"), (b"x:a", b"1"), (b":path", b""),
        (b"upgrade", b"h2c")]
    draw = random.Random(seed)
    for _ in range(count):
        case = list(REQUEST)
        for _ in range(draw.randint(0, 3)):
            change = draw.randrange(4)
            where = draw.randrange(len(case) + 1)
            if change == 0 and where < len(case):
                case[where] = draw.choice(fields)
            elif change == 1:
                case.insert(where, draw.choice(fields))
            elif change == 2 and len(case) > 1:
                case.insert(where, case.pop(draw.randrange(len(case))))
            elif case:
                del case[draw.randrange(len(case))]
        yield case


def refused(check, headers):
    try:
        check(headers)
    except h2.exceptions.ProtocolError:
        return True
    return False


def refused_by_h2(headers, trailer):
    flags = h2.utilities.HeaderValidationFlags(
        is_client=False, is_trailer=trailer, is_response_header=False,
        is_push_promise=False)
    try:
        list(h2.utilities.validate_headers(headers, flags))
    except h2.exceptions.ProtocolError:
        return True
    return False


#: Whether h2's chain is 4.4's, which these checks follow.  Earlier ones
#: differ: before 4.3 names and values may hold NUL, CR, LF (RFC 9113
#: section 8.2.1 forbids them), 4.3 takes two Host fields and refuses a
#: plain CONNECT (RFC 9113 section 8.5 allows it).
H2_4_4 = tuple(int(part) for part in h2.__version__.split(".")[:2]) \
    >= (4, 4)


@pytest.mark.skipif(not H2_4_4, reason="h2 %s checks by older rules "
                    "(h2 4.4 needs Python 3.10)" % h2.__version__)
def test_the_one_pass_refuses_what_h2s_chain_refuses():
    cases = [(check_request, case, False) for case in request_cases()]
    cases += [(check_request, case, False) for case in random_cases(3000)]
    cases += [(check_trailers, case, True) for case in trailer_cases()]
    differing = [(case, refused(check, case))
                 for check, case, trailer in cases
                 if refused(check, case) != refused_by_h2(case, trailer)]
    assert not differing
    verdicts = [refused(check, case) for check, case, _ in cases]
    assert 100 < verdicts.count(True) < len(verdicts) - 100  # both kinds


@pytest.mark.parametrize("headers, words", [
    (REQUEST, None),
    (replaced(REQUEST, 4, (b"Accept", b"*/*")), "header name"),
    (replaced(REQUEST, 4, (b"accept", b"*/*\r\nx: 1")), "value"),
    (replaced(REQUEST, 4, (b"accept", b" */*")), "value"),
    (REQUEST + [(b"connection", b"close")], "Connection-specific"),
    (REQUEST + [(b"te", b"gzip")], "TE"),
    (REQUEST + [REQUEST[0]], "out of sequence"),
    ([REQUEST[0]] + REQUEST, "duplicate"),
    (without(REQUEST, b":path"), ":path"),
    ([(b":method", b"CONNECT"), (b":authority", b"a:1")], None),
    ([(b":method", b"CONNECT"), (b":authority", b"a:1"), (b":path", b"/")],
     "CONNECT"),
    (REQUEST + [(b"host", b"elsewhere")], "mismatched :authority and Host"),
])
def test_each_rule_is_said_in_words(headers, words):
    if words is None:
        check_request(headers)  # no error
        return
    with pytest.raises(h2.exceptions.ProtocolError) as error:
        check_request(headers)
    assert words in str(error.value)


def test_a_field_seen_before_is_still_placed_by_the_rules():
    """The cache skips a field's own checks, never the block's."""
    check_request(REQUEST)
    assert refused(check_request, REQUEST + [REQUEST[3]])
    assert refused(check_trailers, [REQUEST[3]])


def test_a_malformed_block_resets_its_stream_and_the_connection_goes_on(
        caplog):
    bad = [
        REQUEST + [(b"connection", b"keep-alive")],
        replaced(REQUEST, 4, (b"accept", b"*/* ")),
        REQUEST + [(b"te", b"gzip")],
        REQUEST + [(b":path", b"/again")],
        without(REQUEST, b":scheme"),
        [(b":method", b"GET"), (b":protocol", b"websocket")] + REQUEST[1:],
    ]
    with running(application) as server:
        client = H2Client(connect(server), server.url, validate=False)
        for headers in bad:
            stream = client.conn.get_next_available_stream_id()
            client.exchanges[stream] = Exchange()
            client.conn.send_headers(stream, headers, end_stream=True)
            client.flush()
            assert client.response(stream).reset == 1  # PROTOCOL_ERROR
        trailed = client.request("POST", "/upload", body=False)
        client.send(trailed, b"body")
        client.conn.send_headers(trailed, [(b":path", b"/")],
                                 end_stream=True)
        client.flush()
        assert client.response(trailed).reset == 1
        assert client.get("/info").status == 200
        client.close()
    lines = [r.getMessage() for r in caplog.records
             if "malformed request" in r.getMessage()]
    assert len(lines) == len(bad) + 1, lines
    assert "protocol error" not in caplog.text  # no connection error
