"""The one chat room: its messages, kept in SQLite (every process of a
deployment sees them), and the WebSockets of this process to tell.

Live messages reach the WebSockets of the process that took the post: a
single process (threads) serves everyone live; with several, a pub/sub
(Redis, PostgreSQL's LISTEN) would go where ``_tell`` is.
"""
import json
import sqlite3
import threading

from wsgi_ng.adapters.flask import ConnectionClosed

SCHEMA = """CREATE TABLE IF NOT EXISTS message (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user TEXT NOT NULL,
    text TEXT NOT NULL)"""


class Room(object):
    def __init__(self, database, keep=50):
        self.database = database
        self.keep = keep
        self._sockets = set()
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute(SCHEMA)

    def _connect(self):
        """A connection for one call: sqlite3's may not cross threads."""
        return sqlite3.connect(self.database, timeout=10)

    def recent(self):
        """The last messages, oldest first."""
        db = self._connect()
        try:
            rows = db.execute("SELECT user, text FROM message ORDER BY id DESC "
                              "LIMIT ?", (self.keep,)).fetchall()
        finally:
            db.close()
        return [{"user": user, "text": text} for user, text in reversed(rows)]

    def post(self, user, text):
        """Keep a message and tell everyone connected; returns it."""
        db = self._connect()
        try:
            with db:
                db.execute("INSERT INTO message (user, text) VALUES (?, ?)",
                           (user, text))
        finally:
            db.close()
        message = {"user": user, "text": text}
        self._tell(message)
        return message

    def _tell(self, message):
        with self._lock:
            sockets = list(self._sockets)
        for ws in sockets:  # outside the lock: a slow client blocks no one
            try:
                ws.send(message_json(message))
            except ConnectionClosed:
                self.leave(ws)

    def join(self, ws):
        """Add *ws* to those told; returns the messages so far."""
        with self._lock:
            self._sockets.add(ws)
        return self.recent()

    def leave(self, ws):
        with self._lock:
            self._sockets.discard(ws)


def message_json(message):
    return json.dumps(message, sort_keys=True)
