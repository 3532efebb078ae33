"""Who is in the chat right now: the open WebSocket sessions of this
process, and sending a message to all of them.

A session may be sent to from any thread (the wsgi-ng spec), so the view
of the one who wrote sends to everyone.  With several processes (gunicorn
workers) each has its own room; a real site would relay through Redis or
PostgreSQL's LISTEN/NOTIFY.
"""
import json
import threading

from wsgi_ng import ConnectionClosed

_lock = threading.Lock()
_sessions = set()


class joined(object):
    """``with joined(ws):`` -- *ws* hears every message while inside."""

    def __init__(self, ws):
        self.ws = ws

    def __enter__(self):
        with _lock:
            _sessions.add(self.ws)
        return self.ws

    def __exit__(self, *exc):
        with _lock:
            _sessions.discard(self.ws)


def broadcast(message):
    """Send *message* (a ``Message``) to everyone in the room."""
    text = json.dumps(message.as_json())
    with _lock:
        sessions = list(_sessions)
    for ws in sessions:
        try:
            ws.send_text(text)
        except ConnectionClosed:
            pass  # leaving: its own view takes it out of the room
