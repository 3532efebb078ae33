"""Run a child process with a hard bound, so a hang fails instead of
stalling the suite (Python 2.7's subprocess has no timeout)."""
import subprocess
import threading


def run_bounded(args, seconds=120):
    """Run *args*; return ``(exit code, combined output as text)``."""
    process = subprocess.Popen(args, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    killer = threading.Timer(seconds, process.kill)
    killer.start()
    try:
        output = process.communicate()[0].decode("utf-8", "replace")
    finally:
        killer.cancel()
    return process.returncode, output
