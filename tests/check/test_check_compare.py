"""How wsgi-ng check judges a reply against the baseline's (in process:
replies made by hand)."""
from wsgi_ng.check.compare import DEGRADED, DIFFERENT, SAME, judge
from wsgi_ng.check.observe import Observation
from wsgi_ng.check.requests import parse
from wsgi_ng.hosting.client import Reply

GET = parse("GET /", "here")[0]
SIZED, UNSIZED = parse("POST /up body=abc", "here")
WS = parse("GET /ws websocket", "here")[0]


def observed(status=200, body=b"<p>hello</p>", head=b"", informational=(),
             trailers=(), websocket=None, error=None, content_type="text/html"):
    reply = Reply("1.1")
    reply.status, reply.body, reply.head, reply.error = status, body, head, error
    reply.headers = [("Content-Type", content_type)]
    reply.informational, reply.trailers = list(informational), list(trailers)
    return Observation(reply, websocket)


def test_the_same_page_with_another_token_and_date_is_the_same():
    baseline = observed(body=b"<input value=Kx9f3Gq7Lm2Pz8Rt1Wb4Yc6> Tue, 01 "
                             b"Dec 2026 10:00:00 GMT")
    other = observed(body=b"<input value=Ab3Cd5Ef7Gh9Ij1Kl2Mn4Op6> Wed, 02 "
                          b"Dec 2026 11:30:00 GMT")
    assert judge(GET, other, baseline).kind == SAME
    assert judge(GET, observed(body=b"<p>bye</p>"), observed()).what == [
        "the body was '<p>bye</p>', not '<p>hello</p>'"]
    assert judge(GET, observed(body=b"<p>bye</p>"), observed(),
                 volatile=True).kind == SAME


def test_what_the_spec_lets_a_host_do_without_is_a_degradation():
    baseline = observed(informational=[(103, [("Link", "</a.css>")])],
                        trailers=[("x-sum", "1")])
    verdict = judge(GET, observed(), baseline)
    assert (verdict.kind, verdict.what) == (DEGRADED, [
        "no 103 Early Hints (a Link header instead)", "trailers dropped"])
    verdict = judge(UNSIZED, observed(status=411), observed())
    assert verdict.kind == DEGRADED and "411" in verdict.what[0]
    assert judge(SIZED, observed(status=411), observed()).kind == DIFFERENT
    fallback = judge(WS, observed(status=426), observed(101, websocket="accepted"))
    assert fallback.what == ["no WebSocket here: the app's fallback answered 426"]
    failed = judge(WS, observed(status=500), observed(101, websocket="accepted"))
    assert failed.kind == DIFFERENT


def test_what_the_wire_forbids_or_no_reply_is_a_difference():
    leading = observed(head=b"HTTP/1.1 200 OK\r\nSet-Cookie:  a=1\r\n\r\n")
    verdict = judge(GET, leading, leading)  # the baseline itself
    assert verdict.kind == DIFFERENT and "Set-Cookie went out with whitespace" \
        in verdict.what[0]
    gone = judge(GET, observed(status=None, error="connection closed with no "
                               "reply"), observed())
    assert gone.what == ["connection closed with no reply"]
    expected = parse("GET / 201", "here")[0]
    assert judge(expected, observed(), observed()).what == [
        "answered 200, not the 201 expected"]


def test_a_411_for_a_body_without_a_length_is_a_degradation_even_when_200_is_expected():
    """The check plays the unsized variant itself: the user's expected
    status is for the request, and a 411 is what the spec lets a host say."""
    sized, unsized = parse("POST /upload 200 body=hello", "here")
    verdict = judge(unsized, observed(status=411), observed())
    assert (verdict.kind, verdict.what) == (
        DEGRADED, ["411: this host cannot read a body without a length"])
    assert judge(sized, observed(status=411), observed()).kind == DIFFERENT
