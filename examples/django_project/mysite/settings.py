"""The example project: a chat site with Django's admin, logins and
sessions, a form, static files served by WhiteNoise and one WebSocket view
that knows who is logged in (``chat/views.py``).  Runs on Django 1.11
(Python 2.7) up to 5.x::

    python manage.py migrate
    python manage.py createsuperuser
    wsgi-ng serve mysite.wsgi:application

What changes a plain project for wsgi-ng is marked "wsgi-ng" below.
"""
import os

BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-secret")
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
# Served over HTTPS (MYSITE_HTTPS=1), cookies go over HTTPS only, as
# Django's deployment checklist asks.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = os.environ.get("MYSITE_HTTPS") == "1"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "chat",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # static files, served by the app itself (docs/deploy.rst)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # wsgi-ng: request.websocket, request.push() ... in every view
    "wsgi_ng.adapters.django.WsgiNgMiddleware",
]

ROOT_URLCONF = "mysite.urls"

TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.debug",
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]

WSGI_APPLICATION = "mysite.wsgi.application"

DATABASES = {"default": {
    "ENGINE": "django.db.backends.sqlite3",
    "NAME": os.environ.get("MYSITE_DATABASE",
                           os.path.join(BASE_DIR, "db.sqlite3")),
}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# WhiteNoise serves the apps' static folders as they are, so the example
# runs from a checkout; a deployment sets STATIC_ROOT and runs collectstatic
# (docs/deploy.rst).
WHITENOISE_USE_FINDERS = True

LOGIN_REDIRECT_URL = "/"

# The probe views (mysite/views.py) receive uploads larger than 2.5 MB.
DATA_UPLOAD_MAX_MEMORY_SIZE = None
