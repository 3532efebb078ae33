"""Run child processes with hard bounds, so a hang fails instead of
stalling the suite: the helpers of the installed ``wsgi_ng.hosting``
(``wsgi-ng check`` and the pytest plugin start their servers with them)."""
from wsgi_ng.hosting.process import (  # noqa: F401 (used across tests/)
    inheriting, listening_socket, run_bounded, socket_activated, wait_bounded,
)
