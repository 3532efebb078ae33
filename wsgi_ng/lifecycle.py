"""How an app learns that its process starts and stops, and that its client
has gone (the spec's "Lifecycle" section), for every host.

* ``ng_lifespan``: an app MAY carry this attribute, a callable returning a
  context manager; a host enters it in each serving process before the
  first request and leaves it when that process stops serving.
  ``Lifespan`` is the host's side of it, written once: the reference
  server, the gunicorn worker class and ``to_asgi`` (through ASGI
  lifespan) all use it.
* ``ng.disconnected``: a ``Disconnected`` object per request, set by the
  host when it learns the client has gone.  A host that can watch the
  connection passes a *watch* hook, run on the first look, so apps that
  never look cost nothing.
"""
import logging
import threading

from wsgi_ng._compat import Condition
from wsgi_ng.errors import WsgiNgError

log = logging.getLogger("wsgi_ng")

#: The app attribute a host looks for (see the spec, "Lifecycle").
LIFESPAN_ATTRIBUTE = "ng_lifespan"


class LifespanError(WsgiNgError):
    """The app's startup failed: the host must not serve it."""


def lifespan_of(app):
    """The app's ``ng_lifespan`` callable, or None."""
    return getattr(app, LIFESPAN_ATTRIBUTE, None)


class Lifespan(object):
    """One process's run of an app's ``ng_lifespan``: ``start()`` before
    serving (raises ``LifespanError`` when the app's startup raised),
    ``stop()`` after; both do nothing for an app without one."""

    def __init__(self, app):
        self._factory = lifespan_of(app)
        self._entered = None

    def start(self):
        if self._factory is None:
            return
        manager = self._factory()
        try:
            manager.__enter__()
        except LifespanError:  # said and logged already
            raise
        except Exception as error:
            log.exception("the application's startup failed; not serving")
            raise LifespanError("the application's startup failed: %s: %s"
                                % (type(error).__name__, error))
        self._entered = manager

    def stop(self):
        manager, self._entered = self._entered, None
        if manager is None:
            return
        try:
            manager.__exit__(None, None, None)
        except Exception:
            log.exception("the application's shutdown failed")


#: Guards the making of a ``Disconnected``'s condition, and ``set()``
#: before there is one.
_LAZY = threading.Lock()


class Disconnected(object):
    """``ng.disconnected``: ``threading.Event``'s ``is_set()`` and
    ``wait(timeout=None)``, plus ``add_callback(fn)``, which calls *fn()*
    once when the client goes (at once if it has gone); *fn* runs on a
    host thread and must not block.  The host calls ``set()``.

    *watch*, if given, is called once, on the first ``is_set``, ``wait``
    or ``add_callback``: the host starts watching the connection then.
    """

    # Every request gets one and almost none is ever waited on or set: the
    # condition is made on first use (it cost a tenth of a hello-world
    # request's time when made here), and the class's defaults stand in
    # until a value of the instance's own is needed.
    _cond = None
    _set = False
    _callbacks = ()
    _watch = None

    def __init__(self, watch=None):
        if watch is not None:
            self._watch = watch

    def _condition(self):
        if self._cond is None:
            with _LAZY:
                if self._cond is None:
                    self._cond = Condition(threading.Lock())
        return self._cond

    def _look(self):
        watch, self._watch = self._watch, None
        if watch is not None:
            watch()

    def is_set(self):
        self._look()
        return self._set

    def wait(self, timeout=None):
        """Wait until the client has gone, at most *timeout* seconds;
        returns whether it has."""
        self._look()
        cond = self._condition()
        with cond:
            return cond.wait_for(lambda: self._set, timeout)

    def add_callback(self, fn):
        with self._condition():
            done = self._set
            if not done:
                self._callbacks += (fn,)
        if done:
            fn()
        self._look()

    def set(self):
        """Host side: the client has gone."""
        with _LAZY:
            if self._cond is None:  # nobody waits or listens: the flag will do
                self._set = True
                return
        with self._cond:
            if self._set:
                return
            self._set = True
            callbacks, self._callbacks = self._callbacks, ()
            self._cond.notify_all()
        for fn in callbacks:
            try:
                fn()
            except Exception:
                log.exception("an ng.disconnected callback failed")
