"""The server's timed socket I/O: on a plain socket the kernel keeps the
time limits (one system call per read or write), and they still hold."""
import socket
import struct
import threading
import time

import pytest

from serving import WAIT
from wsgi_ng.server.sockio import ReadTimeout, TimedSocket


@pytest.fixture
def pair():
    server, client = socket.socketpair()
    server.settimeout(WAIT)  # what TimedSocket must replace
    yield server, client
    server.close()
    client.close()


def test_a_read_times_out_by_the_kernel_and_the_socket_stays_usable(pair):
    server, client = pair
    timed = TimedSocket(server, send_timeout=WAIT)
    assert timed.kernel and server.gettimeout() is None
    started = time.time()
    with pytest.raises(ReadTimeout):
        timed.recv(0.05)
    assert 0.04 <= time.time() - started < WAIT
    client.sendall(b"ping")
    assert timed.recv(WAIT) == b"ping"
    client.close()
    assert timed.recv(WAIT) == b""


def test_no_time_left_is_a_timeout_without_a_read(pair):
    server, client = pair
    client.sendall(b"data")
    with pytest.raises(ReadTimeout):
        TimedSocket(server, send_timeout=WAIT).recv(0)


def test_a_peer_that_stops_reading_fails_the_send(pair):
    server, client = pair
    timed = TimedSocket(server, send_timeout=0.2)
    started = time.time()
    with pytest.raises(socket.error):
        for _ in range(1024):  # 64 MiB: more than the socket buffers hold
            timed.sendall(b"x" * 65536)
    assert 0.2 <= time.time() - started < WAIT


def test_release_lifts_the_limits(pair):
    server, client = pair
    timed = TimedSocket(server, send_timeout=0.2)
    with pytest.raises(ReadTimeout):
        timed.recv(0.01)
    timed.release()
    for option in (socket.SO_RCVTIMEO, socket.SO_SNDTIMEO):
        assert struct.unpack("ll", server.getsockopt(
            socket.SOL_SOCKET, option, struct.calcsize("ll"))) == (0, 0)
    assert server.gettimeout() is None


def test_a_stale_readiness_does_not_wait_out_the_read_limit(pair):
    """The poller may report a socket whose bytes another thread read
    meanwhile: ``recv_ready`` answers None at once, even with a long read
    limit left on the socket by a body read."""
    server, client = pair
    timed = TimedSocket(server, send_timeout=WAIT)
    client.sendall(b"body")
    assert timed.recv(3600) == b"body"  # the limit stays set
    answers = []
    reader = threading.Thread(target=lambda: answers.append(timed.recv_ready()))
    reader.daemon = True
    reader.start()
    reader.join(WAIT)
    assert answers == [None]
