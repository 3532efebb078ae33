"""The access log: one line per request in the common log format (plus
referer and user agent), on the ``wsgi_ng.access`` logger's own handlers."""
import logging
import re
import time

from apps import application
from serving import connect, read_until_closed, running

LINE = re.compile(
    r'^127\.0\.0\.1 - - \[(\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\] '
    r'"GET /info x\?q=%41 HTTP/1\.1" 200 \d+ "-" "probe/1"$')


def test_a_line_per_request_in_the_common_log_format(caplog):
    caplog.set_level(logging.INFO, logger="wsgi_ng.access")
    with running(application) as server:
        sock = connect(server)
        before = time.time()
        sock.sendall(b"GET /info%20x?q=%41 HTTP/1.1\r\nHost: x\r\n"
                     b"User-Agent: probe/1\r\nConnection: close\r\n\r\n")
        assert read_until_closed(sock).startswith(b"HTTP/1.1 200 ")
        after = time.time()
        sock.close()
    lines = [record for record in caplog.records
             if record.name == "wsgi_ng.access"]
    assert len(lines) == 1, [record.getMessage() for record in lines]
    logged = LINE.match(lines[0].getMessage())
    assert logged, lines[0].getMessage()  # a % is no format (PATH_INFO decoded)
    stamp = time.mktime(time.strptime(logged.group(1)[:-6], "%d/%b/%Y:%H:%M:%S"))
    assert int(before) <= stamp <= after
