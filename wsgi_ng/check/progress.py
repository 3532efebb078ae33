"""What ``wsgi-ng check`` is doing, on stderr while it runs: one line
rewritten in place on a terminal, a line a host otherwise (a CI log)."""


class Progress(object):
    def __init__(self, stream, total):
        self.stream, self.total, self.done = stream, total, 0
        self.live = hasattr(stream, "isatty") and stream.isatty()
        self._width = 0

    def step(self, host, text):
        """*host* is at *text* (``starting``, ``GET /login``...)."""
        line = "wsgi-ng check [%d/%d] %s: %s" % (
            self.done + 1, self.total, host, text)
        if self.live:
            self.stream.write("\r" + line.ljust(self._width)[:119])
            self._width = min(len(line), 119)
            self.stream.flush()

    def finished(self, host, text):
        """*host* is done: its line stays (the only one, in a log)."""
        if self.live:
            self.step(host, text)
            self.stream.write("\n")
        else:
            self.stream.write("wsgi-ng check [%d/%d] %s: %s\n" % (
                self.done + 1, self.total, host, text))
        self.stream.flush()
        self.done += 1

    def note(self, text):
        """A line of its own (a host skipped, and why)."""
        if self.live and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
        self.stream.write("wsgi-ng check: %s\n" % text)
        self.stream.flush()
