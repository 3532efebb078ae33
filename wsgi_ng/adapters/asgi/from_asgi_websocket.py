"""A WebSocket handshake of an ASGI app run by ``from_asgi``: the app's
``websocket`` scope on the process's loop, the host's session
(``ng.websocket``) driven from the host's thread, and a reader thread
passing the session's messages on -- at most ``_BACKLOG`` waiting.
"""
import asyncio
import logging
import threading

from wsgi_ng import keys
from wsgi_ng.adapters.asgi.headers import decode_headers
from wsgi_ng.adapters.asgi.loop import LOOP
from wsgi_ng.adapters.asgi.queues import SimpleQueue
from wsgi_ng.errors import ConnectionClosed
from wsgi_ng.server.exchange import status_line

log = logging.getLogger("wsgi_ng.asgi")

#: Received WebSocket messages waiting for the ASGI app.
_BACKLOG = 16


class AsgiSession(object):
    """A WebSocket handshake: the app's ``websocket`` scope on the loop,
    the host's session (``ng.websocket``) driven from the host's thread."""

    def __init__(self, app, environ, start_response, scope):
        self.environ = environ
        self.start_response = start_response
        self.session = environ[keys.WEBSOCKET]
        self.scope = scope
        self.scope["subprotocols"] = list(self.session.subprotocols)
        self.scope["extensions"] = {"websocket.http.response": {}}
        self.app = app
        self.loop = LOOP.loop
        self.events = SimpleQueue()
        self.incoming = None  # asyncio.Queue of messages for the app
        self.room = threading.Semaphore(_BACKLOG)
        self.connected = False

    # -- the loop side ----------------------------------------------------------
    async def receive(self):
        if not self.connected:
            self.connected = True
            self.incoming = asyncio.Queue()
            return {"type": "websocket.connect"}
        message = await self.incoming.get()
        self.room.release()
        return message

    async def send(self, message):
        self.events.put((message["type"], message))

    async def _main(self):
        try:
            await self.app(self.scope, self.receive, self.send)
        finally:
            self.events.put(("done", None))

    # -- the host's thread ------------------------------------------------
    def run(self):
        LOOP.run(self._main())
        accepted, denial = False, None
        while True:
            kind, message = self.events.get()
            if kind == "websocket.accept" and not accepted:
                self.session.accept(message.get("subprotocol"),
                                    decode_headers(message.get("headers", [])))
                accepted = True
                reader = threading.Thread(target=self._read,
                                          name="wsgi-ng-asgi-ws-reader")
                reader.daemon = True
                reader.start()
            elif kind == "websocket.send" and accepted:
                text = message.get("text")
                try:
                    self.session.send(message.get("bytes") if text is None
                                      else text)
                except ConnectionClosed:
                    pass  # the reader tells the app
            elif kind == "websocket.close":
                if not accepted:
                    return self._refuse()
                self.session.close(message.get("code", 1000),
                                   message.get("reason") or "")
            elif kind == "websocket.http.response.start" and not accepted:
                denial = (message, [])
            elif kind == "websocket.http.response.body" and denial:
                denial[1].append(message.get("body", b""))
                if not message.get("more_body"):
                    head = denial[0]
                    self.start_response(status_line(int(head["status"])),
                                        decode_headers(head.get("headers", [])))
                    return denial[1]
            elif kind == "done":
                return [] if accepted else self._refuse()

    def _refuse(self):
        """The app closed (or ended) before accepting: the session's own
        refusal, which every host answers with 403; the app hears that
        the connection is gone."""
        self.session.close()
        self.loop.call_soon_threadsafe(self._deliver, {
            "type": "websocket.disconnect", "code": 1006})
        return []

    def _deliver(self, message):
        if self.incoming is not None:
            self.incoming.put_nowait(message)

    def _read(self):
        """The reader thread: the session's messages to the app, at most
        ``_BACKLOG`` waiting."""
        session = self.session
        try:
            for message in session:
                self.room.acquire()
                key = "bytes" if isinstance(message, bytes) else "text"
                self.loop.call_soon_threadsafe(self._deliver, {
                    "type": "websocket.receive", key: message})
        except Exception as error:  # e.g. MessageTooBig: closed already
            log.info("WebSocket session on %s ended: %s",
                     self.environ.get("PATH_INFO"), error)
        self.loop.call_soon_threadsafe(self._deliver, {
            "type": "websocket.disconnect", "code": session.close_code or 1006,
            "reason": session.close_reason})
