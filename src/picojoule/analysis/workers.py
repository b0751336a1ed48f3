"""Worker processes that never outlive the process that started them.

``exit_with_parent`` is a ``ProcessPoolExecutor`` initializer. On Linux it asks the kernel to
send the worker SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``); everywhere, a
daemon thread polls the parent's id and ends the worker when it changes (the parent died and
the worker was re-parented). Without it, a parent killed with SIGKILL leaves its workers
asleep forever, waiting on a queue nobody will write to.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
POLL_SECONDS = 0.5


def exit_with_parent(parent_pid: int) -> None:
    """Make this (worker) process end when ``parent_pid`` is no longer its parent."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watchdog below still ends the worker
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)
    threading.Thread(target=_watch, args=(parent_pid,), name="picojoule-parent-watch",
                     daemon=True).start()


def _watch(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(POLL_SECONDS)
    os._exit(1)
