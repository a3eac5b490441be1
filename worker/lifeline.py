"""Processes that die with their parent: the Celery worker with ``jixiao worker start``, and
the pool processes with the Celery worker, even when the parent is killed with ``kill -9``.

On Linux the kernel signals a child when its parent dies (``prctl(PR_SET_PDEATHSIG)``);
elsewhere, and as a fallback, a watchdog thread notices that the process was re-parented.
The parent's pid travels in ``JIXIAO_PARENT_PID`` so that a child started by a parent that
died before it could ask for the signal still notices (docs/decisions/0306).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import sys
import threading
from functools import cache

log = logging.getLogger(__name__)

#: The environment variable naming the process a child must not outlive.
PARENT_PID_VARIABLE = "JIXIAO_PARENT_PID"

#: ``PR_SET_PDEATHSIG`` from <linux/prctl.h>.
_PR_SET_PDEATHSIG = 1

#: Seconds between two looks of the watchdog at the parent.
WATCH_INTERVAL = 1.0


@cache
def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None


def ask_kernel(signum: int) -> bool:
    """Have the kernel send ``signum`` to this process when its parent dies (Linux only).

    The request is tied to the parent *thread* that started this process, and a fork
    clears it: each process asks for itself. False where the kernel cannot do it.
    """
    libc = _libc()
    if libc is None:
        return False
    if libc.prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0) != 0:
        error = ctypes.get_errno()
        log.warning("prctl(PR_SET_PDEATHSIG) failed: %s", os.strerror(error))
        return False
    return True


def _watch(parent: int, signum: int, interval: float) -> None:
    while os.getppid() == parent:
        threading.Event().wait(interval)
    log.warning("parent process %d is gone; stopping (signal %d)", parent, signum)
    os.kill(os.getpid(), signum)


def die_with_parent(
    signum: int = signal.SIGTERM,
    *,
    parent: int | None = None,
    watchdog: bool = True,
    interval: float = WATCH_INTERVAL,
) -> None:
    """Make this process receive ``signum`` when ``parent`` (default: its parent now) dies.

    Asks the kernel first; if the parent is already gone by then, signals at once. With
    ``watchdog`` (or where the kernel cannot help), a daemon thread also checks every
    ``interval`` seconds that the process still has that parent.
    """
    parent = os.getppid() if parent is None else parent
    asked = ask_kernel(signum)
    if os.getppid() != parent:
        # The parent died before the request was in place: nobody will send the signal.
        os.kill(os.getpid(), signum)
        return
    if watchdog or not asked:
        threading.Thread(
            target=_watch, args=(parent, signum, interval), name="jixiao-lifeline", daemon=True
        ).start()


def parent_from_environment() -> int | None:
    """The pid in ``JIXIAO_PARENT_PID``, if the process was started by one that set it."""
    raw = os.environ.get(PARENT_PID_VARIABLE, "").strip()
    return int(raw) if raw.isdigit() else None
