"""The bench apps through ``to_asgi`` (Python 3 only): the WSGI hello and
the wsgi-ng WebSocket echo (blocking and event-driven API), for ASGI
servers to serve next to their own ASGI figures (``apps.asgi_app``)."""
import apps
from wsgi_ng.adapters.asgi import to_asgi

hello = to_asgi(apps.hello)
ws_echo = to_asgi(apps.ws_echo)
ws_serve = to_asgi(apps.ws_serve)
