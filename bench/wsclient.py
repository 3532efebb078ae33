"""A minimal WebSocket client for the benchmark (Python 3 only).

Raw sockets rather than a client library: the client shares the machine's
cores with the server under test, so each round trip here costs one
``sendall`` of a frame encoded once and one small ``recv`` -- as little
client CPU as Python allows, leaving the server as the bottleneck.  No
extension is offered, so no server compresses.

``python wsclient.py echo --port P --connections N --messages M`` opens N
connections, then (timed) sends M messages round trip on each, one thread
per connection, and prints a JSON line with the count and the time window.
The harness imports ``connect`` directly for the idle-connection test.
"""
import argparse
import base64
import hashlib
import json
import os
import socket
import struct
import sys
import threading
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONTINUATION, OP_TEXT, OP_BINARY = 0x0, 0x1, 0x2
OP_CLOSE, OP_PING, OP_PONG = 0x8, 0x9, 0xA


class HandshakeError(Exception):
    """The server did not switch protocols (status line in the message)."""


def encode_frame(payload, opcode=OP_TEXT):
    """One final, masked client frame (RFC 6455 5.2)."""
    mask = os.urandom(4)
    length = len(payload)
    if length < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 1 << 16:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + mask + masked


class Connection:
    """One open WebSocket: send pre-encoded frames, receive whole messages
    (pings answered, fragments joined)."""

    def __init__(self, sock, buffered=b""):
        self.sock = sock
        self._buffer = bytearray(buffered)

    def _read_exact(self, size):
        while len(self._buffer) < size:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the TCP connection")
            self._buffer += chunk
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def read_frame(self):
        """(fin, opcode, payload) of the next frame."""
        first, second = self._read_exact(2)
        length = second & 0x7F
        if length == 126:
            length, = struct.unpack("!H", self._read_exact(2))
        elif length == 127:
            length, = struct.unpack("!Q", self._read_exact(8))
        mask = self._read_exact(4) if second & 0x80 else None
        payload = self._read_exact(length)
        if mask:  # servers must not mask, but decode it if one does
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        return bool(first & 0x80), first & 0x0F, payload

    def receive(self):
        """The next data message's payload; ``ConnectionError`` on close."""
        parts = []
        while True:
            fin, opcode, payload = self.read_frame()
            if opcode == OP_PING:
                self.sock.sendall(encode_frame(payload, OP_PONG))
            elif opcode == OP_CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if payload else None
                raise ConnectionError("server closed the WebSocket (%s)" % code)
            elif opcode in (OP_TEXT, OP_BINARY, OP_CONTINUATION):
                parts.append(payload)
                if fin:
                    return b"".join(parts)

    def close(self):
        """Send a 1000 close frame and drop the socket without waiting:
        the benchmark measures the server, not the closing handshake."""
        try:
            self.sock.sendall(encode_frame(struct.pack("!H", 1000), OP_CLOSE))
        except OSError:
            pass
        self.sock.close()


def connect(host, port, path="/", timeout=10.0):
    """Open a WebSocket over HTTP/1.1; raise ``HandshakeError`` unless the
    server answers 101 with the right ``Sec-WebSocket-Accept``."""
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        key = base64.b64encode(os.urandom(16))
        sock.sendall(b"GET %s HTTP/1.1\r\nHost: %s:%d\r\n"
                     b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
                     b"\r\n" % (path.encode(), host.encode(), port, key))
        head, rest = _read_head(sock)
        check_handshake(head, key)
    except BaseException:
        sock.close()
        raise
    return Connection(sock, rest)


def _read_head(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise HandshakeError("connection closed during the handshake")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def check_handshake(head, key):
    lines = head.decode("latin-1").split("\r\n")
    if lines[0].split(" ")[1:2] != ["101"]:
        raise HandshakeError("no 101: %r" % lines[0])
    expected = base64.b64encode(hashlib.sha1(key + GUID).digest()).decode()
    headers = dict(line.split(":", 1) for line in lines[1:] if ":" in line)
    headers = {name.strip().lower(): value.strip()
               for name, value in headers.items()}
    if headers.get("sec-websocket-accept") != expected:
        raise HandshakeError("bad Sec-WebSocket-Accept")


def echo_loop(connection, payload, count, errors):
    """Send *payload* *count* times, each waiting for its echo; returns how
    many came back intact.  Failures go to *errors* (a shared list)."""
    frame = encode_frame(payload)
    done = 0
    try:
        for _ in range(count):
            connection.sock.sendall(frame)
            if connection.receive() != payload:
                errors.append("echo differs from what was sent")
                break
            done += 1
    except (OSError, ConnectionError) as error:
        errors.append("%s: %s" % (type(error).__name__, error))
    return done


def run_echo(host, port, connections, messages, size):
    """The echo workload; returns a dict the harness reads as JSON.  The
    time window excludes the handshakes: connections open first, then all
    threads start together."""
    payload = b"x" * size
    errors = []
    opened = []
    try:
        for _ in range(connections):
            opened.append(connect(host, port))
    except (OSError, HandshakeError) as error:
        errors.append("connect: %s" % error)
    results = [0] * len(opened)
    start = threading.Barrier(len(opened) + 1) if opened else None

    def worker(index):
        start.wait()
        results[index] = echo_loop(opened[index], payload, messages, errors)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True)
               for i in range(len(opened))]
    for thread in threads:
        thread.start()
    began = time.time()
    if start is not None:
        start.wait()
    for thread in threads:
        thread.join()
    ended = time.time()
    for connection in opened:
        connection.close()
    return {"connections": len(opened), "messages": sum(results),
            "expected": connections * messages, "start": began, "end": ended,
            "errors": errors[:5], "error_count": len(errors)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=["echo"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--size", type=int, default=16)
    args = parser.parse_args(argv)
    result = run_echo(args.host, args.port, args.connections, args.messages,
                      args.size)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
