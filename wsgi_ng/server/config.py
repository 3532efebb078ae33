"""The server's settings and limits, with defaults an operator of gunicorn
or uvicorn would recognise.  Every limit has a test that attacks it."""
from wsgi_ng.wschannel import (
    DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_PING_INTERVAL, DEFAULT_PING_TIMEOUT,
)


class Config(object):
    """Settings for one ``Server``; keyword arguments override defaults."""

    #: Largest request head (request line + headers), bytes: 431 past it.
    max_header_size = 64 * 1024
    #: Longest request target, bytes: 414 past it (what nginx and Apache
    #: allow by default, so apps behind them see no difference).
    max_target_size = 8 * 1024
    #: Most header fields in one request.
    max_header_count = 100
    #: Largest request body, bytes: 413 past it.
    max_body_size = 1024 * 1024 * 1024
    #: Open HTTP connections, idle ones included; past it a new one gets a
    #: 503 (HTTP/2: a GOAWAY).  WebSocket sessions count apart.
    max_connections = 5000
    #: WebSocket sessions at once, over either protocol; past it a
    #: handshake gets a 503.  Each needs a file descriptor (the server
    #: raises its limit to the hard one at start).
    max_websockets = 10000
    #: The HTTP/1.1 parser: "httptools" (fast, in C; CPython 3.8+), "h11"
    #: (pure Python, every interpreter), or "auto": httptools if installed.
    http1_parser = "auto"
    #: Seconds a request may wait for a thread when every thread is busy;
    #: past it, a 503 (HTTP/2: the stream refused).
    max_queue_time = 10.0
    #: Seconds after which a running app call is reported (0: never).
    slow_request_time = 30.0
    #: Threads running app calls (HTTP/1.1 requests, HTTP/2 streams); past
    #: it calls queue.  WebSocket sessions and HTTP/2 connections' readers
    #: hold a thread of their own, outside this count.
    threads = 64
    #: Concurrent streams per HTTP/2 connection (SETTINGS).
    max_concurrent_streams = 100
    #: HPACK dynamic table size we let the client use (SETTINGS).
    header_table_size = 4096
    #: HTTP/2 receive window per stream, bytes: what one upload may buffer.
    initial_window_size = 1024 * 1024
    #: Client stream resets allowed per second, averaged over 10 s; past
    #: it the connection is closed (CVE-2023-44487, rapid reset).
    max_resets_per_second = 100
    #: Seconds an idle keep-alive connection stays open.
    keep_alive_timeout = 5.0
    #: Seconds a client has to send a complete request head (slowloris).
    header_timeout = 10.0
    #: Seconds a send may wait for a slow client before it is dropped.
    send_timeout = 60.0
    #: Largest WebSocket message, bytes: close 1009 past it.
    max_message_size = DEFAULT_MAX_MESSAGE_SIZE
    #: Seconds between keepalive pings on a WebSocket session (0: none) ...
    ws_ping_interval = DEFAULT_PING_INTERVAL
    #: ... and how long after a ping the peer has to send anything, else
    #: the session is closed with 1011 (0: never).
    ws_ping_timeout = DEFAULT_PING_TIMEOUT
    #: Bytes of partial WebSocket messages all sessions may hold together;
    #: past it, sessions in the middle of a message stop reading
    #: (``wsgi_ng.wsbudget``).
    ws_buffer_limit = 256 * 1024 * 1024
    #: Seconds in-flight requests get to finish on SIGTERM.
    graceful_timeout = 30.0
    #: Accept permessage-deflate when the client offers it.
    compress = True
    #: Seconds per open connection a process waits before accepting
    #: another, when several processes share the listening sockets
    #: (gunicorn workers): the least loaded one then wins the race.  0
    #: accepts at once.
    accept_delay = 0.0

    def __init__(self, **settings):
        for name, value in settings.items():
            if not hasattr(Config, name):
                raise TypeError("unknown server setting %r" % (name,))
            setattr(self, name, value)
