"""HTTP/2 on one connection, with h2 doing the wire format.

The connection's thread reads frames and feeds h2; every request stream's
app call runs on a thread of the server's stream pool, so streams are
concurrent and an app can read its request body while it streams the
response (full duplex).  All h2 state and all writes are guarded by one
lock, whose condition is also what a sender waits on when flow control says
the client is not reading: a slow client blocks only its own streams,
never makes the server buffer without bound.

WebSocket sessions arrive as extended CONNECT (RFC 8441) and are presented
to the app like an HTTP/1.1 handshake (``GET`` + ``Upgrade: websocket``);
the session's frames travel as the stream's DATA -- read by the app's
thread, or, when the app handed the session to a handler, by a driver
the reader wakes (``wsevents.py``).  Each stream -- its body, its app
call, its response's frames -- is an ``h2stream.Stream``.
"""
import collections
import logging
import socket
import ssl
import threading

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings

from wsgi_ng._compat import Condition, monotonic
from wsgi_ng.server.exchange import ClientGone, log_bad_request
from wsgi_ng.server.h2state import (
    MalformedRequest, Request, ServerConnection, describe_h2_error,
)
from wsgi_ng.server.h2stream import WHILE_QUEUED, Stream
from wsgi_ng.server.sockio import ReadTimeout, TimedSocket
from wsgi_ng.websocket import end_session

log = logging.getLogger("wsgi_ng.server")

#: Connection-level receive window: what all streams together may buffer.
_CONNECTION_WINDOW = 16 * 1024 * 1024
_RESET_WINDOW = 10.0  # seconds over which client resets are counted
#: Seconds the reader waits at a time once no new streams come, so the
#: connection closes as soon as its last stream ends.
_WIND_DOWN_POLL = 0.05
#: The least SETTINGS_MAX_FRAME_SIZE a peer may set (RFC 9113 6.5.2): a
#: block no larger fits in one frame whatever the client's setting.
_SMALLEST_MAX_FRAME = 16384
#: Pseudo-header fields a request may carry on top of max_header_count
#: (:method, :scheme, :authority, :path, :protocol).
_PSEUDO_HEADERS = 5


class HTTP2Connection(object):
    """Serve HTTP/2 on *sock* until the client or the server ends it."""

    def __init__(self, server, sock, peer, base_environ, initial=b"",
                 upgrade=None):
        self.server = server
        self.config = server.config
        self.sock = sock
        self.peer = peer
        self.base_environ = base_environ
        self.initial = initial
        self.upgrade = upgrade
        self.io = TimedSocket(sock, self.config.send_timeout)
        # what we send is checked once already (validate.clean_headers on
        # every app header list, names lower-cased by _lower): h2 need not
        # check it again, which costs a tenth of a request's time; what we
        # receive ServerConnection checks (h2fields), at a sixth of h2's cost;
        # h2 need not join split cookie fields either (RFC 9113 8.2.3): the
        # environ joins repeated fields, cookies with "; "
        self.h2 = ServerConnection(h2.config.H2Configuration(
            client_side=False, header_encoding=None,
            validate_outbound_headers=False, normalize_outbound_headers=False,
            validate_inbound_headers=False, normalize_inbound_headers=False))
        # held as "with self.lock": the lock's own context manager is C, a
        # Condition's is two Python calls a turn, a few a request
        self.lock = threading.RLock()
        self.cond = Condition(self.lock)  # for the waits for data or window
        self.streams = {}
        #: Whether the client takes pushes (its SETTINGS_ENABLE_PUSH; kept
        #: here, as h2 looks a setting up in Python calls).
        self.push_allowed = True
        #: Streams handed to the pool whose app call has not begun.
        self.queued = 0
        self.resets = collections.deque()
        self.closed = False
        self.client_done = False  # the client sent GOAWAY
        self.closing = False  # we sent a graceful GOAWAY
        #: Whether the close should linger (``sockio.Lingering``): unless
        #: the client closed first, frames it sent may still be on their way.
        self.linger = True
        #: When the poller gives up waiting for a frame (``on_expired``).
        self.deadline = None

    # -- writing (any thread, under the condition) -------------------------
    def flush(self):
        data = self.h2.data_to_send()
        if data and not self.closed:
            try:
                self.io.sendall(data)
            except socket.error:  # socket.timeout included
                self.closed = True
                self.cond.notify_all()

    def call(self, stream, method, *args, **kwargs):
        """Run an h2 method for *stream* and send its frames (with
        ``hold=True`` they wait for the next send, with ``WHILE_QUEUED``
        while streams are queued); raises ``ClientGone`` when the stream or
        connection is gone."""
        hold = kwargs.pop("hold", False)
        with self.lock:
            if self.closed or stream.reset:
                raise ClientGone("the stream was reset")
            try:
                getattr(self.h2, method)(*args, **kwargs)
            except (h2.exceptions.StreamClosedError,
                    h2.exceptions.ProtocolError):
                raise ClientGone("the stream is closed")
            if hold is WHILE_QUEUED:  # (decided under the lock: see begin)
                hold = self.queued > 0 and \
                    not self.server.request_pool.saturated()
            if not hold:
                self.flush()

    def send_data(self, stream, data, hold=False, end_stream=False):
        """Send *data* as flow control allows, waiting for the client's
        window updates at most ``send_timeout`` seconds each time; the last
        frame is held as ``call``'s *hold* says, with *end_stream* it ends
        the stream."""
        with self.lock:  # most blocks fit the window and one frame
            if 0 < len(data) <= _SMALLEST_MAX_FRAME and not self.closed and \
                    not stream.reset and len(data) <= \
                    self.h2.local_flow_control_window(stream.id):
                self.call(stream, "send_data", stream.id, data,
                          end_stream=end_stream, hold=hold)
                return
        view = memoryview(data)
        while len(view):
            with self.lock:
                deadline = monotonic() + self.config.send_timeout
                while True:
                    if self.closed or stream.reset:
                        raise ClientGone("the stream was reset")
                    window = self.h2.local_flow_control_window(stream.id)
                    if len(view) > _SMALLEST_MAX_FRAME:  # (else it fits)
                        window = min(window, self.h2.max_outbound_frame_size)
                    if window > 0:
                        break
                    remaining = deadline - monotonic()
                    if remaining <= 0:
                        self.reset(stream, h2.errors.ErrorCodes.CANCEL)
                        raise ClientGone("the client stopped reading")
                    self.flush()  # what is held must go before we wait
                    with self.server.request_pool.waiting:
                        self.cond.wait(remaining)
                last = window >= len(view)
                self.call(stream, "send_data", stream.id, view[:window].tobytes(),
                          end_stream=end_stream and last,
                          hold=hold if last else False)
            view = view[window:]

    def reset(self, stream, code):
        with self.lock:
            if not stream.reset and not self.closed:
                stream.reset = True
                try:
                    self.h2.reset_stream(stream.id, code)
                except h2.exceptions.StreamClosedError:
                    pass
                self.flush()
            self.cond.notify_all()

    # -- shutdown (another thread) -------------------------------------------
    def stop(self):
        """GOAWAY: no new streams; running ones finish, WebSocket sessions
        are closed with 1001."""
        with self.lock:
            if not self.closed:
                self.closing = True
                self.h2.close_connection()
                self.flush()
            sessions = [s.session for s in list(self.streams.values())
                        if s.session]
        for session in sessions:
            end_session(session, 1001)
        self._close_if_done()

    def kill(self):
        with self.lock:
            self.closed = True
            self.cond.notify_all()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except socket.error:
            pass

    def fileno(self):
        return self.sock.fileno()

    # -- reading (the poller's thread; a thread of its own on TLS) -----------
    def start(self):
        """Send our SETTINGS and take what was read already; on cleartext
        the connection then waits in the poller between frames, on TLS its
        reader runs as the returned task (a TLS socket cannot be read
        without blocking while app threads write to it)."""
        self._begin()
        data = self.initial or (self.upgrade.trailing if self.upgrade else b"")
        if data:
            self.receive(data)
        if not self.io.kernel:
            return self.run_reader
        self._carry_on()
        return None

    def on_readable(self):
        data = self.io.recv_ready()
        if data == b"":  # the client closed
            self.linger = False
            self.finish()
            return None
        if data:
            self.receive(data)
        self._carry_on()
        return None

    def on_expired(self):
        """Quiet for ``keep_alive_timeout``: with no stream open, GOAWAY
        and close."""
        with self.lock:
            idle = not self.streams
            if idle and not self.closed:
                self.h2.close_connection()
                self.flush()
        if idle:
            self.finish()
        else:
            self._carry_on()

    def _carry_on(self):
        """Wait for more frames, or close once no stream is left of a
        connection that takes no new ones (or a fatal error)."""
        winding_down = self.closing or self.client_done or self.server.stopping
        if self.closed or (winding_down and not self.streams):
            self.finish()
            return
        self.deadline = monotonic() + self.config.keep_alive_timeout
        self.server.watch(self)

    def run_reader(self):
        """TLS: read frames on this thread until the connection ends."""
        self.server.request_pool.detach()  # it lives as long as the client
        try:
            while True:
                winding_down = self.server.stopping or self.client_done
                if self.closed or (winding_down and not self.streams):
                    break
                data = self.read()
                if data == b"":
                    break
                if data:
                    self.receive(data)
        except (socket.error, ssl.SSLError) as error:
            log.debug("connection from %s ended: %s", self.peer[0], error)
        finally:
            self.finish()

    def finish(self):
        """The connection is over: waiting streams wake, each stream's
        ``ng.disconnected`` is set, the sockets close (lingering)."""
        with self.lock:
            self.closed = True
            self.cond.notify_all()
        for stream in list(self.streams.values()):
            stream.disconnected.set()
        self.server.close(self)

    def _begin(self):
        with self.lock:
            self.h2.local_settings = h2.settings.Settings(
                client=False, initial_values={
                    h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS:
                        self.config.max_concurrent_streams,
                    h2.settings.SettingCodes.INITIAL_WINDOW_SIZE:
                        self.config.initial_window_size,
                    h2.settings.SettingCodes.HEADER_TABLE_SIZE:
                        self.config.header_table_size,
                    h2.settings.SettingCodes.MAX_HEADER_LIST_SIZE:
                        self.config.max_header_size,
                    h2.settings.SettingCodes.ENABLE_CONNECT_PROTOCOL: 1,
                })
            if self.upgrade is not None:
                self.h2.initiate_upgrade_connection(self.upgrade.settings)
            else:
                self.h2.initiate_connection()
            # settings given as initial values are never "acknowledged", so
            # h2 does not pass these two on to its HPACK decoder by itself
            self.h2.decoder.max_header_list_size = self.config.max_header_size
            self.h2.decoder.max_allowed_table_size = self.config.header_table_size
            self.push_allowed = bool(self.h2.remote_settings.enable_push)
            self.h2.increment_flow_control_window(_CONNECTION_WINDOW - 65535)
            self.flush()
            if self.upgrade is not None:
                self.start_stream(1, self.upgrade.headers, ended=True)

    def read(self):
        """TLS: the next bytes; ``b""`` when the connection is over, None
        when nothing came in the keep-alive time while streams are open
        (or, once no new streams come, in a moment: the connection ends as
        soon as its last stream does)."""
        winding_down = self.closing or self.client_done or self.server.stopping
        try:
            data = self.io.recv(_WIND_DOWN_POLL if winding_down
                                else self.config.keep_alive_timeout)
        except ReadTimeout:
            with self.lock:
                if self.streams:
                    return None
                self.h2.close_connection()  # idle: GOAWAY, then close
                self.flush()
            return b""
        self.linger = self.linger and bool(data)  # b"": the client closed
        return data

    def receive(self, data):
        with self.lock:
            try:
                events = self.h2.receive_data(data)
            except h2.exceptions.ProtocolError as error:
                log.warning("HTTP/2 protocol error from %s: %s; connection "
                            "closed", self.peer[0] if self.peer else "?",
                            describe_h2_error(error))
                self.h2.close_connection(getattr(
                    error, "error_code", h2.errors.ErrorCodes.PROTOCOL_ERROR))
                self.flush()
                self.closed = True
                return
            for event in events:
                self.dispatch(event)
            self.flush()
            self.cond.notify_all()

    def dispatch(self, event):
        kind = type(event)  # (h2's events are final classes)
        if kind is Request:  # checked by h2state
            self.start_stream(event.stream_id, event.headers, event.ended,
                              checked=event.checked)
            return
        stream = self.streams.get(getattr(event, "stream_id", None))
        if kind is h2.events.DataReceived:
            if stream is not None and not stream.reset:
                stream.input.feed(event.data, event.flow_controlled_length)
            else:
                self.acknowledge(event.stream_id, event.flow_controlled_length)
        elif kind is h2.events.StreamEnded:
            if stream is not None:
                stream.input.end()
        elif kind is h2.events.StreamReset:
            if stream is not None:
                stream.reset = True
                stream.disconnected.set()
            self.count_reset()
        elif kind is MalformedRequest:  # reset by h2state
            log_bad_request(self.peer, "a malformed request on stream %d: %s"
                            % (event.stream_id, describe_h2_error(event.error)),
                            "stream reset")
            self.count_reset()
        elif kind is h2.events.ConnectionTerminated:
            if event.error_code != h2.errors.ErrorCodes.NO_ERROR:
                self.closed = True
                return
            self.client_done = True  # no new streams; open ones finish
        elif kind is h2.events.RemoteSettingsChanged:
            self.push_allowed = bool(self.h2.remote_settings.enable_push)

    def acknowledge(self, stream_id, length):
        if not length:
            return
        try:
            self.h2.acknowledge_received_data(length, stream_id)
        except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
            pass

    def count_reset(self):
        """Close the connection on a rapid-reset flood (CVE-2023-44487)."""
        now = monotonic()
        self.resets.append(now)
        while self.resets and self.resets[0] < now - _RESET_WINDOW:
            self.resets.popleft()
        if len(self.resets) > self.config.max_resets_per_second * _RESET_WINDOW:
            log.warning("HTTP/2 rapid reset from %s; connection closed",
                        self.peer[0] if self.peer else "?")
            self.h2.close_connection(h2.errors.ErrorCodes.ENHANCE_YOUR_CALM)
            self.flush()
            self.closed = True

    # -- streams ---------------------------------------------------------------
    def start_stream(self, stream_id, headers, ended, pushed=False,
                     checked=None):
        stream = Stream(self, stream_id, headers, pushed, ended, checked)
        if self.closing or \
                len(headers) > self.config.max_header_count + _PSEUDO_HEADERS:
            self.reset(stream, h2.errors.ErrorCodes.REFUSED_STREAM)
            return
        self.streams[stream_id] = stream
        self.queued += 1
        if not self.server.request_pool.submit(stream.run):
            self.queued -= 1
            del self.streams[stream_id]
            self.reset(stream, h2.errors.ErrorCodes.REFUSED_STREAM)

    def begin(self):
        """A queued stream's app call begins, or the stream was shed: the
        last of them sends what the others held (the module's doc)."""
        with self.lock:
            self.queued -= 1
            if not self.queued:
                self.flush()

    def stream_done(self, stream):
        """The app is done with *stream*.  Body data the client still sends
        is acknowledged and dropped, and the stream is not reset: a late
        END_STREAM on a GET is common, and clients count a reset as a failed
        request -- curl 7.88 even one with NO_ERROR, which RFC 9113 section
        8.1 suggests for a response that came before the request's body
        ended.  Such a client may end its body early (curl does after a
        413), which h2 would take for a content-length lie, a connection
        error: h2 is told to stop checking that stream's length."""
        if stream.input.ended:
            # The common case, without the lock: the reader thread holds it
            # for every frame it reads and Python's locks are not fair, so a
            # busy connection would keep finished streams (and their
            # threads) waiting here while the client, answered already,
            # opens new ones.  No more data can come; a dict pop is atomic.
            self.streams.pop(stream.id, None)
        else:
            with self.lock:  # data may still be arriving: stop it here
                self.streams.pop(stream.id, None)
                unread = stream.input.discard()
                for _, flow_length in unread:
                    self.acknowledge(stream.id, flow_length)
                if unread or stream.declares_body:
                    h2_stream = self.h2.streams.get(stream.id)
                    if h2_stream is not None:  # no public switch for it
                        h2_stream._expected_content_length = None
                self.flush()
        self._close_if_done()

    def _close_if_done(self):
        """The last stream of a connection that takes no new ones ended:
        close it now, not at the next frame or deadline (on TLS its reader
        sees it within ``_WIND_DOWN_POLL``)."""
        winding_down = self.closing or self.client_done or self.server.stopping
        if winding_down and not self.streams and self.io.kernel and \
                self.server.poller.forget(self):
            self.finish()
