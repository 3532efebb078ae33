from django.conf import settings
from django.db import models


class Message(models.Model):
    """One line of the chat, posted by the form or over the WebSocket."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL,
                               on_delete=models.CASCADE)
    text = models.CharField(max_length=500)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created"]

    def __str__(self):
        return "%s: %s" % (self.author, self.text)

    def as_json(self):
        return {"author": self.author.get_username(), "text": self.text,
                "created": self.created.isoformat()}
