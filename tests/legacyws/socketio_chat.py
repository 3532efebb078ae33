"""A Flask-SocketIO app in threading mode (python-engineio's WebSocket is
simple-websocket on ``gunicorn.socket``), the way its documentation writes
one: an event handler that answers the sender and one that broadcasts."""
from flask import Flask
from flask_socketio import SocketIO, emit

app = Flask(__name__)
app.config["SECRET_KEY"] = "secret!"
socketio = SocketIO(app, async_mode="threading")


@socketio.on("my event")
def handle_my_custom_event(json):
    emit("my response", {"got": json})


@socketio.on("shout")
def shout(message):
    emit("heard", message.upper(), broadcast=True)
