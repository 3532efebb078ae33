"""The wsgi-ng reference server: HTTP/1.1, HTTP/2 and WebSocket on one port.

``serve(app, binds=["127.0.0.1:8000"])`` runs until SIGTERM or SIGINT;
``Server`` is the same, embeddable.  Needs the ``server`` extra (h11, h2).
"""
from wsgi_ng.server.config import Config
from wsgi_ng.server.core import Server, listen, parse_bind, tls_context

__all__ = ["Config", "Server", "listen", "parse_bind", "tls_context"]
