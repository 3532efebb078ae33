"""Child processes with hard bounds, and listening sockets handed to them.

A server started here gets a socket this process bound on 127.0.0.1 as its
descriptor 3, with the systemd variables saying so (socket activation):
a client can connect before the server has even started, so there is no
port to guess and no start-up race.  Every wait is bounded, so a hang
fails instead of stalling (Python 2.7's ``subprocess`` has no timeout).
"""
import socket
import subprocess
import threading

from wsgi_ng._compat import keeping_fds as inheriting  # noqa: F401 (Popen
# options that let the child inherit the descriptors given)

#: The descriptor a socket-activated server finds its listener on.
LISTEN_FD = 3


def wait_bounded(process, seconds, communicate=False):
    """Wait for *process*, killing it if it outlives *seconds*; return its
    output when *communicate* is set."""
    killer = threading.Timer(seconds, process.kill)
    killer.start()
    try:
        if communicate:
            return process.communicate()[0]
        process.wait()
    finally:
        killer.cancel()


def run_bounded(args, seconds=120, **options):
    """Run *args* (``Popen`` *options* such as ``cwd`` and ``env`` given
    on); return ``(exit code, combined output as text)``."""
    process = subprocess.Popen(args, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, **options)
    output = wait_bounded(process, seconds, communicate=True)
    return process.returncode, output.decode("utf-8", "replace")


def listening_socket(host="127.0.0.1"):
    """A socket listening on a free port of *host*, to hand to a child
    server: clients can connect before the child has even started."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind((host, 0))
    listener.listen(128)
    return listener


def free_port(host="127.0.0.1"):
    """A port free at this moment, for a server that binds its own (Apache,
    granian): released here, so another process could take it first."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind((host, 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def socket_activated(fd, argv):
    """*argv* started with descriptor *fd* as its fd 3 and the systemd
    variables saying so (``LISTEN_FDS=1``), as gunicorn and cheroot read
    them; pass ``inheriting(fd)`` to ``Popen``."""
    return ["bash", "-c", 'exec %d<&%d; LISTEN_FDS=1 LISTEN_PID=$$ exec "$@"'
            % (LISTEN_FD, fd), "bash"] + list(argv)
