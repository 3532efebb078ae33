"""The adapters' tests reuse the host tests' helpers (live servers, the
probe app) and the server tests' (running, serve_command).  The ASGI
bridges are Python 3 only: on 2.7 their tests are not even collected."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
for folder in ("hosts", "server"):
    path = os.path.join(HERE, os.pardir, folder)
    if path not in sys.path:
        sys.path.append(path)

collect_ignore = ["asgi"] if sys.version_info[0] < 3 else []
