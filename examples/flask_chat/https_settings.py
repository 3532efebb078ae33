"""Settings for serving the chat over HTTPS, as Flask's security notes
ask: the session and "remember me" cookies go over HTTPS only.  Used with
``CHAT_SETTINGS=/path/to/https_settings.py``."""
SESSION_COOKIE_SECURE = True
REMEMBER_COOKIE_SECURE = True
