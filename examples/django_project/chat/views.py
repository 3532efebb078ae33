"""The chat: a page with a form (it works without JavaScript) and a
WebSocket for live messages, both for logged-in users only."""
import json

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.templatetags.static import static

from chat import room as chat_room
from chat.forms import MessageForm
from chat.models import Message
from wsgi_ng.adapters.django import websocket_view


@login_required
def room(request):
    """The last messages and a form to post one."""
    if request.method == "POST":
        form = MessageForm(request.POST)
        if form.is_valid():
            post(request.user, form)
            return redirect("room")
    else:
        form = MessageForm()
    # the page needs these at once: a 103 (or push) before the HTML
    request.push(static("chat/chat.css"), static("chat/chat.js"))
    latest = Message.objects.select_related("author").order_by("-created")
    return render(request, "chat/room.html", {
        "form": form, "messages": reversed(latest[:20])})


@login_required
@websocket_view
def socket(request):
    """Live messages: says hello to the user, then every text message from
    them is posted (as by the form) and sent to everyone in the room."""
    ws = request.websocket
    ws.accept()
    ws.send_text(json.dumps({"hello": request.user.get_username()}))
    with chat_room.joined(ws):
        for text in ws:
            form = MessageForm({"text": text})
            if isinstance(text, bytes) or not form.is_valid():
                ws.send_text(json.dumps({"error": "not a valid message"}))
                continue
            post(request.user, form)


def post(user, form):
    message = form.save(commit=False)
    message.author = user
    message.save()
    chat_room.broadcast(message)
    return message
