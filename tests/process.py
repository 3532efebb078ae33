"""Run child processes with hard bounds, so a hang fails instead of
stalling the suite (Python 2.7's subprocess has no timeout)."""
import socket
import subprocess
import sys
import threading


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


def listening_socket():
    """A socket listening on a free port of 127.0.0.1, to hand to a child
    server: clients can connect before the child has even started."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    return listener


def inheriting(*fds):
    """``Popen`` options that let the child inherit *fds* (Python 3 closes
    descriptors on exec by default; Python 2 does not)."""
    return {"pass_fds": list(fds)} if sys.version_info[0] > 2 else {
        "close_fds": False}


def socket_activated(fd, argv):
    """*argv* started with descriptor *fd* as its fd 3 and the systemd
    variables saying so (``LISTEN_FDS=1``), as gunicorn and cheroot read
    them; pass ``inheriting(fd)`` to ``Popen``."""
    return ["bash", "-c", 'exec 3<&%d; LISTEN_FDS=1 LISTEN_PID=$$ exec "$@"'
            % fd, "bash"] + list(argv)
