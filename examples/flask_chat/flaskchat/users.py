"""Who may log in.  A real app keeps users in its database; the passwords
here are kept only as hashes all the same."""
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

PASSWORDS = {
    "ada": generate_password_hash("analytical-engine"),
    "grace": generate_password_hash("cobol-1959"),
}


class User(UserMixin):
    def __init__(self, name):
        self.id = self.name = name


def load(name):
    """Flask-Login's user loader."""
    return User(name) if name in PASSWORDS else None


def authenticate(name, password):
    """The user, when *password* is theirs; else None."""
    hashed = PASSWORDS.get(name)
    if hashed and check_password_hash(hashed, password):
        return User(name)
    return None
