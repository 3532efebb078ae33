"""The scenarios, defined once and played on every host.

A scenario is a function of a ``Target`` -- a host, its running server,
clients for its protocol and the evidence record -- that returns when
everything worked (``full``) or raises a ``cells.Verdict`` saying how it
degraded, why it is unavailable or what broke.  Each one's requests go to
paths under ``/<name>/`` of the matrix app (``apps/matrix_app.py``), so
the server's log lines are attributed to it.

``needs`` says what must be installed *here* (in the process playing the
scenario: the server's own environment is the same interpreter's) for it
to be played at all; without it the cell is ``not-run`` or, where this
Python can never have it, ``unavailable``.
"""
import collections
import socket
import ssl

from compat_matrix.cells import BROKEN, FULL, Cell, Record, Verdict, broken
from wsgi_ng.hosting.client import client_for
from wsgi_ng.hosting.normalise import normalise


class Scenario(collections.namedtuple(
        "Scenario", "name title play needs prefixes own_app")):
    """``prefixes``: the paths of its requests (``/name/`` by default);
    ``own_app``: ``(module:attribute, folder)`` of an app that wsgi-ng
    servers must serve alone, as its users serve it (they decide at the
    top whether an app is contained, and hand a socket over only then),
    mounted at ``/name`` of the matrix app elsewhere."""


#: The matrix's columns, in the issue's order.
ORDER = ("plain", "cookies-and-sessions", "form-csrf", "upload-unsized",
         "download", "disconnect", "websocket-echo", "websocket-close",
         "websocket-denial", "push", "early-hints", "trailers", "full-duplex",
         "from-wsgi", "flask-sock", "framework-login")
_registered = {}


def scenario(name, title, needs=None, prefixes=None, own_app=None):
    """Register the decorated function as the scenario *name*."""
    assert name in ORDER, name

    def register(play):
        _registered[name] = Scenario(name, title, play, needs,
                                     tuple(prefixes or ["/%s/" % name]),
                                     own_app)
        return play
    return register


class Target(object):
    """What a scenario plays against: *host* (``hosting.Host``) served by
    *live* (``hosting.LiveServer``), with *context* (``runner.Context``)."""

    def __init__(self, host, live, context, scenario=None, mount=""):
        self.host, self.live, self.context = host, live, context
        self.scenario = scenario  # the name of the scenario played
        #: where the scenario's app is: ``""`` when it is served alone
        self.mount = mount
        self.record = Record()
        self.facts = {}
        self._clients = {}

    @property
    def hello(self):
        """A path of this scenario that answers 200 (the app answers every
        ``.../hello``), for a request that only checks the host serves."""
        return "/%s/hello" % self.scenario

    @property
    def version(self):
        return "2" if self.host.http2 else "1.1"

    def client(self, push=False):
        """The client of the host's protocol, one per scenario (HTTP/2: one
        connection, pushes refused unless *push*, as browsers do)."""
        if push not in self._clients:
            options = {"push": push} if self.host.http2 else {}
            self._clients[push] = client_for(self.host.protocol, self.live.port,
                                             **options)
        return self._clients[push]

    def request(self, method, path, headers=(), body=None, unsized=False,
                push=False, only=None):
        """One request over the host's protocol, recorded with its reply
        (its status and the fields named in *only*, if given)."""
        self.record.request(method, path, self.version,
                            headers if only is None else (), body, unsized)
        reply = self.client(push).request(method, path, headers, body, unsized)
        return self.record.reply(reply, only=only)

    def get(self, path, headers=(), push=False):
        return self.request("GET", path, headers, push=push)

    def expect(self, condition, how):
        """``broken`` with *how* unless *condition*."""
        if not condition:
            raise broken(how)

    def close(self):
        for client in self._clients.values():
            client.close()


def play(scenario, host, live, context, mount=""):
    """*scenario* on *host*: its ``Cell`` (the log lines are added later,
    from the server's whole output: ``runner.attribute_log``)."""
    target = Target(host, live, context, scenario.name, mount)
    try:
        scenario.play(target)
        outcome, how = FULL, ""
    except Verdict as verdict:
        outcome, how = verdict.outcome, verdict.how
    except AssertionError as error:  # a flow that went another way
        outcome, how = BROKEN, (str(error) or "an unexpected reply").splitlines(
        )[0][:200]
    except (socket.error, ssl.SSLError) as error:
        outcome, how = BROKEN, "connection lost: %s" % (error,)
    finally:
        target.close()
    return Cell(outcome, normalise(how), target.record.lines,
                facts=target.facts)


from compat_matrix.scenarios import (  # noqa: E402,F401 (they register)
    capabilities, frameworks, http, websockets,
)

#: Every scenario by name, in the matrix's order.
SCENARIOS = collections.OrderedDict((name, _registered[name]) for name in ORDER)
