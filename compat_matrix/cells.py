"""One cell of the matrix: what a scenario gave on a host, and the
evidence -- the exchanges as they went over the wire, the server's log
lines about them -- normalised so that a re-run writes the same file.

Outcomes, best first:

``full``         everything the scenario asks for worked;
``degraded``     it worked as the spec's degradation says (``how`` says
                 what came instead: a 103, a ``Link`` header...);
``unavailable``  the host cannot have it and answered honestly (the app's
                 fallback, a 411), ``how`` says why;
``broken``       a wrong answer, none, or an error where the contract
                 promises one (``how`` says what went wrong);
``not-run``      not played on this Python (``how`` says why: a server tox
                 does not build here, a package this Python lacks).
"""
import re

from wsgi_ng.hosting.normalise import normalise

FULL, DEGRADED, UNAVAILABLE, BROKEN, NOT_RUN = (
    "full", "degraded", "unavailable", "broken", "not-run")
OUTCOMES = (FULL, DEGRADED, UNAVAILABLE, BROKEN, NOT_RUN)

BODY_SHOWN = 120  # bytes of a text body the evidence keeps


class Verdict(Exception):
    """Raised by a scenario to end with an outcome other than ``full``."""

    def __init__(self, outcome, how):
        Exception.__init__(self, "%s: %s" % (outcome, how))
        self.outcome, self.how = outcome, how


def degraded(how):
    return Verdict(DEGRADED, how)


def unavailable(how):
    return Verdict(UNAVAILABLE, how)


def broken(how):
    return Verdict(BROKEN, how)


class Cell(object):
    """A scenario on a host: ``outcome``, ``how``, the evidence (``wire``
    and ``log`` lines) and ``facts`` other outputs read (the features the
    host offered, say)."""

    def __init__(self, outcome=FULL, how="", wire=None, log=None, facts=None):
        self.outcome, self.how = outcome, how
        self.wire = wire if wire is not None else []
        self.log = log if log is not None else []
        self.facts = facts if facts is not None else {}

    def as_json(self):
        return {"outcome": self.outcome, "how": self.how, "wire": self.wire,
                "log": self.log, "facts": self.facts}

    @classmethod
    def from_json(cls, data):
        return cls(data["outcome"], data["how"], data["wire"], data["log"],
                   data["facts"])

    def summary(self):
        return self.outcome + (" (%s)" % self.how if self.how else "")

    def __eq__(self, other):
        return isinstance(other, Cell) and self.as_json() == other.as_json()

    def __ne__(self, other):
        return not self == other

    def __repr__(self):
        return "<Cell %s>" % self.summary()


class Record(object):
    """The evidence a scenario collects as it plays."""

    def __init__(self):
        self.lines = []

    def note(self, text):
        self.lines.append(normalise(text))

    def request(self, method, target, version, headers=(), body=None,
                unsized=False):
        size = "" if body is None else " (%d bytes%s)" % (
            len(body), ", no length" if unsized else "")
        self.note("> %s %s HTTP/%s%s" % (method, target, version, size))
        for name, value in headers:
            self.note(">   %s: %s" % (name, value))

    def reply(self, reply, body=True, only=None):
        """The reply as it came: HTTP/1.1 heads byte for byte (whitespace
        shows), HTTP/2 fields as decoded; then body, trailers, pushes.
        With *only* (field names), the status and those fields, sorted: the
        steps of a login need no more, and the order of a framework's
        cookies is its dict's (Django 1.11's varies with 2.7's hash seed)."""
        if only is not None:
            self.note("< %s" % reply.status)
            self._fields(sorted((name.lower(), value) for name, value in
                                reply.headers if name.lower() in only))
        elif reply.version == "1.1" and reply.head:
            for line in reply.head.decode("latin-1").split("\r\n"):
                if line:
                    self.note("< " + _visible(_sized(line)))
        else:
            for status, fields in reply.informational:
                self.note("< %d" % status)
                self._fields(fields)
            if reply.status is not None:
                self.note("< %d" % reply.status)
                self._fields(reply.headers)
        if body and reply.status is not None:
            self.note("< body: " + describe(reply.body))
        if reply.trailers:
            self.note("< trailers:")
            self._fields(reply.trailers)
        for path, _ in reply.pushes:
            self.note("< PUSH_PROMISE " + path)
        if reply.error:
            self.note("! " + reply.error)
        return reply

    def _fields(self, fields):
        for name, value in fields:
            self.note("<   " + _visible(_sized("%s: %s" % (name, value))))


def _sized(line):
    """A ``Content-Length`` past what the evidence shows of a body is not
    evidence either: a page's size varies (Django's admin from process to
    process)."""
    name, _, value = line.partition(": ")
    if name.lower() == "content-length" and value.isdigit() and \
            int(value) > BODY_SHOWN:
        return "%s: <n>" % name
    return line


def _visible(line):
    """A header line with its value quoted when whitespace surrounds it
    (beyond the one space after the colon), so the evidence shows it."""
    name, colon, value = line.partition(":")
    value = value[1:] if value.startswith(" ") else value
    if colon and value != value.strip():
        return '%s: "%s"' % (name, value)
    return line


def describe(body):
    """A body in the evidence: short text as it is (escaped), else its
    size."""
    if not body:
        return "empty"
    if len(body) > BODY_SHOWN or CONTROL.search(body):
        return "%d bytes" % len(body)
    return body.decode("latin-1").encode("unicode_escape").decode("ascii")


#: bytes that make a body binary rather than text
CONTROL = re.compile(b"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\xff]")
