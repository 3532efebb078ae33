"""wsgi_ng.hosting's servers, as the matrix, wsgi-ng check and the pytest
plugin start them: stopping one ends everything it started."""
import os
import sys
import textwrap
import time

from wsgi_ng.hosting import LiveServer
from wsgi_ng.hosting.servers import WSGI, Server

WAIT = 30.0

#: A "server" that starts a worker, as granian does, and on SIGTERM ends
#: without it -- the worker sleeps on, as granian 2.5's did.
LEAVES_A_WORKER = textwrap.dedent('''
    import os, signal, subprocess, sys, time
    worker = subprocess.Popen([sys.executable, "-c",
                               "import time; time.sleep(120)"])
    with open(sys.argv[1], "w") as f:
        f.write(str(worker.pid))
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    time.sleep(120)
''')


def alive(pid):
    """True while *pid* runs (a zombie, ended but not yet reaped, is not)."""
    try:
        with open("/proc/%d/stat" % pid) as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except IOError:
        return False


def written(path):
    """What *path* holds, or "" while it is not there."""
    if not os.path.exists(path):
        return ""
    with open(path) as handle:
        return handle.read()


def test_stopping_a_server_ends_the_workers_it_left_behind(tmpdir):
    pid_file = str(tmpdir.join("worker.pid"))
    server = Server("leaves-a-worker", WSGI, "a server that leaves its "
                    "worker running", lambda launch: [
                        sys.executable, "-c", LEAVES_A_WORKER, pid_file])
    live = LiveServer(server, "unused:app", cwd=str(tmpdir)).start()
    deadline = time.time() + WAIT
    while not written(pid_file):  # the child's own file: polled, bounded
        assert time.time() < deadline, "the server never started its worker"
        time.sleep(0.05)
    worker = int(written(pid_file))
    assert alive(worker)
    live.stop()
    deadline = time.time() + WAIT
    while alive(worker) and time.time() < deadline:
        time.sleep(0.05)
    assert not alive(worker), "the worker outlived its stopped server"
