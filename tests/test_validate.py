"""Bad input from an app gets a clear, typed error."""
import pytest

from wsgi_ng.errors import BodyError, HeaderError, LocalProtocolError
from wsgi_ng.validate import check_body_block, check_headers, check_status


NON_NATIVE_STATUS = u"200 OK" if str is bytes else b"200 OK"


@pytest.mark.parametrize("status", ["200", "200OK", "20 OK", "200 OK\r\nX: y",
                                    NON_NATIVE_STATUS, 200])
def test_bad_status_lines(status):
    with pytest.raises(HeaderError):
        check_status(status)


def test_good_status_returns_the_code():
    assert check_status("404 Not Found") == 404
    assert check_status("299 ") == 299


@pytest.mark.parametrize("headers, fragment", [
    ([("X-A", "ok\r\nSet-Cookie: evil=1")], "CR, LF or NUL"),
    ([("X-A", "ok\nx")], "CR, LF or NUL"),
    ([("X A", "v")], "invalid header name"),
    ([("X-A",)], "not a (name, value) tuple"),
    ([["X-A", "v"]], "not a (name, value) tuple"),
    ((("X-A", "v"),), "must be a list"),
])
def test_bad_headers(headers, fragment):
    with pytest.raises(HeaderError) as error:
        check_headers(headers)
    assert fragment in str(error.value)
    assert isinstance(error.value, (LocalProtocolError, ValueError))


def test_non_native_header_strings_are_refused():
    other = u"v" if str is bytes else b"v"  # the non-native type
    with pytest.raises(HeaderError) as error:
        check_headers([("X-A", other)])
    assert "native str" in str(error.value)


def test_non_latin1_header_value_is_refused_on_python3():
    if str is bytes:
        pytest.skip("on 2.7 a native str is bytes: nothing to encode")
    with pytest.raises(HeaderError) as error:
        check_headers([("X-A", u"\u2603")])
    assert "latin-1" in str(error.value)


def test_connection_specific_headers_only_refused_on_http2():
    headers = [("Connection", "close"), ("Transfer-Encoding", "chunked")]
    check_headers(headers)
    with pytest.raises(HeaderError) as error:
        check_headers(headers, http2=True)
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
