"""Bridges between WSGI and wsgi-ng.

``from_wsgi(app)`` contains a legacy WSGI app in a wsgi-ng host.
"""
from wsgi_ng.shims.contained import from_wsgi, is_contained

__all__ = ["from_wsgi", "is_contained"]
