"""tox's install command: ``uv pip install`` where uv serves the
interpreter, else ``pip install`` -- the same packages either way.

A tox environment's dependencies (some forty packages) took pip 41 s in a
fresh 3.12 environment and uv 11 s; nine environments pay that on every CI
run.  uv is fetched into the environment by pip first (one wheel), and
Python 2.7 to 3.7, where uv itself does not install, keep pip -- as does any
machine where uv will not install or fails (then pip does it all, as
before).

uv takes dependencies as built wheels only: gevent 26 has no wheel for 3.9,
and building it took uv five minutes where pip had the wheel it built
once in its cache (uv takes gevent 25.9, which has one).  The project
itself (a path) is built.
"""
import os
import subprocess
import sys

if sys.version_info >= (3,):
    from importlib.util import find_spec

UV_SINCE = (3, 8)  # uv itself needs 3.8


def pip(arguments):
    return subprocess.call([sys.executable, "-m", "pip", "install"]
                           + arguments)


def uv(arguments):
    """uv's exit status, or None where uv could not be had."""
    if find_spec("uv") is None and subprocess.call(
            [sys.executable, "-m", "pip", "install", "-q", "uv"]) != 0:
        return None
    built = [] if any(os.path.exists(argument) for argument in arguments) \
        else ["--no-build"]
    return subprocess.call([sys.executable, "-m", "uv", "pip", "install",
                            "--python", sys.executable] + built + arguments)


def main(arguments):
    if sys.version_info >= UV_SINCE and uv(arguments) == 0:
        return 0
    return pip(arguments)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
