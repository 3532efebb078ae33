"""Bridges between WSGI and wsgi-ng.

``from_wsgi(app)`` contains a legacy WSGI app in a wsgi-ng host;
``to_wsgi(ng_app)`` exposes a wsgi-ng app through any WSGI server.
"""
from wsgi_ng.shims.contained import from_wsgi, is_contained
from wsgi_ng.shims.exposed import to_wsgi

__all__ = ["from_wsgi", "is_contained", "to_wsgi"]
