try:
    from django.urls import include, re_path
except ImportError:  # Django 1.11
    from django.conf.urls import include, url as re_path
from django.contrib import admin

from chat import views as chat
from mysite import views as probes

urlpatterns = [
    re_path(r"^admin/", admin.site.urls),
    re_path(r"^accounts/", include("django.contrib.auth.urls")),
    re_path(r"^$", chat.room, name="room"),
    re_path(r"^chat/socket$", chat.socket, name="chat-socket"),
    # what Django saw of a request (the host tests' probes)
    re_path(r"^upload$", probes.upload),
    re_path(r"^form$", probes.form),
    re_path(r"^cookies$", probes.cookies),
    re_path(r"^stream$", probes.stream),
    re_path(r"^ws$", probes.websocket),
]
