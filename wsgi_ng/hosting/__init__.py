"""Serve an app on real servers, for checks and tests: ``wsgi-ng check``,
the pytest plugin's ``ng_hosts`` marker and wsgi-ng's own test suite and
compatibility matrix all start their servers with this.

``registry.HOSTS``
    every host by name: a server and the protocol a client speaks to it
    (``reference-h2c``, ``gunicorn-gthread``, ``mod_wsgi-h2``...);
``servers.SERVERS``
    every kind of server process and its command line;
``live.LiveServer``
    one server running an app (``module:attribute``) in a child process,
    on a socket of 127.0.0.1, until stopped; its output kept.

Needs the ``server`` extra (h11 and h2), as the clients that talk to the
hosts do.
"""
from wsgi_ng.hosting.live import LiveServer, ServerFailed, Unavailable
from wsgi_ng.hosting.registry import HOSTS, Host, find
from wsgi_ng.hosting.servers import SERVERS

__all__ = ["HOSTS", "SERVERS", "Host", "LiveServer", "ServerFailed",
           "Unavailable", "find"]
