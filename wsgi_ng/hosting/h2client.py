"""A small blocking HTTP/2 client on the ``h2`` library, seeing the frames
a higher-level client hides: 103s, trailers, pushes, resets, extended
CONNECT (``client.HTTP2`` wraps it; the test suite uses it directly).
Every wait is bounded by the socket's timeout."""
import socket

import h2.config
import h2.connection
import h2.events
import h2.settings
from wsproto.connection import Connection, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, TextMessage


class Exchange(object):
    """What came back on one stream."""

    def __init__(self):
        self.informational = []  # header lists of 1xx responses
        self.headers = None
        self.data = []
        self.trailers = None
        self.reset = None  # the error code when the stream was reset
        self.ended = False

    @property
    def status(self):
        return int(self.header(":status"))

    @property
    def body(self):
        return b"".join(self.data)

    def header(self, name, default=None):
        for key, value in self.headers or ():
            if key == name:
                return value
        return default


class H2Client(object):
    """``H2Client(sock, "127.0.0.1:8000")``: prior knowledge on *sock*."""

    def __init__(self, sock, authority, scheme="http", acknowledge=True,
                 validate=True, push=True):
        self.sock = sock
        self.authority = authority
        self.scheme = scheme
        #: False plays a client that stops reading: no window updates.
        self.acknowledge = acknowledge
        #: ``validate=False`` lets a test send what h2 would refuse to.
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(
            client_side=True, header_encoding="utf-8",
            validate_outbound_headers=validate,
            normalize_outbound_headers=validate))
        if not push:  # as browsers and curl: SETTINGS_ENABLE_PUSH = 0
            self.conn.local_settings = h2.settings.Settings(
                client=True, initial_values={
                    h2.settings.SettingCodes.ENABLE_PUSH: 0})
        self.conn.initiate_connection()
        self.exchanges = {}
        self.pushed = {}  # promised stream id -> request headers
        self.terminated = None
        self.flush()

    def flush(self):
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def request(self, method, path, headers=(), body=None, extra=()):
        """Open a stream; *body* None ends it with the headers, bytes send it
        (flow-controlled), and ``False`` leaves the stream open."""
        stream_id = self.conn.get_next_available_stream_id()
        fields = [(":method", method), (":path", path),
                  (":scheme", self.scheme), (":authority", self.authority)]
        fields.extend(extra)
        self.exchanges[stream_id] = Exchange()
        self.conn.send_headers(stream_id, fields + list(headers),
                               end_stream=body is None)
        self.flush()
        if body:
            self.send(stream_id, body, end_stream=True)
        elif body == b"":
            self.conn.end_stream(stream_id)
            self.flush()
        return stream_id

    def send(self, stream_id, data, end_stream=False):
        """Send *data* on the stream as flow control allows."""
        view = memoryview(data)
        while view:
            window = min(self.conn.local_flow_control_window(stream_id),
                         self.conn.max_outbound_frame_size)
            if window <= 0:
                self.receive_once()
                continue
            self.conn.send_data(stream_id, view[:window].tobytes())
            self.flush()
            view = view[window:]
        if end_stream:
            self.conn.end_stream(stream_id)
            self.flush()

    def receive_once(self):
        data = self.sock.recv(65536)
        if not data:
            raise socket.error("the server closed the connection")
        for event in self.conn.receive_data(data):
            self._record(event)
        self.flush()

    def _record(self, event):
        exchange = self.exchanges.get(getattr(event, "stream_id", None))
        if isinstance(event, h2.events.InformationalResponseReceived):
            exchange.informational.append(event.headers)
        elif isinstance(event, h2.events.ResponseReceived):
            exchange.headers = event.headers
        elif isinstance(event, h2.events.DataReceived):
            exchange.data.append(event.data)
            if self.acknowledge:
                self.conn.acknowledge_received_data(
                    event.flow_controlled_length, event.stream_id)
        elif isinstance(event, h2.events.TrailersReceived):
            exchange.trailers = event.headers
        elif isinstance(event, h2.events.StreamEnded):
            exchange.ended = True
        elif isinstance(event, h2.events.StreamReset):
            if exchange is not None:
                exchange.reset = event.error_code
        elif isinstance(event, h2.events.PushedStreamReceived):
            self.pushed[event.pushed_stream_id] = event.headers
            self.exchanges[event.pushed_stream_id] = Exchange()
        elif isinstance(event, h2.events.ConnectionTerminated):
            self.terminated = event.error_code
            if event.error_code == 0:  # graceful: open streams go on, as
                # in every real client (h2 alone would refuse to send)
                self.conn.state_machine.state = \
                    h2.connection.ConnectionState.CLIENT_OPEN

    def response(self, stream_id):
        """Wait until the stream ends or is reset; return its ``Exchange``."""
        exchange = self.exchanges[stream_id]
        while not (exchange.ended or exchange.reset is not None):
            self.receive_once()
        return exchange

    def websocket(self, path, headers=()):
        """Open a WebSocket by extended CONNECT (RFC 8441); the stream id
        once the response head has come."""
        stream_id = self.request("CONNECT", path, [
            ("sec-websocket-version", "13")] + list(headers), body=False,
            extra=[(":protocol", "websocket")])
        while self.exchanges[stream_id].headers is None:
            self.receive_once()
        return stream_id

    def websocket_events(self, stream_id, ws, done):
        """Receive on a WebSocket stream into the wsproto connection *ws*
        until ``done(events)`` says so; the events, in order."""
        exchange, events = self.exchanges[stream_id], []
        while not done(events):
            self.receive_once()
            ws.receive_data(exchange.body)
            del exchange.data[:]
            events.extend(ws.events())
        return events

    def close(self):
        self.conn.close_connection()
        self.flush()
        self.sock.close()

    def get(self, path, headers=()):
        return self.response(self.request("GET", path, headers))

    @property
    def remote_settings(self):
        return self.conn.remote_settings


class H2WebSocket(object):
    """A WebSocket on one extended CONNECT stream of *h2* (RFC 8441),
    framed by wsproto: ``status`` is the server's answer (200: accepted)."""

    def __init__(self, h2, path, headers=()):
        self.h2 = h2
        self.stream = h2.websocket(path, headers)
        self.exchange = h2.exchanges[self.stream]
        self.status = self.exchange.status
        self.ws = Connection(ConnectionType.CLIENT)
        self.events = []

    def send(self, message):
        event = TextMessage(data=message) if isinstance(
            message, type(u"")) else BytesMessage(data=message)
        self.h2.send(self.stream, self.ws.send(event))

    def next_event(self):
        """The next WebSocket event the server sent (pings answered)."""
        while not self.events:
            while not self.exchange.data and not self.exchange.ended:
                self.h2.receive_once()
            data = b"".join(self.exchange.data)
            del self.exchange.data[:]
            self.ws.receive_data(data or None)
            self.events.extend(self.ws.events())
        return self.events.pop(0)

    def receive(self):
        """The next whole message (its fragments joined)."""
        parts = []
        while True:
            event = self.next_event()
            assert isinstance(event, (TextMessage, BytesMessage)), event
            parts.append(event.data if isinstance(event, TextMessage)
                         else bytes(event.data))
            if event.message_finished:
                return parts[0][:0].join(parts)

    def close(self, code=1000):
        """Run the closing handshake; the server's close event."""
        self.h2.send(self.stream, self.ws.send(CloseConnection(code=code)))
        while True:
            event = self.next_event()
            if isinstance(event, CloseConnection):
                return event
