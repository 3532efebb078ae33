"""The app iterable's ``close()`` duty (PEP 3333), written once.

A host, and any middleware that wraps an app's iterable, must call the
iterable's ``close()`` when the response is done -- also after errors --
and exactly once.
"""


def close_iterable(result):
    """Call ``result.close()`` if the app's iterable has one."""
    close = getattr(result, "close", None)
    if close is not None:
        close()


class WrappedBody(object):
    """Base for an iterable that wraps an app's: ``close()`` is passed on
    exactly once, however often the host calls it."""

    def __init__(self, result):
        self._result = result
        self._closed = False

    def close(self):
        if not self._closed:
            self._closed = True
            close_iterable(self._result)
