"""A WebSocket channel over ASGI ``websocket.*`` messages: what
``to_asgi`` puts under the ``wsgi_ng.websocket.WebSocket`` session, so an
app gets the same session object as on every other host.

The ASGI server does the framing, the pings and pongs and the closing
handshake; this channel moves whole messages between the app's thread and
the loop through the bounded ``Outbox`` and ``Inbox``, and applies the
session's message size limit (closing with 1009, as ``FrameChannel``
does).  Once the app handed the session to a handler (``serve()``), the
loop may hand each message to the handler itself (``deliver``, see
``served.py``), and what the handler sends from the loop is posted without
waiting.
"""
import threading

from wsgi_ng._compat import text_type
from wsgi_ng.errors import BodyError, ConnectionClosed, MessageTooBig
from wsgi_ng.wschannel import ABNORMAL_CLOSURE, MESSAGE_TOO_BIG

#: Bytes of received messages waiting for the app before the loop stops
#: receiving.
_INBOX_LIMIT = 1024 * 1024


class AsgiChannel(object):
    """``send``/``receive``/``ping``/``close``, ``closed``, ``close_code``
    and ``close_reason``, as ``FrameChannel`` has them.  Made on the loop's
    thread."""

    def __init__(self, outbox, inbox, max_message_size):
        self._outbox = outbox
        self._inbox = inbox
        self.max_message_size = max_message_size
        self.close_code = None
        self.close_reason = ""
        #: True once this side closed.
        self.closing = False
        #: True once the ASGI server reported the end (``websocket.disconnect``).
        self.finished = False
        #: Set to ``deliver(message)`` (None: the end) to hand messages to a
        #: handler on the loop instead of to the inbox.
        self.deliver = None
        self._delivering = False  # the pump is in deliver(): it sends
        self._loop_thread = threading.current_thread()

    @property
    def closed(self):
        return self.close_code is not None

    def _post(self, batch):
        if threading.current_thread() is self._loop_thread:
            self._outbox.put_nowait(batch, wake=not self._delivering)
        else:
            self._outbox.put(batch)

    # -- the app's thread (or a handler on the loop) -------------------------
    def send(self, message):
        # every echoed message comes here: written out, not in helpers
        if isinstance(message, text_type):
            event = {"type": "websocket.send", "text": message}
        elif isinstance(message, (bytes, bytearray)):
            event = {"type": "websocket.send", "bytes": bytes(message)}
        else:
            raise BodyError("a WebSocket message must be text or bytes, got %s"
                            % type(message).__name__)
        if self.close_code is not None:
            raise ConnectionClosed(self.close_code, self.close_reason)
        if threading.current_thread() is self._loop_thread:
            self._outbox.put_nowait([event], wake=not self._delivering)
        else:
            self._outbox.put([event])

    def ping(self, data=b""):
        """The ASGI server pings by itself; ASGI has no message for it."""
        self._check_open()

    def _check_open(self):
        if self.closed:
            raise ConnectionClosed(self.close_code, self.close_reason)

    def receive(self, timeout=None):
        message = self._inbox.get(timeout)
        if message is None:
            raise ConnectionClosed(self.close_code or ABNORMAL_CLOSURE,
                                   self.close_reason)
        return message

    def begin_serving(self):
        """The app called ``serve()``: the host drives the session."""

    def close(self, code=1000, reason=""):
        if self.closed:
            return
        self.closing = True
        self.close_code, self.close_reason = code, reason
        self._post([{"type": "websocket.close", "code": code,
                     "reason": reason}])
        self._inbox.end()

    # -- the loop ---------------------------------------------------------------
    async def pump(self, receive, send):
        """Receive until the client leaves; the messages go to the app."""
        inbox = self._inbox
        while True:
            event = await receive()
            if event["type"] != "websocket.receive":  # websocket.disconnect
                if self.close_code is None:
                    self.close_code = event.get("code", 1005)
                    self.close_reason = event.get("reason") or ""
                self._ended()
                return
            message = event.get("text")
            if message is None:
                message = event.get("bytes") or b""
                size = len(message)
            else:
                size = len(message.encode("utf-8")) if len(message) * 4 > \
                    self.max_message_size else len(message)
            if size > self.max_message_size:
                await self._too_big(send)
                return
            if self.deliver is not None:
                self._delivering = True
                sending = self.deliver(message)
                self._delivering = False
                if sending is not None:
                    await sending
            elif inbox.put(message, size):
                await inbox.room()

    def _ended(self, error=None):
        self.finished = True
        self._inbox.end(error)
        if self.deliver is not None:
            self.deliver(None)

    async def _too_big(self, send):
        self.close_code, self.close_reason = MESSAGE_TOO_BIG, "message too big"
        await send({"type": "websocket.close", "code": MESSAGE_TOO_BIG,
                    "reason": self.close_reason})
        self._ended(MessageTooBig(
            "a WebSocket message exceeded %d bytes; the session was closed "
            "with 1009" % self.max_message_size))
