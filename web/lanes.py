"""The two lanes of request threads in a server process.

Most requests are a few milliseconds of Python (a page, an inbox, a command) and a
process runs them ``JIXIAO_WEB_THREADS`` at a time, one by default: the threads of a
process share one interpreter lock, and under load each more thread costs more CPU a
request than it saves in waits (docs/decisions/0619 and 0625). A few requests take
seconds: a walk of the whole log, a year replayed, a rendered file checked by rendering
it again, a workbook imported. Those run in a lane of their own
(``JIXIAO_WEB_LONG_THREADS``, one by default), so a quick request never waits for one.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from anyio import CapacityLimiter, to_thread
from anyio.lowlevel import RunVar

Params = ParamSpec("Params")
Result = TypeVar("Result")

#: Long requests run at once in a process unless the server says otherwise.
LONG_THREADS = 1

#: The long lane of the running event loop (a limiter belongs to one loop).
_LANE: RunVar[CapacityLimiter] = RunVar("jixiao_long_lane")


def open_long_lane(threads: int) -> None:
    """Give the running event loop a long lane of ``threads`` (at the server's start)."""
    _LANE.set(CapacityLimiter(threads))


def _lane() -> CapacityLimiter:
    try:
        return _LANE.get()
    except LookupError:
        # An application served without its lifespan (a test client) gets the default.
        open_long_lane(LONG_THREADS)
        return _LANE.get()


async def in_long_lane(
    function: Callable[Params, Result], *args: Params.args, **kwargs: Params.kwargs
) -> Result:
    """``function(*args, **kwargs)`` run in a thread of the long lane."""
    return await to_thread.run_sync(functools.partial(function, *args, **kwargs), limiter=_lane())


def long_lane(endpoint: Callable[Params, Result]) -> Callable[Params, Awaitable[Result]]:
    """A plain endpoint run in the long lane instead of the quick one. FastAPI reads the
    parameters of ``endpoint`` itself (through ``__wrapped__``) and awaits the lane."""

    @functools.wraps(endpoint)
    async def in_lane(*args: Params.args, **kwargs: Params.kwargs) -> Result:
        return await in_long_lane(endpoint, *args, **kwargs)

    return in_lane
