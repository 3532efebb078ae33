"""Settings for serving flask_login_app over HTTPS, as Flask's security
notes ask: the session and "remember me" cookies go over HTTPS only."""
SESSION_COOKIE_SECURE = True
REMEMBER_COOKIE_SECURE = True
