"""Headless Chromium driven over the DevTools protocol, on the pipe
Chromium offers for it (``--remote-debugging-pipe``: JSON messages, each
ended by a NUL byte, read from its fd 3 and written to its fd 4) -- no
port to find, and nothing to install but the browser.

A person's actions are input events (a mouse click on a field, typed
text, a click on a button); what came back is the protocol's own record
(``Network.responseReceived`` says which protocol carried each response).
"""
import base64
import fcntl
import json
import os
import subprocess
import sys
import tempfile
import threading

from six.moves import queue

from process import inheriting, wait_bounded
from realapps.gate import find_program, require_program

WAIT = 30.0  # bound on every wait for the browser
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync",
         "--remote-debugging-pipe",
         # text large and sharp enough for OCR to read the screenshot
         "--window-size=1280,800", "--force-device-scale-factor=2"]
NAMES = ("chromium", "chromium-browser", "google-chrome")


def program():
    """The installed Chromium; skip (fail under WSGI_NG_REQUIRE_SERVERS=1)
    without one."""
    for name in NAMES:
        if find_program(name):
            return find_program(name)
    return require_program(NAMES[0])


def _high(fd):
    """*fd* moved above 4, so that giving the child its fds 3 and 4 never
    overwrites the other one."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return moved


class Chromium(object):
    """``with Chromium(profile_dir, ignore_certificate_errors=True) as
    browser: tab = browser.new_tab()``; *profile_dir* is a new folder."""

    def __init__(self, profile, ignore_certificate_errors=False):
        self.argv = [program()] + FLAGS + ["--user-data-dir=" + profile]
        if ignore_certificate_errors:  # the self-signed test certificate
            self.argv.append("--ignore-certificate-errors")
        self._next_id = 0
        self._messages = queue.Queue()  # what the reader thread got
        self.events = []  # every event so far, in order

    def __enter__(self):
        to_browser, commands = os.pipe()
        replies, from_browser = os.pipe()
        to_browser, from_browser = _high(to_browser), _high(from_browser)
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            ["bash", "-c", 'exec 3<&%d 4>&%d %d<&- %d>&-; exec "$@"' % (
                to_browser, from_browser, to_browser, from_browser), "bash"]
            + self.argv, stdout=self.log, stderr=subprocess.STDOUT,
            **inheriting(to_browser, from_browser))
        os.close(to_browser)
        os.close(from_browser)
        self._commands = os.fdopen(commands, "wb")
        reader = threading.Thread(target=self._read, args=(replies,))
        reader.daemon = True
        reader.start()
        return self

    def _read(self, fd):
        """Queue each message Chromium writes; None at its end."""
        pending = b""
        while True:
            data = os.read(fd, 65536)
            if not data:
                break
            messages = (pending + data).split(b"\0")
            pending = messages.pop()
            for message in messages:
                self._messages.put(json.loads(message.decode("utf-8")))
        os.close(fd)
        self._messages.put(None)

    def _next_message(self):
        try:
            message = self._messages.get(timeout=WAIT)
        except queue.Empty:
            raise AssertionError("Chromium said nothing for %d s" % WAIT)
        assert message is not None, "Chromium exited:\n" + self.output()
        return message

    def command(self, method, session=None, **params):
        """Send a DevTools command (to the tab *session*, else to the
        browser) and return its result; events meanwhile are kept."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self._commands.write(json.dumps(message).encode("utf-8") + b"\0")
        self._commands.flush()
        while True:
            reply = self._next_message()
            if reply.get("id") == self._next_id:
                assert "error" not in reply, (method, reply["error"])
                return reply["result"]
            self.events.append(reply)

    def wait_for(self, method, seen=0, where=lambda params: True):
        """The position in ``events`` of the first event *method* whose
        params satisfy *where*, after the first *seen* events."""
        while True:
            for index in range(seen, len(self.events)):
                event = self.events[index]
                if event["method"] == method and where(event["params"]):
                    return index
            seen = len(self.events)
            self.events.append(self._next_message())

    def new_tab(self):
        target = self.command("Target.createTarget", url="about:blank")
        session = self.command("Target.attachToTarget", flatten=True,
                               targetId=target["targetId"])["sessionId"]
        return Tab(self, session)

    def output(self):
        """What Chromium printed."""
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def __exit__(self, *exc):
        if self.process.poll() is None:
            try:
                self.command("Browser.close")
            except (AssertionError, IOError, OSError):
                pass  # it is going anyway: killed below if need be
            wait_bounded(self.process, WAIT)
        self._commands.close()
        if exc[0] is not None:  # shown by pytest with the failure
            sys.stderr.write("--- Chromium output ---\n" + self.output())
        self.log.close()
        return False


class Tab(object):
    """One page of the browser, with its network record switched on."""

    def __init__(self, browser, session):
        self.browser, self.session = browser, session
        self.command("Page.enable")
        self.command("Network.enable")

    def command(self, method, **params):
        return self.browser.command(method, session=self.session, **params)

    def loading(self, action, *args):
        """Do *action* (a method of this tab) and wait until the page it
        leads to (after redirects) has loaded.  The tab's first document,
        about:blank, may report its own load late: it is not the one."""
        seen = len(self.browser.events)
        action(*args)
        navigated = self.browser.wait_for(
            "Page.frameNavigated", seen, lambda params: "parentId" not in
            params["frame"] and params["frame"]["url"] != "about:blank")
        self.browser.wait_for("Page.loadEventFired", navigated)

    def navigate(self, url):
        self.command("Page.navigate", url=url)

    def evaluate(self, expression):
        result = self.command("Runtime.evaluate", expression=expression,
                              returnByValue=True)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def click(self, selector):
        """A left click in the middle of the element *selector*, as the
        mouse does it."""
        box = self.evaluate(
            "(function () { var box = document.querySelector(%s)"
            ".getBoundingClientRect(); return [box.x + box.width / 2, "
            "box.y + box.height / 2]; })()" % json.dumps(selector))
        for kind in ("mousePressed", "mouseReleased"):
            self.command("Input.dispatchMouseEvent", type=kind, x=box[0],
                         y=box[1], button="left", clickCount=1)

    def type_into(self, selector, text):
        """Click the field *selector* and type *text* in it."""
        self.click(selector)
        self.command("Input.insertText", text=text)

    def screenshot(self, path):
        """Save what the page shows as a PNG at *path*."""
        data = self.command("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as png:
            png.write(base64.b64decode(data))
        return path

    def responses(self):
        """``Network.responseReceived`` records of this tab: each has the
        ``url``, ``status``, ``protocol`` and ``type`` of a response."""
        return [dict(event["params"]["response"], type=event["params"]["type"])
                for event in self.browser.events
                if event["method"] == "Network.responseReceived" and
                event.get("sessionId") == self.session]
