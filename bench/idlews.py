"""Many idle WebSocket sessions from one process (Python 3 only).

    python idlews.py --port P [--sessions 10000] [--concurrency 200]

Opens *sessions* WebSockets (at most *concurrency* handshakes at once)
with asyncio -- one process, non-blocking sockets, no thread per socket --
after raising its own RLIMIT_NOFILE to the hard limit, and holds them
idle, answering pings.  It prints a JSON line when the opening is done
(``opened``, ``failed``, the first errors by kind, ``seconds``), then
reads commands from its standard input, one a line:

* ``check``: every open session sends one message and waits for its echo;
  prints ``{"alive": N, "closed": M}``;
* ``close`` or end of input: closes every session and exits.

A time limit (--limit) ends it in any case.
"""
import argparse
import asyncio
import base64
import collections
import json
import os
import resource
import struct
import sys

from wsclient import (OP_CLOSE, OP_PING, OP_PONG, HandshakeError,
                      check_handshake, encode_frame)


def raise_nofile():
    """Soft RLIMIT_NOFILE up to the hard limit: one socket per session."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Session:
    """One open WebSocket: a reader task answers pings and hands data
    messages to whoever waits for one."""

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer
        self.messages = asyncio.Queue()
        self.closed = False
        self.task = asyncio.ensure_future(self._read())

    async def _read(self):
        try:
            while True:
                first, second = await self.reader.readexactly(2)
                length = second & 0x7F
                if length == 126:
                    length, = struct.unpack(
                        "!H", await self.reader.readexactly(2))
                elif length == 127:
                    length, = struct.unpack(
                        "!Q", await self.reader.readexactly(8))
                payload = await self.reader.readexactly(length)
                opcode = first & 0x0F
                if opcode == OP_PING:
                    self.writer.write(encode_frame(payload, OP_PONG))
                elif opcode == OP_CLOSE:
                    break
                elif opcode != OP_PONG:
                    self.messages.put_nowait(payload)
        except (OSError, asyncio.IncompleteReadError):
            pass
        self.closed = True
        self.messages.put_nowait(None)

    async def echoes(self, timeout):
        """True when one message comes back intact within *timeout*."""
        if self.closed:
            return False
        try:
            self.writer.write(encode_frame(b"still there?"))
            answer = await asyncio.wait_for(self.messages.get(), timeout)
        except (OSError, asyncio.TimeoutError):
            return False
        return answer == b"still there?"

    def close(self):
        self.task.cancel()
        if not self.writer.is_closing():
            self.writer.write(encode_frame(struct.pack("!H", 1000),
                                           OP_CLOSE))
            self.writer.close()


async def open_session(host, port, timeout):
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(host, port), timeout)
    try:
        key = base64.b64encode(os.urandom(16))
        writer.write(b"GET / HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket"
                     b"\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                     b"Sec-WebSocket-Version: 13\r\n\r\n"
                     % (host.encode(), port, key))
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        check_handshake(head[:-4], key)
    except BaseException:
        writer.close()
        raise
    return Session(reader, writer)


async def open_all(args):
    """(sessions, failures by kind): at most --concurrency at once."""
    gate = asyncio.Semaphore(args.concurrency)
    errors = collections.Counter()

    async def one():
        async with gate:
            try:
                return await open_session(args.host, args.port, args.timeout)
            except (OSError, HandshakeError, asyncio.TimeoutError,
                    asyncio.IncompleteReadError,
                    asyncio.LimitOverrunError) as error:
                errors["%s: %s" % (type(error).__name__, error)[:120]] += 1
                return None

    opened = await asyncio.gather(*(one() for _ in range(args.sessions)))
    return [session for session in opened if session], errors


async def main_async(args):
    loop = asyncio.get_running_loop()
    began = loop.time()
    sessions, errors = await open_all(args)
    print(json.dumps({"opened": len(sessions),
                      "failed": sum(errors.values()),
                      "errors": dict(errors.most_common(5)),
                      "seconds": round(loop.time() - began, 2),
                      "nofile": args.nofile}), flush=True)
    commands = asyncio.StreamReader()
    await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(commands), sys.stdin)
    try:
        while True:
            line = await commands.readline()
            if line.strip() != b"check":
                break
            alive = await asyncio.gather(*(session.echoes(args.timeout)
                                           for session in sessions))
            print(json.dumps({"alive": sum(alive), "closed": sum(
                session.closed for session in sessions)}), flush=True)
    finally:
        for session in sessions:
            session.close()
        await asyncio.sleep(0.1)  # let the close frames go out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--sessions", type=int, default=10000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds for one handshake or echo")
    parser.add_argument("--limit", type=float, default=600.0,
                        help="seconds after which it stops by itself")
    args = parser.parse_args(argv)
    args.nofile = raise_nofile()
    try:
        asyncio.run(asyncio.wait_for(main_async(args), args.limit))
    except asyncio.TimeoutError:
        print(json.dumps({"error": "time limit (%gs) reached"
                          % args.limit}), flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
