"""wsgi-ng check's requests: the line format of --request and --requests,
and the crawl from the root (in process: no server needed)."""
import pytest

from wsgi_ng.check.requests import Request, crawl, from_file, links, parse
from wsgi_ng.startup import UsageError


def test_a_line_with_a_status_a_body_and_a_header():
    sized, unsized = parse("post /upload 201 body=a%20b header:X-Id=7", "here")
    assert sized == Request("POST", "/upload", 201, b"a b", False, False,
                            (("X-Id", "7"),))
    assert unsized == sized._replace(unsized=True)
    assert sized.label() == "POST /upload (3 bytes)"
    assert unsized.label() == "POST /upload (no length)"


def test_a_websocket_and_a_file_body(tmpdir):
    (ws,) = parse("GET /ws websocket", "here")
    assert ws.websocket and ws.label() == "GET /ws (WebSocket)"
    tmpdir.join("photo.bin").write_binary(b"\x00\xff")
    (sized, _) = parse("PUT /p body@%s" % tmpdir.join("photo.bin"), "here")
    assert sized.body == b"\x00\xff"


@pytest.mark.parametrize("line, says", [
    ("GET", "is not a request: write METHOD PATH"),
    ("GET login", "is not a request"),
    ("GET / 2000", "'2000' is not a status"),
    ("GET / body@/no/such/file", "there is no file /no/such/file"),
    ("POST /ws websocket", "a WebSocket handshake is a GET without a body"),
])
def test_mistakes_are_one_line_saying_how_to_write_it(line, says):
    with pytest.raises(UsageError) as error:
        parse(line, "--request %r" % line)
    assert says in str(error.value) and "\n" not in str(error.value)


def test_a_requests_file_with_comments(tmpdir):
    path = tmpdir.join("check.requests")
    path.write("# the login page\nGET /login 200\n\nGET /ws websocket  # live\n")
    assert [r.label() for r in from_file(str(path))] == [
        "GET /login", "GET /ws (WebSocket)"]
    path.write("GET /fine\nDELETE\n")
    with pytest.raises(UsageError) as error:
        from_file(str(path))
    assert "%s, line 2" % path in str(error.value)
    with pytest.raises(UsageError):
        from_file(str(tmpdir.join("missing")))


def test_links_stay_on_the_site():
    html = ('<a href="/a">a</a><a href="b?x=1">b</a><a href="http://else/c">'
            '<link href="/static/app.css"><script src="//cdn/x.js"></script>'
            '<img src="/logo.png"><form method="post" action="/login"></form>'
            '<form action="/search"></form>')
    assert links("/dir/page", html) == ["/a", "/dir/b?x=1", "/static/app.css",
                                        "/logo.png", "/search"]


def test_the_crawl_follows_links_a_bounded_number_of_levels_and_pages():
    site = {"/": '<a href="/a"></a><a href="/b"></a>', "/a": '<a href="/c">'
            '</a><a href="/">home</a>', "/b": "", "/c": '<a href="/d"></a>'}

    def fetch(path):
        return 200, "text/html; charset=utf-8", site.get(path, "")
    assert [r.path for r in crawl(fetch, depth=2)] == ["/", "/a", "/b", "/c"]
    assert [r.path for r in crawl(fetch, depth=1)] == ["/", "/a", "/b"]
    assert [r.path for r in crawl(fetch, depth=5, limit=2)] == ["/", "/a"]
