"""The degradation contract, written once in RequestContext."""
import pytest

from wsgi_ng import keys
from wsgi_ng.errors import HeaderError, StateError
from wsgi_ng.host import RequestContext, preload_link


def recorder(result=True):
    calls = []

    def hook(*args):
        calls.append(args)
        return result
    return hook, calls


def test_install_sets_every_key_and_the_aliases():
    context = RequestContext()
    environ = context.install({keys.WEBSOCKET: "stale"})
    assert environ[keys.VERSION] == (1, 0)
    assert environ[keys.FEATURES] == frozenset()
    assert environ[keys.ALIAS_EARLY_HINTS] == context.early_hints
    assert environ[keys.ALIAS_SEND_TRAILERS] == context.send_trailers
    assert keys.WEBSOCKET not in environ  # never leak a foreign session
    assert all(callable(environ[k]) for k in (keys.PUSH, keys.EARLY_HINTS,
                                              keys.SEND_TRAILERS))


def test_features_follow_the_capabilities_given():
    push, _ = recorder()
    context = RequestContext(push=push, trailers=True, websocket=object(),
                             full_duplex=True)
    assert context.features == frozenset(
        ["push", "trailers", "websocket", "full_duplex"])


def test_push_chain_push_then_103_then_link_then_dropped():
    push, pushed = recorder(False)  # the client disabled push meanwhile
    hints, hinted = recorder(True)
    context = RequestContext(push=push, early_hints=hints)
    assert context.push("/a.js") == "early_hint"
    assert pushed == [("/a.js", [])]
    assert hinted == []  # collected: the 103 goes out with the final head
    assert context.final_headers([]) == [
        ("Link", "</a.js>; rel=preload; as=script")]  # and is repeated
    assert hinted == [([("Link", "</a.js>; rel=preload; as=script")],)]

    linking = RequestContext()
    assert linking.push("/a.css") == "link"
    headers = linking.final_headers([("Content-Type", "text/html")])
    assert headers == [("Content-Type", "text/html"),
                       ("Link", "</a.css>; rel=preload; as=style")]
    assert linking.push("/late.css") == "dropped"
    assert [r for _, _, r in linking.pushes] == ["link", "dropped"]


def test_real_push_wins_and_keeps_request_headers():
    push, pushed = recorder(True)
    context = RequestContext(push=push)
    assert context.push("/x.png", [("Accept", "image/*")]) == "push"
    assert pushed == [("/x.png", [("Accept", "image/*")])]
    context.final_headers([])
    context.end_body()
    assert context.push("/y.png") == "dropped"  # stream over: no promise


def test_push_rejects_bad_paths():
    non_native = u"/x.css" if str is bytes else b"/x.css"
    for bad in ("relative.css", non_native, "/a\r\nX: y"):
        with pytest.raises(HeaderError):
            RequestContext().push(bad)


def test_early_hints_fold_link_headers_when_no_103_is_possible():
    context = RequestContext()
    sent = context.early_hints([("Link", "</f.woff2>; rel=preload; as=font"),
                                ("X-Other", "dropped")])
    assert sent is False
    assert context.final_headers([]) == [
        ("Link", "</f.woff2>; rel=preload; as=font")]
    assert context.early_hints([("Link", "</g>")]) is False  # too late


def test_early_hints_go_out_at_once_with_the_pushes_collected_so_far():
    hints, hinted = recorder(True)
    context = RequestContext(early_hints=hints)
    assert context.push("/a.css") == context.push("/b.js") == "early_hint"
    assert context.early_hints([("Link", "</s.css>; rel=preload")]) is True
    assert hinted == [([("Link", "</a.css>; rel=preload; as=style"),
                        ("Link", "</b.js>; rel=preload; as=script"),
                        ("Link", "</s.css>; rel=preload")],)]  # one 103
    assert context.push("/c.css") == "early_hint"
    assert context.early_hints([]) is True  # sends what was collected
    assert context.early_hints([]) is False  # nothing left to send
    assert context.hints_sent == [hinted[0][0], [
        ("Link", "</c.css>; rel=preload; as=style")]]
    assert context.final_headers([]) == [  # RFC 8297: repeat them
        ("Link", "</a.css>; rel=preload; as=style"),
        ("Link", "</b.js>; rel=preload; as=script"),
        ("Link", "</s.css>; rel=preload"),
        ("Link", "</c.css>; rel=preload; as=style")]
    assert len(hinted) == 2  # nothing new for the final head to send


def test_several_pushes_before_the_headers_make_one_103():
    hints, hinted = recorder(True)
    context = RequestContext(early_hints=hints)
    for path in ("/a.css", "/b.css", "/c.woff2"):
        assert context.push(path) == "early_hint"
    context.final_headers([("Content-Type", "text/html")])
    assert len(hinted) == 1 and len(hinted[0][0]) == 3


def test_http1_trailers_never_promised_with_a_content_length():
    late = RequestContext(trailers=True, trailers_need_chunking=True)
    assert late.final_headers([("Content-Length", "5")]) == [
        ("Content-Length", "5")]
    assert late.send_trailers([("X-Sum", "1")]) is False
    early = RequestContext(trailers=True, trailers_need_chunking=True)
    assert early.send_trailers([("X-Sum", "1")]) is True
    # promised before the head: the length goes, the body is chunked
    assert early.final_headers([("Content-Length", "5"), ("X-A", "1")]) == [
        ("X-A", "1")]
    assert early.trailers == [("X-Sum", "1")]
    http2 = RequestContext(trailers=True)
    assert http2.final_headers([("Content-Length", "5")]) == [
        ("Content-Length", "5")]
    assert http2.send_trailers([("X-Sum", "1")]) is True


def test_trailers_only_while_possible_and_before_the_end():
    assert RequestContext().send_trailers([("X-Sum", "1")]) is False
    context = RequestContext(trailers=True)
    assert context.send_trailers([("X-Sum", "1")]) is True
    context.end_body()
    assert context.send_trailers([("X-Late", "2")]) is False
    assert context.trailers == [("X-Sum", "1")]


def test_forbidden_and_malformed_trailers_raise():
    context = RequestContext(trailers=True)
    with pytest.raises(HeaderError):
        context.send_trailers([("Content-Length", "3")])
    with pytest.raises(HeaderError):
        context.send_trailers([("X-Ok", "a\nb")])
    with pytest.raises(HeaderError):
        context.send_trailers("X-Not-A-List")


def test_final_headers_only_once():
    context = RequestContext()
    context.final_headers([])
    with pytest.raises(StateError):
        context.final_headers([])


@pytest.mark.parametrize("path, link", [
    ("/app.css", "</app.css>; rel=preload; as=style"),
    ("/m.mjs?v=2", "</m.mjs?v=2>; rel=preload; as=script"),
    ("/f.WOFF2", "</f.WOFF2>; rel=preload; as=font; crossorigin"),
    ("/data", "</data>; rel=preload"),
])
def test_preload_link_says_what_the_resource_is(path, link):
    assert preload_link(path) == link
