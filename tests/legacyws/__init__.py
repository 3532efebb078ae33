"""Apps that already do WebSocket on WSGI, as their libraries' own
documentation writes them: they take the client socket from
``environ["gunicorn.socket"]`` and speak the protocol on it themselves.
Served unchanged by the reference server (``wsgi_ng.server.handover``)."""
