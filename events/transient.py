"""Retrying transactions the database refused for a reason that passes: a deadlock, a
serialization failure, a lock it gave up waiting for, a SQLite file that stayed locked.

Each attempt is a whole transaction that was rolled back, so trying again cannot write
anything twice. The retries are bounded; after the last one the caller gets one line
(:class:`events.errors.StoreBusy`), not a driver's traceback.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from events.errors import StoreBusy

T = TypeVar("T")

#: Attempts before giving up, the first included.
ATTEMPTS = 5
#: The first back-off in seconds; it doubles at each attempt, with jitter, up to MAX_DELAY.
FIRST_DELAY = 0.05
MAX_DELAY = 1.0

#: PostgreSQL's SQLSTATEs for refusals that a second attempt may not meet.
_TRANSIENT_SQLSTATES = {
    "40001": "serialization failure",
    "40P01": "deadlock detected",
    "55P03": "lock not available",
}


def transient_reason(error: BaseException) -> str | None:
    """Why ``error`` is worth another attempt (a few words), or None if it is not.

    Accepts driver errors and SQLAlchemy's wrappers of them.
    """
    original = getattr(error, "orig", None) or error
    state = getattr(original, "sqlstate", None)
    if state in _TRANSIENT_SQLSTATES:
        return _TRANSIENT_SQLSTATES[state]
    # sqlite3.OperationalError, after the busy timeout ran out.
    if type(original).__name__ == "OperationalError" and state is None:
        message = str(original)
        if "database is locked" in message or "database table is locked" in message:
            return "database is locked"
    return None


def retrying(
    operation: Callable[[], T],
    *,
    attempts: int = ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``operation()``, tried again after a short jittered back-off while it fails for a
    transient reason; :class:`StoreBusy` after ``attempts`` failures."""
    delay = FIRST_DELAY
    for attempt in range(1, attempts + 1):
        try:
            return operation()
        except Exception as error:
            reason = transient_reason(error)
            if reason is None:
                raise
            if attempt == attempts:
                raise StoreBusy(reason, attempts) from None
        # Jitter: writers that collided should not collide again on the same beat.
        sleep(delay * random.uniform(0.5, 1.5))
        delay = min(delay * 2, MAX_DELAY)
    raise AssertionError("unreachable")  # pragma: no cover
