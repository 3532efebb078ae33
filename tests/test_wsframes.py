"""The frames ``wsgi_ng.wsframes`` reads and writes itself must come out as
wsproto alone gives them: every test feeds the same bytes to a session
with the fast path and to one without, and compares what the app got and
what went back to the client (pongs, close codes)."""
import random
import socket
import struct

import pytest
from wsproto.connection import Connection, ConnectionType
from wsproto.events import (
    BytesMessage, CloseConnection, Ping, Pong, TextMessage,
)

from wsgi_ng import wsframes
from wsgi_ng.errors import MessageTooBig
from wsgi_ng.wschannel import FrameChannel
from wsgi_ng.wsstream import SocketStream

pytestmark = pytest.mark.skipif(not wsframes.FAST, reason=(
    "the fast path is Python 3's (int.from_bytes); 2.7 reads every frame "
    "with wsproto"))

WAIT = 10.0


def client_frames(*events):
    client = Connection(ConnectionType.CLIENT)
    return b"".join(client.send(event) for event in events)


def masked(first, payload, length_bytes=None, key=b"\x01\x02\x03\x04"):
    """A client frame written by hand (to write what wsproto will not)."""
    head = struct.pack("!B", first)
    if length_bytes is None:
        head += struct.pack("!B", 0x80 | len(payload))
    else:
        head += length_bytes
    mask = bytearray(key)
    return head + key + bytes(bytearray(
        byte ^ mask[index % 4] for index, byte in enumerate(bytearray(payload))))


def played(data, chunks, fast, max_message_size=1 << 20):
    """What a server session makes of *data* fed in *chunks*: the app's
    messages (or the error that ended them) and the client's view of what
    the server sent back."""
    server_sock, client_sock = socket.socketpair()
    try:
        channel = FrameChannel(  # (no peer answers a close frame here)
            SocketStream(server_sock), max_message_size=max_message_size,
            close_timeout=0.1)
        assert channel._framing._splitter is not None
        if not fast:
            channel._framing._splitter = None
        got, start = [], 0
        for end in chunks + [len(data)]:
            if end == start:
                continue  # (b"" is the end of the stream)
            try:
                got.extend(channel.feed(data[start:end]))
            except MessageTooBig as error:
                got.append(("too big", str(error)))
            start = end
        if not channel.finished:
            server_sock.shutdown(socket.SHUT_WR)
        return got, replies(client_sock)
    finally:
        server_sock.close()
        client_sock.close()


def replies(sock):
    client = Connection(ConnectionType.CLIENT)
    sock.settimeout(WAIT)
    data = sock.recv(65536)
    while data:  # (not the end: wsproto would call it a 1006)
        client.receive_data(data)
        data = sock.recv(65536)
    seen = []
    for event in client.events():
        if isinstance(event, Pong):
            seen.append(("pong", bytes(event.payload)))
        elif isinstance(event, CloseConnection):
            seen.append(("close", event.code))
        elif isinstance(event, Ping):
            seen.append(("ping", bytes(event.payload)))
        else:
            seen.append((type(event).__name__, event.data))
    return seen


def same_either_way(data, chunks=()):
    fast = played(data, list(chunks), True)
    assert fast == played(data, list(chunks), False)
    return fast


def test_whole_messages_come_out_as_sent():
    data = client_frames(TextMessage(data=u"caf\u00e9"),
                         BytesMessage(data=b"\x00\x01"),
                         TextMessage(data=u""), BytesMessage(data=b"x" * 300))
    got, sent = same_either_way(data)
    assert got == [u"caf\u00e9", b"\x00\x01", u"", b"x" * 300]
    assert type(got[1]) is bytes and sent == []


def test_a_frame_cut_at_every_byte_is_the_same_message():
    data = client_frames(BytesMessage(data=b"y" * 70000),
                         TextMessage(data=u"\u2603" * 50), Ping(payload=b"p"))
    for cut in list(range(0, 20)) + [200, 70000, 70007, len(data) - 3]:
        got, sent = same_either_way(data, [cut])
        assert got == [b"y" * 70000, u"\u2603" * 50]
        assert sent == [("pong", b"p")]


def test_pings_and_fragments_keep_their_order():
    data = client_frames(
        TextMessage(data=u"one"), Ping(payload=b"a"),
        TextMessage(data=u"fr", message_finished=False), Ping(payload=b"b"),
        TextMessage(data=u"ag", message_finished=True),
        BytesMessage(data=b"two"))
    got, sent = same_either_way(data)
    assert got == [u"one", u"frag", b"two"]
    assert sent == [("pong", b"a"), ("pong", b"b")]


def test_nothing_after_the_close_frame_reaches_the_app():
    data = client_frames(TextMessage(data=u"before"),
                         CloseConnection(code=1000)) + client_frames(
        TextMessage(data=u"after"))
    got, sent = same_either_way(data)
    assert got == [u"before"] and sent == [("close", 1000)]


@pytest.mark.parametrize("frame,code", [
    (masked(0x81, b"\xff\xfe"), 1007),  # not UTF-8
    (b"\x82\x02ab", 1002),  # a client frame without a mask
    (masked(0xC2, b"ab"), 1002),  # RSV1 with no extension
    (masked(0x82, b"ab", struct.pack("!BH", 0xFE, 2)), 1002),  # 16 bits for 2
    (masked(0x82, b"", struct.pack("!BQ", 0xFF, 1 << 63)), 1002),
    (masked(0x80, b"ab"), 1002),  # a continuation with nothing to continue
    (masked(0x83, b"ab"), 1002),  # a reserved opcode
])
def test_what_wsproto_refuses_closes_the_session_as_before(frame, code):
    data = client_frames(TextMessage(data=u"first")) + frame + client_frames(
        TextMessage(data=u"never"))
    got, sent = same_either_way(data)
    assert got == [u"first"] and sent == [("close", code)]


def test_a_message_over_the_limit_is_refused_either_way():
    data = client_frames(BytesMessage(data=b"z" * 5000))
    fast = played(data, [], True, max_message_size=4096)
    assert fast == played(data, [], False, max_message_size=4096)
    assert fast[1] == [("close", 1009)]


def test_random_streams_of_frames_agree_with_wsproto():
    generator = random.Random(8441)
    kinds = [
        lambda: TextMessage(data=u"\u00e9" * generator.randint(0, 200)),
        lambda: BytesMessage(data=b"b" * generator.choice([0, 1, 125, 126,
                                                          65535, 65537])),
        lambda: Ping(payload=b"p" * generator.randint(0, 10)),
    ]
    for _ in range(40):
        client = Connection(ConnectionType.CLIENT)
        data = b""
        for _ in range(generator.randint(1, 8)):
            if generator.random() < 0.2:  # a fragmented message
                data += client.send(BytesMessage(data=b"f1",
                                                 message_finished=False))
                data += client.send(Ping(payload=b"mid"))
                data += client.send(BytesMessage(data=b"f2"))
            else:
                data += client.send(generator.choice(kinds)())
        cuts = sorted(generator.randint(0, len(data))
                      for _ in range(generator.randint(0, 5)))
        same_either_way(data, cuts)


def test_what_the_server_writes_is_what_wsproto_writes():
    server = Connection(ConnectionType.SERVER)
    for payload in [b"", b"a" * 125, b"a" * 126, b"a" * 65535, b"a" * 65536]:
        assert wsframes.encode(wsframes.BINARY, payload) == server.send(
            BytesMessage(data=payload))
    assert wsframes.encode(wsframes.TEXT, u"\u2603".encode("utf-8")) == \
        server.send(TextMessage(data=u"\u2603"))
