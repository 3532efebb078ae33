"""A WebSocket session's wire format (``Framing``): the frames nearly
every session carries are read and written here; wsproto keeps every
other frame and the protocol's state.

An echo round trip cost 58 us in wsproto alone (its frame parser is pure
Python, built for every case) where a whole, unfragmented message needs a
header of two to ten bytes and an XOR.  So, on a server without
extensions (``FrameChannel``):

* ``Splitter`` cuts what the client sends into frames.  A whole (FIN) text
  or binary frame, masked, with a minimal length of at most
  ``FAST_PAYLOAD`` bytes and valid UTF-8 for text, comes out decoded.
  Every other frame -- control frames, fragments, a reserved bit, a length
  over the limit, a broken header -- goes to wsproto, whole or as it
  arrives up to the frame's end, so wsproto never holds part of a frame
  that is not its own: its state is what it would have been had it read
  everything.  After a close frame, and after a header it must judge,
  everything goes to wsproto.
* ``encode`` writes a whole message to the client (unmasked, as a server
  must): what wsproto would write.

Python 3 only (``FAST``): 2.7's wsproto 0.14 reads every frame there, as
it does a client's and a session with extensions.
"""
import struct

from wsproto.connection import Connection, ConnectionState, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, TextMessage

from wsgi_ng._compat import PY2

#: Whether this Python takes the fast path (``int.from_bytes``).
FAST = not PY2
#: The largest payload read here: the splitter holds a fast frame whole
#: until it has all of it, outside the sessions' byte budget.
FAST_PAYLOAD = 65536
TEXT, BINARY, CLOSE = 0x1, 0x2, 0x8
#: What ``Splitter.split`` gives for a frame it passes on.
WSPROTO = "wsproto"

_HEAD = struct.Struct("!BB")
_HEAD16 = struct.Struct("!BBH")
_HEAD64 = struct.Struct("!BBQ")
_LENGTH16 = struct.Struct("!H")
_LENGTH64 = struct.Struct("!Q")


def encode(opcode, payload):
    """One whole unmasked frame of *opcode* carrying *payload* (bytes)."""
    length = len(payload)
    if length < 126:
        head = _HEAD.pack(0x80 | opcode, length)
    elif length < 65536:
        head = _HEAD16.pack(0x80 | opcode, 126, length)
    else:
        head = _HEAD64.pack(0x80 | opcode, 127, length)
    return head + payload


def unmask(payload, key):
    """*payload* XOR the 4-byte masking *key*, repeated."""
    length = len(payload)
    if not length:
        return b""
    mask = int.from_bytes((key * (length // 4 + 1))[:length], "little")
    return (int.from_bytes(payload, "little") ^ mask).to_bytes(length,
                                                               "little")


class Splitter(object):
    """A client's bytes as frames (see the module's doc)."""

    def __init__(self):
        self._buffer = b""
        self._through = 0  # bytes of wsproto's frame still to come
        self._fragmented = False  # wsproto holds a message begun, unfinished
        self._off = False  # everything goes to wsproto from here

    def stop(self):
        """Send everything to wsproto from now on; returns the bytes held
        (from a frame's start), for wsproto."""
        self._off = True
        held, self._buffer = self._buffer, b""
        return held

    def split(self, data):
        """The frames *data* completes, in order, as ``(kind, payload,
        frame bytes)``: ``(TEXT, text, ...)``, ``(BINARY, bytes, ...)``, or
        ``(WSPROTO, bytes for wsproto, the same)``."""
        if self._off:
            return [(WSPROTO, data, data)] if data else []
        buffer = self._buffer + data if self._buffer else data
        out, position, end = [], 0, len(buffer)
        while position < end:
            if self._through:
                take = min(self._through, end - position)
                part = buffer[position:position + take]
                out.append((WSPROTO, part, part))
                self._through -= take
                position += take
                continue
            frame = self._frame(buffer, position, end)
            if frame is None:
                break  # a head or a fast frame not yet whole
            kind, size, payload = frame
            if kind == WSPROTO:
                take = min(size, end - position)
                part = buffer[position:position + take]
                out.append((WSPROTO, part, part))
                self._through = size - take
                position += take
                if self._off and position < end:  # wsproto has all the rest
                    part = buffer[position:]
                    out.append((WSPROTO, part, part))
                    self._through, position = 0, end
            else:
                out.append((kind, payload, buffer[position:position + size]))
                position += size
        self._buffer = buffer[position:]
        return out

    def _frame(self, buffer, position, end):
        """``(kind, frame size, payload)`` of the frame at *position*, or
        None until its head (and, for a fast frame, its payload) is all
        there."""
        if end - position < 2:
            return None
        first, second = buffer[position], buffer[position + 1]
        if PY2:  # pragma: no cover - FAST is off on 2.7
            first, second = ord(first), ord(second)
        length, head, minimal = second & 0x7F, 2, True
        if length == 126:
            if end - position < 4:
                return None
            length = _LENGTH16.unpack_from(buffer, position + 2)[0]
            head, minimal = 4, length >= 126
        elif length == 127:
            if end - position < 10:
                return None
            length = _LENGTH64.unpack_from(buffer, position + 2)[0]
            head, minimal = 10, length >= 65536
            if length >> 63:  # no such length: wsproto says so
                self._off = True
                return WSPROTO, end - position, None
        masked = second & 0x80
        size = head + (4 if masked else 0) + length
        opcode, whole = first & 0x0F, first & 0x80
        if not (whole and masked and minimal and not first & 0x70 and
                opcode in (TEXT, BINARY) and length <= FAST_PAYLOAD and
                not self._fragmented):
            self._note_passed(opcode, whole)
            return WSPROTO, size, None
        if end - position < size:
            return None
        payload = unmask(buffer[position + head + 4:position + size],
                         buffer[position + head:position + head + 4])
        if opcode == BINARY:
            return BINARY, size, payload
        try:
            return TEXT, size, payload.decode("utf-8")
        except UnicodeDecodeError:  # wsproto closes with 1007
            return WSPROTO, size, None

    def _note_passed(self, opcode, whole):
        """Keep up with what wsproto is given: a fragmented message is
        wsproto's until its last frame; after a close, all is."""
        if opcode in (TEXT, BINARY):
            self._fragmented = not whole
        elif opcode == 0 and whole:
            self._fragmented = False
        elif opcode == CLOSE:
            self._off = True


class Framing(object):
    """wsproto's connection, with this module's fast path where it serves
    (a server's session without extensions, on Python 3).  What it reads
    comes out as wsproto's events, with a whole message of the fast path
    as its text or bytes; the caller serialises the calls."""

    def __init__(self, client=False, extensions=None):
        self.conn = Connection(ConnectionType.CLIENT if client
                               else ConnectionType.SERVER, extensions)
        self._splitter = Splitter() if FAST and not client and \
            not extensions else None

    @property
    def state(self):
        return self.conn.state

    def send(self, event):
        """The bytes of a wsproto *event*."""
        return bytes(self.conn.send(event))

    def message(self, opcode, payload):
        """The bytes of one whole message: *payload* is text for TEXT."""
        if self._splitter is None:
            return self.send(TextMessage(data=payload) if opcode == TEXT
                             else BytesMessage(data=payload))
        if opcode == TEXT:
            payload = payload.encode("utf-8")
        return encode(opcode, payload)

    def receive(self, data):
        """The events *data* (``b""``: the end of the stream) completes, in
        the order its frames came."""
        conn, splitter = self.conn, self._splitter
        if splitter is None or not data or \
                conn.state is not ConnectionState.OPEN:
            if splitter is not None:  # wsproto takes all from here
                conn.receive_data(splitter.stop())
            conn.receive_data(data or None)
            return list(conn.events())
        events, through = [], False  # through: wsproto takes the rest
        for kind, payload, frame in splitter.split(data):
            if kind is WSPROTO or through:
                conn.receive_data(frame)
                events.extend(conn.events())
                # a close frame, or a frame wsproto refused (it closes)
                if not through and events and isinstance(events[-1],
                                                         CloseConnection):
                    through = True
                    conn.receive_data(splitter.stop())
            else:  # a whole message, text or bytes
                events.append(payload)
        return events
