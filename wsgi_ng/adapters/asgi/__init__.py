"""ASGI both ways (Python 3 only).

``to_asgi(app)``: a wsgi-ng (or plain WSGI) app as an ASGI 3 app, for
uvicorn, hypercorn, daphne and granian.  ``from_asgi(app)``: an ASGI app
(Starlette, FastAPI...) as a wsgi-ng app, for the reference server, the
gunicorn worker class, or any WSGI server through ``to_wsgi``.
"""
from wsgi_ng.adapters.asgi.from_asgi import from_asgi
from wsgi_ng.adapters.asgi.to_asgi import to_asgi

__all__ = ["from_asgi", "to_asgi"]
