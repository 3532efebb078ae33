"""``to_asgi``'s WebSocket sessions served by a handler (``ws.serve()``).

Once the app handed its session to a handler and returned, its thread
goes back to the pool and the session costs no thread.  By default the
handler then runs *inline*, on the ASGI server's loop, as each message is
received: no hand-over to a thread and back per message, which is what a
session on a thread of its own pays twice for every message it echoes
(bench/README.md, "ASGI bridges").  A handler that blocks would stall
every connection of the loop meanwhile, so each inline call is timed: a
session whose calls took longer than ``INLINE_LIMIT`` ``STRIKES`` times
is logged, and its later calls run on the bridge's pool, one at a time,
fed by the inbox as before.  (One slow call proves little: on a busy
machine the process may simply not have been running.)
``to_asgi(app, inline_handlers=False)`` sends every session there from
the start, for apps whose handlers are known to block.
"""
import logging

from wsgi_ng._compat import monotonic
from wsgi_ng.adapters.asgi.queues import EMPTY, END
from wsgi_ng.wshandler import PoolDriver

log = logging.getLogger("wsgi_ng.asgi")

#: Seconds an inline handler call may take: long enough for any handler
#: that does not wait (a message parsed, a few sends), short enough that
#: the loop's other connections hardly notice one that did ...
INLINE_LIMIT = 0.02
#: ... and how many such calls move a session's calls to threads.
STRIKES = 3


class LoopServed(PoolDriver):
    """Drive one served session (``call`` is its ``AsgiCall``); ``start()``
    on the loop once the app returned."""

    def __init__(self, call):
        PoolDriver.__init__(self, call.pool)
        self.call = call
        self.served = call.session.served
        self.channel = call.channel
        self.inbox = call.inbox
        #: True once the handler runs on the pool.
        self.threaded = False
        self._strikes = 0

    def start(self):
        """Deliver what came while the app ran, then every message as the
        loop receives it -- or hand the session to the pool."""
        if not self.call.bridge.inline_handlers:
            self._to_threads()
            return
        while True:
            item = self.inbox.take()
            if item is EMPTY:
                self.channel.deliver = self.from_pump
                return
            self.inline(item)  # the sending coroutine sends what it posts
            if item is None or self.threaded:
                return  # the end came already, or the handler blocked

    def from_pump(self, message):
        """The channel's pump received *message* (None: the end): hand it
        to the handler; returns what the pump awaits to send what the
        handler sent, there and then, or None."""
        self.inline(message)
        outbox = self.call.outbox
        if message is None or self.threaded or outbox.draining or \
                outbox.closed:  # (the end: the sending coroutine ends it)
            outbox.wake()  # the sending coroutine's turn
            return None
        return outbox.drain(self.call.send_batch, upto_last=True)

    def inline(self, message):
        """On the loop: one message for the handler (None: the end)."""
        if message is None:
            self._end()
            return
        began = monotonic()
        self.served.deliver([message])
        took = monotonic() - began
        if took > INLINE_LIMIT:
            self._strikes += 1
            if self._strikes >= STRIKES:
                log.warning("WebSocket handler for %s held the event loop "
                            "for %.0f ms, %d times; its session's handler "
                            "now runs on threads", self.call.scope.get("path"),
                            took * 1000, self._strikes)
                self._to_threads()

    def _to_threads(self):
        self.threaded = True
        self.channel.deliver = None
        self.inbox.wake = self.wake
        self.wake()

    def step(self):
        """A pool thread (once on threads): deliver what the inbox holds,
        one at a time."""
        while True:
            item = self.inbox.take()
            if item is None:
                self._end()
                return False
            if item is EMPTY:
                return True
            self.served.deliver([item])

    def _end(self):
        """The session is over: ``on_close``, then the call ends."""
        self.served.end()
        self.call.outbox.put([], END)
