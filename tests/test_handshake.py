"""The server side of the HTTP/1.1 WebSocket handshake."""
import base64
import hashlib
import socket

import pytest
from wsproto.connection import Connection, ConnectionType
from wsproto.events import TextMessage
from wsproto.extensions import PerMessageDeflate

from wsgi_ng.handshake import accept_response, websocket_offer
from wsgi_ng.websocket import WebSocket
from wsgi_ng.wschannel import FrameChannel
from wsgi_ng.wsstream import SocketStream

KEY = "dGhlIHNhbXBsZSBub25jZQ=="


def handshake(**overrides):
    environ = {"REQUEST_METHOD": "GET", "HTTP_UPGRADE": "websocket",
               "HTTP_CONNECTION": "keep-alive, Upgrade",
               "HTTP_SEC_WEBSOCKET_VERSION": "13",
               "HTTP_SEC_WEBSOCKET_KEY": KEY}
    environ.update(overrides)
    return dict((k, v) for k, v in environ.items() if v is not None)


def test_a_valid_offer():
    offer = websocket_offer(handshake(
        HTTP_SEC_WEBSOCKET_PROTOCOL="chat, superchat",
        HTTP_UPGRADE="WebSocket"))
    assert offer.key == KEY and offer.subprotocols == ["chat", "superchat"]


@pytest.mark.parametrize("overrides", [
    {"REQUEST_METHOD": "POST"},
    {"HTTP_UPGRADE": "h2c"},
    {"HTTP_CONNECTION": "keep-alive"},
    {"HTTP_SEC_WEBSOCKET_VERSION": "8"},
    {"HTTP_SEC_WEBSOCKET_KEY": None},
])
def test_anything_else_is_plain_http(overrides):
    assert websocket_offer(handshake(**overrides)) is None


def test_accept_headers_follow_rfc6455():
    headers, extensions = accept_response(
        websocket_offer(handshake()), "chat", [("X-Extra", "1")])
    expected = base64.b64encode(hashlib.sha1(
        (KEY + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
    assert headers == [("Upgrade", "websocket"), ("Connection", "Upgrade"),
                       ("Sec-WebSocket-Accept", expected.decode()),
                       ("Sec-WebSocket-Protocol", "chat"), ("X-Extra", "1")]
    assert extensions == []


def test_permessage_deflate_is_negotiated_when_offered():
    offer = websocket_offer(handshake(
        HTTP_SEC_WEBSOCKET_EXTENSIONS="x-unknown, permessage-deflate; "
                                      "client_max_window_bits"))
    headers, extensions = accept_response(offer, None, [])
    values = [v for n, v in headers if n == "Sec-WebSocket-Extensions"]
    assert len(values) == 1 and values[0].startswith("permessage-deflate")
    assert len(extensions) == 1
    assert accept_response(offer, None, [], compress=False)[1] == []


def test_a_compressed_session_round_trips():
    offer = websocket_offer(handshake(
        HTTP_SEC_WEBSOCKET_EXTENSIONS="permessage-deflate"))
    headers, extensions = accept_response(offer, None, [])
    server_sock, client_sock = socket.socketpair()
    client_sock.settimeout(5)
    session = WebSocket.connected(FrameChannel(SocketStream(server_sock),
                                               extensions=extensions))
    client_ext = PerMessageDeflate()
    client_ext.finalize([v for n, v in headers
                         if n == "Sec-WebSocket-Extensions"][0])
    client = Connection(ConnectionType.CLIENT, extensions=[client_ext])
    text = u"compressible " * 1000
    wire = bytes(client.send(TextMessage(data=text)))
    assert len(wire) < len(text) // 10  # it really was compressed
    client_sock.sendall(wire)
    assert session.receive(5) == text
    server_sock.close()
    client_sock.close()
