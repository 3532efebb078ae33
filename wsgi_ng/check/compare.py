"""Judging one host's reply against the baseline's.

The baseline is the first host's reply to the same request, the app as
given, the body with a length.  A reply is

``same``       as the baseline's, in everything compared;
``degraded``   different only as the spec lets a host degrade: a 103
               became a ``Link`` header, trailers were dropped, a WebSocket
               answered by the app's fallback where the host offers none,
               a body without a length refused with 411;
``different``  anything else -- another status or body, no reply, bytes
               the protocol forbids.

A body that differs between two of the baseline's own replies (it holds
the time, a random token the masking missed) is not compared.
"""
SAME, DEGRADED, DIFFERENT = "same", "degraded", "different"


class Verdict(object):
    """A reply judged: ``kind`` and what differs, in words."""

    def __init__(self, kind, what=()):
        self.kind, self.what = kind, list(what)

    def __repr__(self):
        return "<%s: %s>" % (self.kind, "; ".join(self.what))


def judge(request, observed, baseline, volatile=False):
    """The ``Verdict`` on *observed* (an ``observe.Observation``) for
    *request*, against *baseline*'s (*volatile*: its body is not
    compared)."""
    different, degraded = list(observed.problems), []
    refused = observed.status == 411 and request.unsized  # as the spec allows
    if request.expected is not None and observed.status != request.expected \
            and not refused:
        different.append("answered %s, not the %d expected" % (
            observed.outcome(), request.expected))
        if baseline.status == request.expected:
            baseline = observed  # said once: not the baseline's status either
    if baseline.websocket and not observed.websocket:
        _lost_websocket(observed, degraded, different)
    elif observed.status != baseline.status and not (
            baseline.websocket and observed.websocket):
        if refused:
            degraded.append("411: this host cannot read a body without a "
                            "length")
        elif observed.status is not None:
            different.append("answered %s, not %s" % (observed.outcome(),
                                                      baseline.outcome()))
    elif not observed.websocket:
        different.extend(_content(observed, baseline, volatile))
    degraded.extend(_capabilities(observed, baseline))
    if different:
        return Verdict(DIFFERENT, different)
    return Verdict(DEGRADED, degraded) if degraded else Verdict(SAME)


def _lost_websocket(observed, degraded, different):
    if observed.unavailable:
        degraded.append(observed.unavailable)
    elif observed.status is not None and 400 <= observed.status < 500:
        degraded.append("no WebSocket here: the app's fallback answered %d" %
                        observed.status)
    elif observed.status is not None:
        different.append("the handshake got %d" % observed.status)


def _content(observed, baseline, volatile):
    found = []
    if observed.content_type != baseline.content_type:
        found.append("Content-Type %s, not %s" % (
            observed.content_type or "none", baseline.content_type or "none"))
    if observed.location != baseline.location:
        found.append("redirected to %s, not %s" % (observed.location,
                                                   baseline.location))
    if not volatile and observed.text != baseline.text:
        found.append("the body was %s, not %s" % (observed.shown(),
                                                  baseline.shown()))
    return found


def _capabilities(observed, baseline):
    """What the baseline's reply had that this one lacks, as the spec
    lets a host do without it."""
    found = []
    if baseline.hints and not observed.hints:
        found.append("no 103 Early Hints (a Link header instead)")
    if baseline.trailers and not observed.trailers:
        found.append("trailers dropped")
    return found
