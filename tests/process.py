"""Run child processes with hard bounds, so a hang fails instead of
stalling the suite (Python 2.7's subprocess has no timeout)."""
import subprocess
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
