"""``wsgi-ng serve --reload``: a fresh server whenever the app's code changes.

Two processes, as with werkzeug's reloader.  The *supervisor* binds the
listening sockets and never imports the app; it runs the server in a child
process on those sockets (so the port stays open across restarts: a
request made mid-reload waits in the backlog instead of being refused) and
starts a new child whenever the last one exits with ``RELOAD``.  The child
watches the files of every module it has imported -- mtimes, polled once a
second: no dependency, and it works on 2.7, in containers and on network
file systems where inotify does not -- and on a change shuts down
gracefully and exits with ``RELOAD``.
"""
import logging
import os
import signal
import subprocess
import sys
import threading

from wsgi_ng._compat import make_inheritable

log = logging.getLogger("wsgi_ng.server")

#: The child's exit status asking for a restart.
RELOAD = 3
#: Names the inherited listening descriptors in the child's environment.
_FDS_VARIABLE = "WSGI_NG_RELOAD_FDS"


def inherited_fds():
    """The listening descriptors a supervisor handed this process, or None
    when it runs on its own."""
    fds = os.environ.get(_FDS_VARIABLE)
    return None if fds is None else [int(fd) for fd in fds.split(",")]


def supervise(argv, listeners):
    """Run ``wsgi-ng ARGV`` on *listeners* again each time it asks to be
    reloaded; returns its final exit status.  SIGTERM and SIGINT are passed
    on to the running child, which then stops for good."""
    for listener in listeners:
        make_inheritable(listener)
    environ = dict(os.environ)
    environ[_FDS_VARIABLE] = ",".join(str(listener.fileno())
                                      for listener in listeners)
    command = [sys.executable, "-m", "wsgi_ng"] + list(argv)
    state = {"child": None, "stopping": False}

    def stop(signum, _frame):
        state["stopping"] = True
        if state["child"] is not None and state["child"].poll() is None:
            state["child"].send_signal(signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    while True:
        state["child"] = subprocess.Popen(command, env=environ, close_fds=False)
        status = _wait(state["child"])
        if state["stopping"]:
            return 0
        if status != RELOAD:
            return status


def _wait(child):
    """``child.wait()``, retried when a signal interrupts it (Python 2)."""
    while True:
        try:
            return child.wait()
        except OSError:  # pragma: no cover - EINTR on Python 2
            continue


class Watcher(object):
    """Poll the files of the imported modules (and the *extra* paths) every
    *interval* seconds; on the first change call *changed(path)* once and
    stop watching."""

    def __init__(self, changed, interval=1.0, extra=()):
        self._changed = changed
        self._extra = [path for path in extra if path]
        self._interval = interval
        self._seen = {}  # path -> mtime
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run,
                                        name="wsgi-ng-reloader")
        self._thread.daemon = True

    def start(self):
        """Take the files' mtimes now (before the server answers anything,
        so no edit slips in unseen), then watch on a thread."""
        self._changed_file()
        self._thread.start()

    def stop(self):
        """End the thread and wait for it, before the process exits: Python
        2.7 tears modules down under a daemon thread still running, and a
        crash of the child then stops the supervisor, and the port with it
        (``_compat``'s waiters were such a crash)."""
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self):
        while not self._stopped.wait(self._interval):
            path = self._changed_file()
            if path is not None:
                log.info("%s changed; reloading", path)
                self._changed(path)
                return

    def _changed_file(self):
        """The first watched file whose mtime moved, or None; files seen
        for the first time (modules imported since) are recorded."""
        for path in self._extra + list(_module_files()):
            try:
                mtime = os.stat(path).st_mtime
            except OSError:
                continue  # deleted, or not a real file (zip import)
            if self._seen.setdefault(path, mtime) != mtime:
                return path
        return None


def _module_files():
    """Source files of the modules imported so far (``.pyc`` mapped back to
    its ``.py``)."""
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if path:
            yield path[:-1] if path.endswith((".pyc", ".pyo")) else path
