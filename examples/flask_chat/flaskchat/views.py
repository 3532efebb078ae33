"""The pages, the JSON API and the WebSocket of the chat."""
import flask
import flask_login
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from flaskchat import users
from flaskchat.room import message_json
from wsgi_ng.adapters.flask import Sock

blueprint = flask.Blueprint("chat", __name__)
sock = Sock()  # create_app calls sock.init_app(app)

#: Policy violation: the close code for a WebSocket the chat refuses.
REFUSED = 1008


class LoginForm(FlaskForm):  # hidden_tag() carries the CSRF token
    username = StringField("Username", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


class MessageForm(FlaskForm):
    text = StringField("Message", validators=[DataRequired(), Length(max=500)])


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = users.authenticate(form.username.data, form.password.data)
        if user is not None:
            flask_login.login_user(user)
            target = flask.request.args.get("next", "")
            # only to a page of this site (Flask-Login's documentation)
            if not target.startswith("/") or target.startswith("//"):
                target = flask.url_for("chat.index")
            return flask.redirect(target)
        flask.flash("Wrong username or password.")
    return flask.render_template("login.html", form=form)


@blueprint.route("/logout")
def logout():
    flask_login.logout_user()
    return flask.redirect(flask.url_for("chat.login"))


@blueprint.route("/", methods=["GET", "POST"])
@login_required
def index():
    form = MessageForm()
    if form.validate_on_submit():  # the page works without JavaScript too
        flask.current_app.room.post(current_user.name, form.text.data)
        return flask.redirect(flask.url_for("chat.index"))
    # the browser may fetch these while the page is still being made
    flask.request.push("/static/chat.css", "/static/chat.js")
    return flask.render_template("index.html", form=form,
                                 history=flask.current_app.room.recent())


@blueprint.route("/api/messages", methods=["GET"])
@login_required
def list_messages():
    return flask.jsonify(messages=flask.current_app.room.recent())


@blueprint.route("/api/messages", methods=["POST"])
@login_required
def post_message():
    """``{"text": "..."}``, with the page's CSRF token in ``X-CSRFToken``."""
    data = flask.request.get_json(silent=True) or {}
    text = data.get("text")
    if not isinstance(text, type(u"")) or not text.strip() or len(text) > 500:
        return flask.jsonify(error="text: 1 to 500 characters"), 400
    message = flask.current_app.room.post(current_user.name, text)
    return flask.jsonify(message), 201


@sock.route("/ws", bp=blueprint)
def chat_socket(ws):
    """The live room: ``{"history": [...]}`` first, then every message as
    it is posted (``{"user": ..., "text": ...}``); what the client sends is
    posted under its user's name."""
    if not current_user.is_authenticated or not same_origin():
        ws.close(reason=REFUSED, message=u"log in on this site first")
        return
    room = flask.current_app.room
    ws.send(message_json({"history": room.join(ws)}))
    try:
        while True:
            text = ws.receive()
            if text:
                room.post(current_user.name, u"%s" % text)
    finally:
        room.leave(ws)


def same_origin():
    """A browser names the page that opens a WebSocket in ``Origin``: one
    of another site must not use this user's session cookie."""
    origin = flask.request.headers.get("Origin")
    return origin is None or origin == flask.request.host_url.rstrip("/")
