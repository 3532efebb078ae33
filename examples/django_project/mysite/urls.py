try:
    from django.urls import re_path
except ImportError:  # Django 1.11
    from django.conf.urls import url as re_path

from mysite import views

urlpatterns = [
    re_path(r"^upload$", views.upload),
    re_path(r"^form$", views.form),
    re_path(r"^cookies$", views.cookies),
    re_path(r"^stream$", views.stream),
    re_path(r"^ws$", views.websocket),
]
