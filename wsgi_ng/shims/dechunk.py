"""Undo the chunked framing a legacy app put on its own body.

Some WSGI apps set ``Transfer-Encoding: chunked`` and yield chunk-framed
bytes.  A host frames the body itself (HTTP/2 DATA frames or its own
chunking), so such a body would arrive double-framed.  ``Dechunker`` feeds
the app's bytes to h11 -- which is installed with wsproto -- posing as the
client of that response, so no chunk parser is written by hand.  Trailers
the app put after the last chunk come out too.
"""
import h11

from wsgi_ng._compat import to_native
from wsgi_ng.errors import BodyError

_HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"


class Dechunker(object):
    """Turns chunk-framed bytes into payload bytes, block by block."""

    def __init__(self):
        self._conn = h11.Connection(h11.CLIENT)
        self._conn.send(h11.Request(method="GET", target="/",
                                    headers=[("Host", "app")]))
        self._conn.send(h11.EndOfMessage())
        self._conn.receive_data(_HEAD)
        self._conn.next_event()  # the Response we made up above
        #: Trailer fields found after the last chunk, as native strings.
        self.trailers = []
        self.finished = False

    def feed(self, data):
        """Return the payload contained in *data* (maybe ``b""``)."""
        if self.finished:
            if data:
                raise BodyError("the app sent data after its last chunk")
            return b""
        try:
            self._conn.receive_data(data)
            return b"".join(self._payload())
        except h11.RemoteProtocolError as exc:
            raise BodyError("the app's pre-chunked body is malformed: %s" % exc)

    def _payload(self):
        while True:
            event = self._conn.next_event()
            if event is h11.NEED_DATA:
                return
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                self.finished = True
                self.trailers = [(to_native(n), to_native(v))
                                 for n, v in event.headers.raw_items()]
                return

    def close(self):
        """The app's body ended; it must have ended its chunking too."""
        if not self.finished:
            raise BodyError("the app's pre-chunked body ended without the "
                            "final zero-length chunk")
