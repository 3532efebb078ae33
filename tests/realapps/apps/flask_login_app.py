"""A Flask app with Flask-Login, written the way Flask-Login's
documentation writes one: a Flask-WTF login form, CSRF protection for
every form post (over HTTPS that includes Flask-WTF's ``Referer`` check), a
``user_loader``, a page behind ``@login_required`` that greets the user
by name, and a logout.  Served as it is: ``wsgi-ng serve
flask_login_app:app`` from this folder.
"""
import flask
import flask_login
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

app = flask.Flask(__name__)
app.secret_key = "change me: a long random string in production"
app.config.from_envvar("FLASK_LOGIN_APP_SETTINGS", silent=True)  # deployment
CSRFProtect(app)

login_manager = flask_login.LoginManager()
login_manager.init_app(app)
login_manager.login_view = "login"  # where @login_required sends strangers

#: username -> password hash; a real app keeps them in its database
USERS = {"adalovelace": generate_password_hash("analytical-engine-1843")}


class User(flask_login.UserMixin):
    def __init__(self, username):
        self.id = username


@login_manager.user_loader
def load_user(user_id):
    return User(user_id) if user_id in USERS else None


class LoginForm(FlaskForm):  # its hidden_tag() carries the CSRF token
    username = StringField("Username", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


LOGIN_PAGE = """<!doctype html>
<title>Log in</title>
{% for message in get_flashed_messages() %}<p>{{ message }}</p>{% endfor %}
<form method="post" id="login">
  {{ form.hidden_tag() }}
  {{ form.username.label }} {{ form.username() }}
  {{ form.password.label }} {{ form.password() }}
  <input type="submit" value="Log in">
</form>
"""

PROTECTED_PAGE = """<!doctype html>
<title>Protected</title>
<p>Logged in as: <strong id="user">{{ current_user.id }}</strong></p>
<p><a href="{{ url_for('logout') }}">Log out</a></p>
"""


@app.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        hashed = USERS.get(form.username.data)
        if hashed and check_password_hash(hashed, form.password.data):
            flask_login.login_user(User(form.username.data))
            target = flask.request.args.get("next")
            # never redirect to another site (the documentation's warning)
            if not target or not target.startswith("/") or \
                    target.startswith("//"):
                target = flask.url_for("protected")
            return flask.redirect(target)
        flask.flash("Wrong username or password.")
    return flask.render_template_string(LOGIN_PAGE, form=form)


@app.route("/protected")
@flask_login.login_required
def protected():
    return flask.render_template_string(PROTECTED_PAGE)


@app.route("/logout")
def logout():
    flask_login.logout_user()
    return flask.redirect(flask.url_for("login"))
