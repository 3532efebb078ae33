"""A thread pool that runs as few threads as keep its queue moving.

The server runs HTTP/1.1 connections and HTTP/2 streams' app calls on one
such pool.  Under the GIL only one thread runs Python at a time; every
extra runnable thread adds switches and lock hand-offs, not speed.  HTTP/2
showed it plainly: one hello-world stream per thread, 64 threads, 2,300
req/s; the same streams through 2 threads, 3,400.  But an app may block
(a database, a slow upload, ``time.sleep``), and then a thread more is
exactly what is needed.

So the pool keeps a *target* number of working threads, starting at one.
A task is queued for the working threads; a thread that finishes a task
takes the next unless more threads work than the target says.  A thread
that waits for the network (the server says so with ``with pool.waiting:``)
does not count as working, so another takes the queue meanwhile.

Blocking inside an app is invisible, so a *watcher* doubles the target,
and wakes threads for the waiting tasks, when queued work has made no
progress for ``stall`` seconds while the process was mostly idle: every
working thread is blocked.  A busy process means the threads are merely
slow, and more of them would only fight over the GIL (growing on every
stall took the pool to its cap under load and halved throughput).  After
``patience`` seconds without progress it grows anyway, so one app hogging
the CPU cannot hold up all others for long; and each ``patience`` seconds
of progress without a stall halve the target again.
Idle threads retire after ``idle_timeout``.

Two duties keep a saturated pool answering.  A task submitted as
*urgent* (the server's event loop) that cannot get a thread because every
thread is busy at the cap -- hung apps -- runs on one *reserve* thread
beyond the cap, which goes on with the urgent tasks queued after it while
the pool stays saturated, so the server keeps accepting, reading and
refusing at its own pace.  And
``expire(age)`` takes out the tasks that waited longer than *age*, which
the server answers with a 503 instead of letting them wait without end.
"""
import atexit
import collections
import logging
import threading
import weakref

from wsgi_ng._compat import Condition, monotonic, process_time

log = logging.getLogger("wsgi_ng.server")

#: Seconds queued work may wait without any task starting before the
#: watcher adds threads, when the process is idle (blocked apps) ...
STALL = 0.002
#: ... and when it is busy (an app hogging the CPU); also how long the
#: target stays up after growing.
PATIENCE = 0.01


class ThreadPool(object):
    """``submit(fn, *args)`` runs *fn* on a pooled thread; tasks start in
    the order given, on at most ``max_threads`` threads (past that they
    queue).

    A task that turns out to hold its thread for long (a WebSocket session,
    an HTTP/2 connection's reader) calls ``detach()``: its thread stops
    counting toward ``max_threads`` and ends with the task, so the pool
    keeps ``max_threads`` threads for short work.  ``attach()`` takes it
    back when the task turns out short after all (a WebSocket app that
    handed its session to a handler and returned).
    """

    def __init__(self, max_threads, name, idle_timeout=30.0, stall=STALL,
                 patience=PATIENCE):
        self.max_threads = max_threads
        self.name = name
        self.idle_timeout = idle_timeout
        self.stall = stall
        self.patience = patience
        # (held as "with self._lock", not through a Condition: the lock's
        # own context manager is C, a Condition's two Python calls a turn)
        self._lock = lock = threading.Lock()
        self._work = Condition(lock)  # idle threads wait here
        self._watch = Condition(lock)  # the watcher waits here
        self._tasks = collections.deque()
        self._threads = 0  # the pool's threads (detached ones aside)
        self._target = 1  # how many of them should work at once
        self._idle = 0  # of which waiting for work
        self._waiting = 0  # of which waiting for the network
        self._wakeups = 0  # idle threads told to take work, not yet up
        self._started = 0  # tasks taken so far: the watcher's progress sign
        self._spawned = 0
        self._reserve = False  # the reserve thread runs (see the doc)
        self._watching = False  # the watcher is timing a queue
        self._closed = False
        self._local = threading.local()
        self._all_threads = weakref.WeakSet()  # for the join at exit
        self.waiting = _Waiting(self)
        self._watcher = threading.Thread(target=self._watch_queue,
                                         name="%s-watcher" % name)
        self._watcher.daemon = True
        self._all_threads.add(self._watcher)
        self._watcher.start()
        _POOLS.add(self)

    def submit(self, fn, *args):
        """Queue *fn*; False (and nothing runs) once the pool shut down."""
        return self._queue(fn, args, False)

    def submit_urgent(self, fn, after=()):
        """Queue *fn* like ``submit``; when every thread is busy at the cap
        it runs on the reserve thread instead of waiting (the doc).  The
        tasks *after* names (callables, no arguments) are queued ahead of
        it, all under one turn of the lock: the event loop queues what one
        poll found this way, with its own next turn."""
        return self._queue(fn, (), True, after)

    def _queue(self, fn, args, urgent, ahead=()):
        with self._lock:
            if self._closed:
                return False
            now = monotonic()
            for task in ahead:
                self._tasks.append((task, (), False, now))
            self._tasks.append((fn, args, urgent, now))
            # (_working() < _target, inline: most tasks find enough working)
            if self._threads - self._idle - self._waiting < self._target:
                self._top_up()
            if not self._watching:  # the watcher times the queue
                self._watching = True
                self._watch.notify()
        return True

    def _working(self):
        """Threads running a task and not waiting for the network (the lock
        is held)."""
        return self._threads - self._idle - self._waiting

    def _top_up(self):
        """Wake threads while fewer work than the target says, one for each
        queued task at most (the lock is held)."""
        wanted = min(self._target - self._working(), len(self._tasks))
        for _ in range(wanted - self._wakeups):
            if not self._wake():
                break

    def _wake(self):
        """Put one more thread on the queue (the lock is held); False at
        the cap."""
        if self._idle > self._wakeups:
            self._wakeups += 1
            self._work.notify()
            return True
        if self._threads >= self.max_threads:
            return False
        self._threads += 1
        self._spawned += 1
        thread = threading.Thread(target=self._run,
                                  name="%s-%d" % (self.name, self._spawned))
        thread.daemon = True  # a stuck app must not keep the process alive
        self._all_threads.add(thread)
        thread.start()
        return True

    def _watch_queue(self):
        stalled_since = None
        changed = monotonic()  # when the target last changed
        with self._watch:
            while not self._closed:
                if not self._tasks:
                    self._watching = False
                    self._watch.wait()
                    continue
                started, cpu, now = self._started, process_time(), monotonic()
                self._watch.wait(self.stall)
                if self._started != started:  # progress
                    stalled_since = None
                    if now - changed >= self.patience and self._target > 1:
                        self._target //= 2
                        changed = now
                    continue
                if stalled_since is None:
                    stalled_since = now
                idle = process_time() - cpu < (monotonic() - now) / 2
                if idle or monotonic() - stalled_since >= self.patience:
                    stalled_since, changed = None, now
                    self._grow()

    def _grow(self):
        """Double the target and wake threads for the waiting tasks (the
        lock is held); at the cap, an urgent task goes to the reserve."""
        working = self._working()
        self._target = min(self.max_threads,
                           max(2 * self._target, working + 1))
        wanted = min(len(self._tasks), self._target - working)
        for _ in range(wanted - self._wakeups):
            if not self._wake():
                break
        if self._threads >= self.max_threads and not self._idle and \
                not self._reserve:
            self._start_reserve()

    def _start_reserve(self):
        """Run the first urgent task queued on the reserve thread (the lock
        is held)."""
        task = self._take_urgent()
        if task is None:
            return
        self._reserve = True
        thread = threading.Thread(target=self._run_reserve, args=(task,),
                                  name="%s-reserve" % self.name)
        thread.daemon = True
        self._all_threads.add(thread)
        thread.start()

    def _take_urgent(self):
        """Take the first urgent task out of the queue, or None (the lock
        is held)."""
        for task in self._tasks:
            if task[2]:
                self._tasks.remove(task)
                return task
        return None

    def _run_reserve(self, task):
        """Run urgent tasks while every thread stays busy at the cap: the
        event loop queues its next turn as each ends, and a reserve that
        ended with the turn left the next to wait for the watcher's stall
        (2-10 ms a turn, while all apps hang)."""
        while task is not None:
            try:
                task[0](*task[1])
            except Exception:
                log.exception("unhandled error in %s reserve thread",
                              self.name)
            task = None  # (its objects go before the next, as in _run)
            with self._work:
                if self._threads >= self.max_threads and not self._idle \
                        and not self._closed:
                    task = self._take_urgent()
                if task is None:
                    self._reserve = False

    def saturated(self):
        """Whether every thread is busy at the cap, so queued tasks wait
        for running ones to end (read without the lock: a hint)."""
        return self._threads >= self.max_threads and not self._idle

    def oldest_wait(self):
        """Seconds the oldest queued task has waited, or None."""
        tasks = self._tasks
        if not tasks:  # (not an IndexError caught: the usual answer)
            return None
        try:
            return monotonic() - tasks[0][3]
        except IndexError:  # taken meanwhile
            return None

    def expire(self, age, expirable):
        """Take out the tasks queued longer than *age* seconds for which
        ``expirable(fn)`` is true; returns them as ``(fn, args)``."""
        waited = self.oldest_wait()  # (unlocked: the common case is
        if waited is None or waited <= age:  # that nothing waited so long)
            return []
        taken, now = [], monotonic()
        with self._work:
            if not self._tasks or now - self._tasks[0][3] <= age:
                return taken
            kept = collections.deque()
            while self._tasks and now - self._tasks[0][3] > age:
                task = self._tasks.popleft()
                if expirable(task[0]):
                    taken.append(task[:2])
                else:
                    kept.append(task)
            kept.extend(self._tasks)
            self._tasks = kept
        return taken

    def detach(self):
        """Called from a task: its thread leaves the pool (see above)."""
        local = self._local
        if not getattr(local, "member", False):
            return
        local.member, local.detached = False, True
        with self._work:
            self._threads -= 1
            self._work.notify_all()  # shutdown() may wait for this
            if self._tasks and not self._closed:
                self._wake()  # the queue loses a worker: hand it on

    def attach(self):
        """Called from a task that ``detach()``ed: its thread counts again
        and takes more tasks when this one ends -- unless the pool has all
        its threads again (one replaced it), then it ends as it would
        have."""
        local = self._local
        if not getattr(local, "detached", False):
            return
        with self._work:
            if self._threads >= self.max_threads:
                return
            self._threads += 1
        local.member, local.detached = True, False

    def _count_waiting(self, change):
        """A pool thread starts (+1) or ends (-1) a network wait."""
        if not getattr(self._local, "member", False):
            return
        with self._lock:
            self._waiting += change
            if change > 0 and self._tasks:
                self._top_up()  # the queue must not wait for the network

    def _next_task(self):
        """The next task, or None when this thread should retire (the lock
        is held)."""
        # (_working(), inline: this runs once a task)
        if self._tasks and \
                self._threads - self._idle - self._waiting <= self._target:
            self._started += 1
            return self._tasks.popleft()
        self._idle += 1
        deadline = monotonic() + self.idle_timeout
        try:
            while True:
                if self._wakeups or self._closed:
                    if self._wakeups:
                        self._wakeups -= 1
                    if self._tasks:
                        self._started += 1
                        return self._tasks.popleft()
                remaining = deadline - monotonic()
                if self._closed or remaining <= 0:
                    self._threads -= 1
                    self._work.notify_all()
                    return None
                self._work.wait(remaining)
        finally:
            self._idle -= 1

    def _run(self):
        local = self._local
        local.member = True
        while True:
            with self._lock:
                task = self._next_task()
            if task is None:
                return
            fn, args, _, _ = task
            try:
                fn(*args)
            except Exception:  # the task's own handler failed: keep the pool
                log.exception("unhandled error in %s thread", self.name)
            # drop the finished task's objects before waiting: on Python 2 a
            # socket is only closed when its last reference goes
            task = fn = args = None
            if not local.member:
                return  # detached: the thread ends with its task

    def shutdown(self, timeout):
        """Stop taking tasks; wait up to *timeout* s for running ones."""
        with self._work:
            self._closed = True
            self._work.notify_all()
            self._watch.notify()
            return self._work.wait_for(lambda: not self._threads, timeout)


#: Every pool alive, so the process can stop their watchers at exit.
_POOLS = weakref.WeakSet()


@atexit.register
def _stop_threads(seconds=1.0):
    """At exit, end the threads of every pool that was never shut down and
    wait for them, *seconds* in all (a stuck app's thread is left).  Python
    2 tears its modules down while daemon threads still run: a watcher, or
    an idle thread told to end here, still waking then died with "'NoneType'
    object is not callable" (a CI run of the 20-pool test)."""
    pools = list(_POOLS)
    for pool in pools:
        with pool._work:
            pool._closed = True
            pool._watch.notify()
            pool._work.notify_all()  # idle threads end too
    deadline = monotonic() + seconds
    for pool in pools:
        for thread in list(pool._all_threads):
            if thread is not threading.current_thread():
                thread.join(max(0, deadline - monotonic()))


class _Waiting(object):
    """``with pool.waiting:`` around a network wait on a pool thread (see
    the module's doc); a no-op on other threads."""

    def __init__(self, pool):
        self._pool = pool

    def __enter__(self):
        self._pool._count_waiting(1)

    def __exit__(self, *exc_info):
        self._pool._count_waiting(-1)
