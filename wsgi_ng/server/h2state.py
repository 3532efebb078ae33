"""h2's connection, where it breaks more than RFC 9113 asks, and its
errors in words.

h2 is the protocol library and stays so; three of its choices are
answered here, by overriding how it takes two frames:

* A malformed request header block -- a ``host`` field that differs from
  ``:authority``, an upper-case name, a connection-specific field -- is a
  connection error in h2, so one bad request ended every stream of the
  connection.  RFC 9113 section 8.1.1 asks for a stream error: that stream
  is reset with PROTOCOL_ERROR and the others go on.  The header block was
  decoded by then, so the HPACK context both sides share is intact.
* h2's checks of a received header block cost a seventh of a request's
  work; the server turns them off, and ``h2fields`` applies the same
  rules in one pass to each request and trailers block h2 hands over.
* A GOAWAY either way -- the client's "no more requests" (h2load,
  browsers), ours on shutdown -- leaves the streams already open running:
  they still send DATA and get their responses (RFC 9113 section 6.8).
  h2 closes its state machine on any GOAWAY, so their next frame was a
  connection error; the state stays open instead, and the server's own
  flags wind the connection down and refuse new streams.
"""
import re

import h2.connection
import h2.errors
import h2.events
import h2.exceptions

from wsgi_ng.server.h2fields import check_request, check_trailers


class Request(object):
    """h2's ``RequestReceived``, checked by ``h2fields``: with the request's
    pseudo-header fields by name and its ``host`` values, so the stream
    need not split its fields again."""

    def __init__(self, event, pseudo, hosts):
        self.stream_id = event.stream_id
        self.headers = event.headers
        self.ended = event.stream_ended is not None
        self.checked = pseudo, hosts


class MalformedRequest(object):
    """The event for a request header block refused on its own stream."""

    def __init__(self, stream_id, error):
        self.stream_id = stream_id
        self.error = error


#: Errors that leave no stream to blame: HPACK's (its context is shared by
#: the whole connection), an oversized header list, too many streams.
_CONNECTION_ERRORS = (h2.exceptions.DenialOfServiceError,
                      h2.exceptions.TooManyStreamsError)


class ServerConnection(h2.connection.H2Connection):
    """``H2Connection`` for the server side (see the module's doc)."""

    def _receive_headers_frame(self, frame):
        try:
            frames, events = h2.connection.H2Connection._receive_headers_frame(
                self, frame)
            for index, event in enumerate(events):
                kind = type(event)
                if kind is h2.events.RequestReceived:
                    events[index] = Request(event,
                                            *check_request(event.headers))
                elif kind is h2.events.TrailersReceived:
                    check_trailers(event.headers)
            return frames, events
        except h2.exceptions.ProtocolError as error:
            if isinstance(error, _CONNECTION_ERRORS) or \
                    frame.stream_id not in self.streams or \
                    str(error).startswith("Error decoding header block"):
                raise
            self.reset_stream(frame.stream_id,
                              h2.errors.ErrorCodes.PROTOCOL_ERROR)
            return [], [MalformedRequest(frame.stream_id, error)]

    def _receive_goaway_frame(self, frame):
        result = h2.connection.H2Connection._receive_goaway_frame(self, frame)
        self._stay_open()
        return result

    def close_connection(self, *args, **kwargs):
        h2.connection.H2Connection.close_connection(self, *args, **kwargs)
        self._stay_open()

    def _stay_open(self):
        self.state_machine.state = h2.connection.ConnectionState.SERVER_OPEN


#: What h2's exceptions mean, for those whose text says little (a stream
#: id, nothing, a frame's repr) or the wrong thing (h2 3.2 calls the
#: client's streams "outbound").
_H2_ERRORS = [
    (h2.exceptions.StreamClosedError, "a frame on a closed stream"),
    (h2.exceptions.NoSuchStreamError, "a frame on a stream never opened"),
    (h2.exceptions.TooManyStreamsError, "more concurrent streams than "
                                        "SETTINGS_MAX_CONCURRENT_STREAMS"),
    (h2.exceptions.FrameTooLargeError, "a frame larger than "
                                       "SETTINGS_MAX_FRAME_SIZE"),
    (h2.exceptions.FlowControlError, "more data than the flow-control "
                                     "window allows"),
    (h2.exceptions.InvalidBodyLengthError, "a body longer or shorter than "
                                           "its content-length"),
]
#: h2's state-machine complaint, e.g. "Invalid input
#: ConnectionInputs.RECV_DATA in state ConnectionState.IDLE".
_BAD_INPUT = re.compile(r"Invalid input \w+\.RECV_(\w+) in state \w+\.(\w+)")
#: A repr in a message: "... from <memory at 0x7f...>".
_REPR = re.compile(r"\s*(?:from |in )?<[^>]*>")


def describe_h2_error(error):
    """The words for an h2 ``ProtocolError``, for a log line."""
    for kind, words in _H2_ERRORS:
        if isinstance(error, kind):
            return words
    text = _REPR.sub("", str(error))
    bad_input = _BAD_INPUT.match(text)
    if bad_input:
        frame, state = bad_input.groups()
        return "a %s frame where none may come (the %s is %s)" % (
            frame, "stream" if "Stream" in text else "connection",
            state.lower().replace("_", " "))
    if not any(c.isalpha() for c in text):
        name = type(error).__name__.replace("Error", "")
        return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).lower()
    return text
