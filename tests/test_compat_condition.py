"""``_compat.Condition``: on Python 2.7 a timed wait of our own (2.7's
polls); on 3.x ``threading.Condition``.  The same contract on both."""
import sys
import threading

from wsgi_ng._compat import Condition
from process import run_bounded

WAIT = 10.0


def wake_waiters(count, depth=1, notify_all=False):
    """Start *count* threads waiting on a condition over an RLock (held
    *depth* times), wake them with notify() each or notify_all(); what each
    saw: whether wait() returned True and it held the lock again."""
    lock = threading.RLock()
    cond = Condition(lock)
    seen = []

    def waiter(depth):
        with cond:
            if depth > 1:
                return waiter(depth - 1)
            woke = cond.wait(WAIT)
            seen.append((woke, lock._is_owned()))
    threads = [threading.Thread(target=waiter, args=(depth,))
               for _ in range(count)]
    for thread in threads:
        thread.start()
    with cond:
        while _waiting(cond) < count:
            cond.wait(0.01)
        if notify_all:
            cond.notify_all()
        else:
            for _ in range(count):
                cond.notify()
    for thread in threads:
        thread.join(WAIT)
    return seen


def _waiting(cond):
    """How many threads are inside ``wait`` (3.x and our 2.7 class keep
    their waiters under different names)."""
    return len(getattr(cond, "_pending", None) or getattr(cond, "_waiters", ()))


def test_a_notified_waiter_wakes_holding_the_lock_again():
    assert wake_waiters(1) == [(True, True)]


def test_notify_all_wakes_every_waiter_and_a_twice_held_rlock_is_released():
    assert wake_waiters(3, depth=2, notify_all=True) == [(True, True)] * 3


def test_a_wait_times_out_without_a_notify():
    cond = Condition(threading.Lock())
    with cond:
        assert cond.wait(0.05) is False
        cond.notify()  # nobody waits: nothing to do, nothing left over
        assert cond.wait(0.05) is False


def test_wait_for_returns_the_predicate_once_true_or_at_the_timeout():
    cond = Condition(threading.Lock())
    flag = []

    def setter():
        with cond:
            flag.append(1)
            cond.notify()
    thread = threading.Thread(target=setter)
    with cond:
        thread.start()  # blocked until wait_for lets the lock go
        assert cond.wait_for(lambda: flag, WAIT) == [1]
        assert cond.wait_for(lambda: False, 0.05) is False
    thread.join(WAIT)


#: Threads that waited on a condition, ending as their process exits.
ENDING_AT_EXIT = """
import threading
from wsgi_ng._compat import Condition
condition, go = Condition(threading.Lock()), Condition(threading.Lock())
def wait_then_end():
    with condition:
        condition.wait(0.001)
    with go:
        go.wait(5)
for _ in range(16):
    thread = threading.Thread(target=wait_then_end)
    thread.daemon = True
    thread.start()
with go:
    go.notify_all()
"""


def test_threads_ending_as_the_process_exits_do_not_crash_it():
    """2.7 closed each thread's waiter pipe in a ``__del__`` run as the
    thread ended, releasing the GIL mid-way: 3 exits in 4 of this program
    crashed, and 1 reload in 40 of ``wsgi-ng serve --reload``."""
    for _ in range(10):
        code, output = run_bounded([sys.executable, "-c", ENDING_AT_EXIT],
                                   20)
        assert code == 0, (code, output)
