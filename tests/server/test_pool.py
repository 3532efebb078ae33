"""The request pool: as few threads as keep the queue moving, more when
apps block, never more than the cap."""
import sys
import threading
import time

import pytest

from process import run_bounded
from serving import WAIT
from wsgi_ng._compat import Condition
from wsgi_ng.server.pool import ThreadPool


@pytest.fixture
def pool():
    pool = ThreadPool(4, "test-pool")
    yield pool
    assert pool.shutdown(WAIT)


def run_and_wait(pool, fn):
    done = threading.Event()

    def task():
        fn()
        done.set()
    assert pool.submit(task)
    assert done.wait(WAIT)


def test_work_that_never_blocks_runs_on_one_thread():
    """The idle thread takes each task; the watcher's times are far off, so
    a busy machine that is slow to schedule it (3 tox environments on 2
    cores: 3 threads in a py312 run) does not count as the task blocking."""
    pool = ThreadPool(4, "test-pool", stall=10 * WAIT, patience=10 * WAIT)
    names = set()
    try:
        for _ in range(50):
            run_and_wait(pool, lambda: names.add(
                threading.current_thread().name))
    finally:
        assert pool.shutdown(WAIT)
    assert len(names) == 1


def test_blocked_tasks_get_threads_up_to_the_cap(pool):
    release = threading.Event()
    started = []
    changed = Condition(threading.Lock())

    def blocked(number):
        with changed:
            started.append(number)
            changed.notify_all()
        release.wait(WAIT)

    def started_are(expected):
        with changed:
            return changed.wait_for(lambda: sorted(started) == expected, WAIT)

    for number in range(6):
        pool.submit(blocked, number)
    # the watcher adds threads while none can go on; the cap stops 4 and 5
    assert started_are([0, 1, 2, 3])
    release.set()
    assert started_are(list(range(6)))


def test_a_detached_task_hands_the_queue_on(pool):
    release = threading.Event()

    def session():
        pool.detach()  # e.g. a WebSocket: holds its thread for long
        release.wait(WAIT)

    for _ in range(4):
        pool.submit(session)
    try:
        run_and_wait(pool, lambda: None)  # still served at once
    finally:
        release.set()


def test_a_closed_pool_takes_nothing(pool):
    assert pool.shutdown(WAIT)
    assert pool.submit(lambda: None) is False


def test_a_thread_waiting_for_the_network_hands_the_queue_on():
    """No watcher help here (its times are far off): ``pool.waiting`` alone
    must let the queued task run."""
    pool = ThreadPool(4, "test-pool", stall=10 * WAIT, patience=10 * WAIT)
    second_ran = threading.Event()

    def first():
        with pool.waiting:
            second_ran.wait(WAIT)
    try:
        pool.submit(first)
        pool.submit(second_ran.set)
        assert second_ran.wait(WAIT)
    finally:
        second_ran.set()
        assert pool.shutdown(WAIT)


def test_an_app_hogging_the_cpu_does_not_hold_up_the_others(pool):
    """The process is busy, so the watcher waits its patience, then grows."""
    second_ran = threading.Event()

    def hog():
        deadline = time.time() + WAIT
        while not second_ran.is_set() and time.time() < deadline:
            pass
    pool.submit(hog)
    pool.submit(second_ran.set)
    assert second_ran.wait(WAIT)


def test_a_pool_never_shut_down_lets_the_process_exit_quietly():
    """Python 2.7 tears modules down while daemon threads run: a watcher or
    an idle thread waking then raised "'NoneType' object is not callable"
    to stderr, and a pool thread ending crashed or hung the interpreter
    (``_compat``'s waiter pipes were closed by a ``__del__``) -- each 1 exit
    in 6 to 20, hence 20 of them."""
    program = (
        "from wsgi_ng.server.pool import ThreadPool\n"
        "pools = [ThreadPool(4, 'p%d' % n) for n in range(2)]\n"
        "for pool in pools:\n"
        "    pool.submit(lambda: None)\n")
    for _ in range(20):
        code, output = run_bounded([sys.executable, "-c", program], 20)
        assert code == 0 and output == "", (code, output)


def test_the_reserve_thread_carries_the_loop_while_every_thread_hangs():
    """Every thread hung at the cap: an urgent task that queues the next
    (the server's event loop) runs turn after turn on one reserve thread,
    instead of a new reserve, started by the watcher, for each turn."""
    pool = ThreadPool(1, "test-pool")
    release, done = threading.Event(), threading.Event()
    hung = threading.Event()
    turns = []

    def hang():
        hung.set()
        release.wait(WAIT)

    def turn():
        turns.append(threading.current_thread())
        if len(turns) < 10:
            pool.submit_urgent(turn)
        else:
            done.set()
    try:
        assert pool.submit(hang) and hung.wait(WAIT)
        assert pool.submit_urgent(turn)
        assert done.wait(WAIT)
        assert len(set(turns)) == 1 and turns[0].name == "test-pool-reserve"
    finally:
        release.set()
        assert pool.shutdown(WAIT)
