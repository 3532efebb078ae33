"""``_compat.Condition``: on Python 2.7 a timed wait of our own (2.7's
polls); on 3.x ``threading.Condition``.  The same contract on both."""
import threading

from wsgi_ng._compat import Condition

WAIT = 10.0


def test_a_notified_waiter_wakes_and_holds_the_lock_again():
    lock = threading.Lock()
    cond = Condition(lock)
    woke = []

    def waiter():
        with cond:
            woke.append(cond.wait(WAIT))
            woke.append(lock.locked())
    thread = threading.Thread(target=waiter)
    with cond:
        thread.start()
        while _waiting(cond) < 1:
            cond.wait(0.01)
        cond.notify()
    thread.join(WAIT)
    assert woke == [True, True]


def _waiting(cond):
    """How many threads are inside ``wait`` (3.x and our 2.7 class keep
    their waiters under different names)."""
    return len(getattr(cond, "_pending", None) or getattr(cond, "_waiters", ()))


def test_a_wait_times_out_without_a_notify():
    cond = Condition(threading.Lock())
    with cond:
        assert cond.wait(0.05) is False
        cond.notify()  # nobody waits: nothing to do, nothing left over
        assert cond.wait(0.05) is False


def test_notify_all_wakes_every_waiter_and_releases_a_held_rlock():
    lock = threading.RLock()
    cond = Condition(lock)
    woke = []

    def waiter():
        with cond:
            with cond:  # held twice: wait must release it all the same
                woke.append(cond.wait(WAIT))
    threads = [threading.Thread(target=waiter) for _ in range(3)]
    for thread in threads:
        thread.start()
    with cond:
        while _waiting(cond) < 3:
            cond.wait(0.01)
        cond.notify_all()
    for thread in threads:
        thread.join(WAIT)
    assert woke == [True, True, True]
