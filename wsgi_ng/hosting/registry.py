"""The hosts: a server and the protocol a client speaks to it.

``reference-h1`` and ``reference-h2c`` are one ``wsgi-ng serve`` process
talked to over HTTP/1.1 and over HTTP/2 by prior knowledge;
``reference-h2-tls`` is another, with a certificate, reached by ALPN.  So a
run that plays scenarios on many hosts starts each *launch* (a server,
with or without TLS) once and plays every host of it.
"""
import collections

from wsgi_ng.hosting.servers import SERVERS

#: The protocols a client speaks: HTTP/1.1, HTTP/2 by prior knowledge on
#: cleartext, HTTP/2 chosen by ALPN over TLS.
H1, H2C, H2_TLS = "h1", "h2c", "h2-tls"
PROTOCOL_NAMES = {H1: "HTTP/1.1", H2C: "HTTP/2 (cleartext)",
                  H2_TLS: "HTTP/2 (TLS)"}


class Host(collections.namedtuple("Host", "name server protocol")):
    """``server`` is a ``servers.Server``; TLS is implied by the protocol."""

    @property
    def tls(self):
        return self.protocol == H2_TLS

    @property
    def launch_key(self):
        """Hosts with the same key are one server process."""
        return self.server.name, self.tls

    @property
    def http2(self):
        return self.protocol != H1

    def unavailable(self, folders=()):
        return self.server.unavailable(folders)

    @property
    def description(self):
        return "%s, %s" % (self.server.description,
                           PROTOCOL_NAMES[self.protocol])


def _hosts():
    def host(name, server, protocol=H1):
        return Host(name, SERVERS[server], protocol)
    yield host("reference-h1", "reference")
    yield host("reference-h2c", "reference", H2C)
    yield host("reference-h2-tls", "reference", H2_TLS)
    yield host("wsgi-ng-worker", "wsgi-ng-worker")
    yield host("wsgi-ng-worker-h2c", "wsgi-ng-worker", H2C)
    for name in ("gunicorn-sync", "gunicorn-gthread", "gunicorn-gevent"):
        yield host(name, name)
    yield host("gunicorn-h2", "gunicorn-h2", H2C)
    for name in ("waitress", "werkzeug", "wsgiref", "cheroot", "gevent",
                 "eventlet", "uwsgi", "mod_wsgi"):
        yield host(name, name)
    yield host("mod_wsgi-h2", "mod_wsgi-h2", H2C)
    yield host("mod_wsgi-embedded-h2", "mod_wsgi-embedded-h2", H2C)
    # ASGI servers, the app through to_asgi (Python 3)
    yield host("uvicorn", "uvicorn-httptools")
    yield host("hypercorn", "hypercorn")
    yield host("hypercorn-h2c", "hypercorn", H2C)
    yield host("daphne", "daphne")
    yield host("granian", "granian")


#: Every host, by name, in the order tables list them.
HOSTS = collections.OrderedDict((host.name, host) for host in _hosts())
#: Other names users may give (``reference-h2`` is HTTP/2 on cleartext).
ALIASES = {"reference-h2": "reference-h2c"}


def find(name):
    """The host called *name* (or one of its aliases), or ``KeyError``
    with the names there are."""
    try:
        return HOSTS[ALIASES.get(name, name)]
    except KeyError:
        raise KeyError("there is no host %r; the hosts are %s" % (
            name, ", ".join(HOSTS)))
