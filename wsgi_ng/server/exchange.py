"""One request's WSGI call, the same on HTTP/1.1 and HTTP/2.

The protocol handlers implement a small *responder* and this module does
PEP 3333 on top of it: ``start_response`` with deferral and ``exc_info``,
``write()``, the body iterable and its ``close()``, the ``ng.`` keys through
``RequestContext``, and the rule that an app error becomes a 500 with a
traceback in the log -- or, once headers are out, a broken stream, never a
hung client.

A responder has ``http2`` (bool) and:

* ``hint(headers) -> bool``: send a 103;
* ``start(status, headers)``: send the final response head (``status`` as
  the app gave it, e.g. ``"200 OK"``);
* ``data(block, final)``: send body bytes; *final* says the end follows at
  once, so the bytes may wait for it;
* ``end(trailers)``: finish the response (trailers may be empty);
* ``finish(block, trailers)``: the last body block (maybe empty) and the
  end, in one call (``Responder`` gives it as ``data`` then ``end``);
* ``abort()``: break the response off after an error.
"""
import logging

from six.moves.http_client import responses

from wsgi_ng.errors import (
    BadRequest, ConnectionClosed, RemoteProtocolError, StateError,
    WsgiNgError,
)
from wsgi_ng.iterables import close_iterable
from wsgi_ng.shims.spool import BodyTooLarge
from wsgi_ng.validate import check_body_block, check_start_response
from wsgi_ng.websocket import end_session, refuse_body

log = logging.getLogger("wsgi_ng.server")


class ClientGone(WsgiNgError):
    """The client closed the connection or reset the stream."""


def status_line(code):
    """``"400 Bad Request"`` for 400: the reason phrase HTTP gives it."""
    return "%d %s" % (code, responses.get(code, ""))


def answer_plain(responder, status, text, headers=()):
    """Send a short plain-text response (an error the server answers)."""
    body = (text + "\n").encode("utf-8")
    responder.start(status, [("content-type", "text/plain; charset=utf-8"),
                             ("content-length", str(len(body)))] + list(headers))
    responder.data(body, True)
    responder.end([])


def log_bad_request(peer, reason, outcome):
    """The one log line for a request the server refused: what was wrong
    and what the server did (*outcome*: an int is the status it answered,
    or a phrase like "stream reset")."""
    log.warning("bad request from %s: %s (%s)", peer[0] if peer else "?",
                reason, "answered %d" % outcome if isinstance(outcome, int)
                else outcome)


class Responder(object):
    """The base of the responders (see the module's doc)."""

    def finish(self, block, trailers):
        """Send *block*, the body's last, and end the response.  (A
        responder that frames the two together overrides it: one call,
        one write for a small response.)"""
        if block:
            self.data(block, True)
        self.end(trailers)


class _Unwatched(object):
    """``SlowCalls`` for a host that keeps no watch (the ASGI bridge)."""

    def begin(self, environ):
        pass

    def end(self, environ):
        pass


_UNWATCHED = _Unwatched()


class Exchange(object):
    """Call the app for one request and send what it answers."""

    def __init__(self, app, environ, responder, context):
        self.app = app
        self.environ = environ
        self.responder = responder
        self.context = context
        self.status = self.headers = None
        self.headers_sent = False
        self.status_code = None  # what went out, for the access log
        self.sent_bytes = 0

    def run(self, slow_calls=None):
        """Run the app; returns the app's result when it accepted a
        WebSocket (the handler finishes the session), else None.  The call
        is noted in *slow_calls* (``slow.SlowCalls``), if given, while it
        runs -- until it returns or becomes a session."""
        if slow_calls is None:
            slow_calls = _UNWATCHED
        self.context.install(self.environ)
        slow_calls.begin(self.environ)
        try:
            result = self.app(self.environ, self.start_response)
            session = self.context.websocket
            if session is not None and session.state is session.ACCEPTED:
                return result
            if session is not None and session.refused:
                close_iterable(result)  # closed before accept(): denied
                self._fail("403 Forbidden", "WebSocket refused")
                return None
            # a list's last block is known: it goes with the end, so a small
            # response leaves in one write
            if type(result) in (list, tuple):  # (no close() to call)
                for block in result[:-1]:
                    self._send(block)
                self._finish(result[-1] if result else b"")
            else:
                try:
                    for block in result:
                        self._send(block)
                    self._finish(b"")
                finally:
                    close_iterable(result)
        except ClientGone:
            self.context.gone()
            log.debug("client went away during %s %s",
                      self.environ["REQUEST_METHOD"], self.environ["PATH_INFO"])
            self.responder.abort()
        except BodyTooLarge as error:
            log_bad_request((self.environ["REMOTE_ADDR"],), str(error), 413)
            self._fail("413 Content Too Large", str(error))
        except BadRequest as error:  # the body's framing, found while read
            log_bad_request((self.environ["REMOTE_ADDR"],), error.reason,
                            error.status)
            line = status_line(error.status)
            self._fail(line, "%s: %s" % (line, error.reason))
        except Exception as error:
            session = self.context.websocket
            if session is not None and session.state is session.ACCEPTED:
                self._end_session(session, error)
                return None
            log.exception("error in app for %s %s", self.environ["REQUEST_METHOD"],
                          self.environ["PATH_INFO"])
            self._fail("500 Internal Server Error", "internal server error")
        finally:
            slow_calls.end(self.environ)
        return None

    def _end_session(self, session, error):
        """An accepted WebSocket app raised: no HTTP status is possible any
        more.  The client's doing (it left, broke the protocol, sent too
        much) ends the session quietly; an app bug closes it with 1011."""
        if isinstance(error, (ConnectionClosed, RemoteProtocolError)):
            log.info("WebSocket session on %s ended: %s",
                     self.environ["PATH_INFO"], error)
        else:
            log.exception("error in WebSocket app for %s",
                          self.environ["PATH_INFO"])
        end_session(session, 1011)

    def _fail(self, status, text):
        if self.headers_sent:  # too late for a status: break the response
            self.responder.abort()
            return
        self.status_code = int(status[:3])
        self.headers_sent = True
        answer_plain(self.responder, status, text)

    def start_response(self, status, headers, exc_info=None):
        session = self.context.websocket
        if session is not None and session.on_start_response(status):
            return refuse_body  # a framework's 101 after accept(): ignored
        headers = check_start_response(
            status, headers, exc_info, self.status is not None,
            self.headers_sent, http2=self.responder.http2)
        self.status, self.headers = status, headers
        return self.write

    def write(self, block):
        """PEP 3333's ``write()`` callable."""
        self._send(block)

    def _send(self, block):
        if type(block) is not bytes:
            check_body_block(block)  # (raises, saying why)
        if block:
            self._send_headers()
            self.sent_bytes += len(block)
            self.responder.data(block, False)

    def _finish(self, block):
        """Send the body's last *block* (maybe empty) and end the response."""
        if type(block) is not bytes:
            check_body_block(block)
        if not self.headers_sent:  # (no call when they went out)
            self._send_headers()
        self.sent_bytes += len(block)
        self.context.end_body()
        self.responder.finish(block, self.context.trailers)

    def _send_headers(self):
        if self.headers_sent:
            return
        if self.status is None:
            raise StateError("the app sent a body before start_response()")
        # marked sent only once the responder took them: headers it cannot
        # send make an app error, answered with a 500 instead of nothing
        self.responder.start(self.status,
                             self.context.final_headers(self.headers))
        self.headers_sent = True
        self.status_code = int(self.status[:3])
