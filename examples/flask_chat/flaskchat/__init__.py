"""A small Flask chat, written the way Flask apps are: an app factory,
Flask-Login sessions with a Flask-WTF login form (CSRF on every post), a
form and a JSON API to post messages, static files served by WhiteNoise,
and one WebSocket route through ``wsgi_ng.adapters.flask.Sock`` -- the
flask-sock API on any wsgi-ng host, over HTTP/2 too.

Serve it from this folder as it is::

    wsgi-ng serve flaskchat:app                          # HTTP/1.1, h2c, WebSocket
    wsgi-ng serve flaskchat:app --certfile c.pem --keyfile k.pem   # TLS, HTTP/2
    gunicorn -k gthread --threads 8 flaskchat:app        # a plain WSGI server
    gunicorn -k wsgi_ng.adapters.gunicorn.Worker -w 2 flaskchat:app

Messages are kept in SQLite (``DATABASE``, by default in the instance
folder).  Runs on Flask 1.1 (Python 2.7) up to 3.x.
"""
import os

import flask
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from whitenoise import WhiteNoise

from flaskchat import users, views
from flaskchat.room import Room
from wsgi_ng.adapters.flask import Request, Response

STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")


def create_app(settings=None):
    app = flask.Flask(__name__)
    app.request_class, app.response_class = Request, Response  # wsgi-ng idioms
    app.config.update(SECRET_KEY="change me: a long random string",
                      SESSION_COOKIE_SAMESITE="Lax")
    app.config.from_envvar("CHAT_SETTINGS", silent=True)  # a deployment's
    app.config.update(settings or {})
    database = app.config.get("DATABASE")
    if database is None:  # the app's instance folder, as Flask suggests
        if not os.path.isdir(app.instance_path):
            os.makedirs(app.instance_path)
        database = os.path.join(app.instance_path, "chat.sqlite")
    CSRFProtect(app)
    login_manager = LoginManager(app)
    login_manager.login_view = "chat.login"
    login_manager.user_loader(users.load)
    app.room = Room(database)
    app.register_blueprint(views.blueprint)
    views.sock.init_app(app)
    # files under /static/ come from WhiteNoise, before Flask sees them
    app.wsgi_app = WhiteNoise(app.wsgi_app, root=STATIC, prefix="static/")
    return app


app = create_app()
