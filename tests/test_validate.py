"""Bad input from an app gets a clear, typed error."""
import pytest

from wsgi_ng.errors import BodyError, HeaderError, LocalProtocolError
from wsgi_ng.validate import check_body_block, check_status, clean_headers


NON_NATIVE_STATUS = u"200 OK" if str is bytes else b"200 OK"


@pytest.mark.parametrize("status", ["200", "200OK", "20 OK", "200 OK\r\nX: y",
                                    "200 O\x7fK", NON_NATIVE_STATUS, 200])
def test_bad_status_lines(status):
    with pytest.raises(HeaderError):
        check_status(status)


def test_good_status_returns_the_code():
    assert check_status("404 Not Found") == 404
    assert check_status("299 ") == 299


@pytest.mark.parametrize("headers, fragment", [
    ([("X-A", "ok\r\nSet-Cookie: evil=1")], "control character"),
    ([("X-A", "ok\nx")], "control character"),
    ([("X-A", "a\x00b")], "control character"),
    ([("X-A", "a\x0bb")], "control character"),  # h11 refuses VT and FF
    ([("X-A", "a\x7f")], "control character"),
    ([("X A", "v")], "invalid header name"),
    ([("Content-Length", "12a")], "not one number"),
    ([("Content-Length", "\xb2")], "not one number"),  # a latin-1 digit
    ([("Content-Length", "3"), ("Content-Length", "4")], "not one number"),
    ([("Transfer-Encoding", "gzip")], "can only chunk"),
    ([("Transfer-Encoding", "chunked"), ("Transfer-Encoding", "chunked")],
     "can only chunk"),
    ([("X-A",)], "not a (name, value) tuple"),
    ([["X-A", "v"]], "not a (name, value) tuple"),
    ((("X-A", "v"),), "must be a list"),
])
def test_bad_headers(headers, fragment):
    with pytest.raises(HeaderError) as error:
        clean_headers(headers)
    assert fragment in str(error.value)
    assert isinstance(error.value, (LocalProtocolError, ValueError))


def test_non_native_header_strings_are_refused():
    other = u"v" if str is bytes else b"v"  # the non-native type
    with pytest.raises(HeaderError) as error:
        clean_headers([("X-A", other)])
    assert "native str" in str(error.value)


def test_non_latin1_header_value_is_refused_on_python3():
    if str is bytes:
        pytest.skip("on 2.7 a native str is bytes: nothing to encode")
    with pytest.raises(HeaderError) as error:
        clean_headers([("X-A", u"\u2603")])
    assert "latin-1" in str(error.value)


def test_whitespace_around_values_is_stripped_the_list_copied_only_then():
    django = [("Content-Type", "text/html"),
              ("Set-Cookie", " csrftoken=abc; Path=/"), ("X-Tab", "v\t")]
    cleaned = clean_headers(django)
    assert cleaned == [("Content-Type", "text/html"),
                       ("Set-Cookie", "csrftoken=abc; Path=/"), ("X-Tab", "v")]
    assert django[1] == ("Set-Cookie", " csrftoken=abc; Path=/")  # untouched
    plain = [("Content-Type", "text/html"), ("X-Inner", "a \t b"),
             ("Content-Length", "5"), ("Content-Length", " 5")]
    same = plain[:3]
    assert clean_headers(same) is same
    assert clean_headers(plain)[3] == ("Content-Length", "5")


def test_pairs_checked_before_still_leave_the_list_uncopied():
    """Checked pairs are remembered; an equal value that is another object
    (every response builds its own) must not count as stripped."""
    clean_headers([("X-Seen", "".join(["be", "fore"]))])
    again = [("X-Seen", "".join(["be", "fore"])), ("X-Padded", " v ")]
    same = again[:1]
    assert clean_headers(same) is same
    assert clean_headers(again)[1] == ("X-Padded", "v")
    assert clean_headers(again)[1] == ("X-Padded", "v")  # remembered too


def test_connection_specific_headers_only_refused_on_http2():
    headers = [("Connection", "close"), ("Transfer-Encoding", "chunked")]
    clean_headers(headers)
    with pytest.raises(HeaderError) as error:
        clean_headers(headers, http2=True)
    assert "from_wsgi" in str(error.value)


@pytest.mark.parametrize("block", [u"text", 42, None, bytearray(b"x"), [b"x"]])
def test_body_blocks_must_be_bytes(block):
    with pytest.raises(BodyError) as error:
        check_body_block(block)
    assert "must be bytes" in str(error.value)
    assert isinstance(error.value, TypeError)


def test_bytes_pass():
    check_body_block(b"")
    check_body_block(b"data")
