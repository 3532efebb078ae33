"""The ASGI lifespan protocol run from the outside, for ``from_asgi``:
``startup()`` and ``shutdown()`` block the calling thread while the app's
lifespan coroutine runs on the process's loop."""
import asyncio
import logging

from wsgi_ng.lifecycle import LifespanError

log = logging.getLogger("wsgi_ng.asgi")


class AsgiLifespan(object):
    """One process's lifespan of an ASGI app; ``state`` is the dict the
    app may fill at startup, shared (shallowly copied) into every scope."""

    def __init__(self, app, loop_thread, timeout):
        self.app = app
        self.state = {}
        self.supported = True
        self._loop_thread = loop_thread
        self._timeout = timeout
        self._events = self._replies = None

    def startup(self):
        """Raises ``LifespanError`` when the app says its startup failed."""
        reply = self._loop_thread.run(self._startup()).result(self._timeout)
        if reply["type"] == "lifespan.startup.failed":
            message = reply.get("message") or "no reason given"
            log.error("the ASGI application's startup failed: %s", message)
            # the last line of a traceback (Starlette sends one) says what
            raise LifespanError("the ASGI application's startup failed: %s"
                                % message.strip().splitlines()[-1])

    def shutdown(self):
        if not self.supported:
            return
        reply = self._loop_thread.run(self._exchange("lifespan.shutdown")
                                      ).result(self._timeout)
        if reply["type"] == "lifespan.shutdown.failed":
            log.error("the ASGI application's shutdown failed: %s",
                      reply.get("message", ""))

    async def _startup(self):
        self._events, self._replies = asyncio.Queue(), asyncio.Queue()
        scope = {"type": "lifespan", "state": self.state,
                 "asgi": {"version": "3.0", "spec_version": "2.0"}}
        asyncio.ensure_future(self._main(scope))
        reply = await self._exchange("lifespan.startup")
        if reply["type"] == "returned":  # raised or returned at once: no
            self.supported = False       # lifespan here (the ASGI rule)
            log.info("the ASGI application does not do lifespan: %s",
                     reply.get("error"))
        return reply

    async def _exchange(self, event):
        await self._events.put({"type": event})
        return await self._replies.get()

    async def _main(self, scope):
        try:
            await self.app(scope, self._events.get, self._replies.put)
        except Exception as error:
            await self._replies.put({"type": "returned", "error": repr(error)})
        else:
            await self._replies.put({"type": "returned", "error": None})
