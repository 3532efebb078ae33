"""A minimal Django project: no database, a few views that show what a
legacy app receives.  Runs on Django 1.11 (Python 2.7) up to 5.x."""
SECRET_KEY = "example-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "mysite.urls"
INSTALLED_APPS = []
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
DATABASES = {}
USE_TZ = True
DATA_UPLOAD_MAX_MEMORY_SIZE = None  # the uploads below are larger than 2.5 MB
