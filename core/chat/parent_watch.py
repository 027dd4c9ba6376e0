"""The model server's half of "ends with the dashboard": a watchdog thread that ends the server process when the
process that started it is gone (its parent pid changes), however that process ended.

The parent's `atexit` handler stops the server on a normal exit, but not on SIGKILL; Linux's PR_SET_PDEATHSIG cannot
stand in, because it fires when the parent *thread* that forked exits, and Streamlit runs every script run in a
short-lived thread. Standard library only: the real server (`core.chat.local_server`) and the tests' stand-in both
call it before they serve.
"""

from __future__ import annotations

import os
import threading
import time

PARENT_ENV = "COACH_PARENT_PID"


def watch_parent(parent_pid: int, every_s: float = 1.0) -> threading.Thread:
    """Start a daemon thread that ends this process once `parent_pid` is no longer its parent."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(every_s)  # a watchdog's poll, not a test sleep
        os._exit(0)

    thread = threading.Thread(target=watch, name="parent-watchdog", daemon=True)
    thread.start()
    return thread


def watch_parent_from_environment() -> None:
    """Watch the parent named by `COACH_PARENT_PID` (set by `core.chat.endpoints.server_environment`), if any."""
    value = os.environ.get(PARENT_ENV, "")
    if value.isdigit():
        watch_parent(int(value))
