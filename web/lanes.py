"""The two lanes of requests in a server process.

Most requests are a few milliseconds of Python (a page, an inbox, a command): the quick
lane. By default a process runs them on its event loop itself, one at a time
(``JIXIAO_WEB_THREADS=0``): handing each to a thread and its answer back cost some 0.2 ms
of CPU, a fifth of a kept report page, and the threads of a process share one interpreter
lock, so under load each more thread costs more CPU a request than it saves in waits
(docs/decisions/0619, 0625 and 0626). ``JIXIAO_WEB_THREADS=N`` runs them in N threads
instead. A few requests take seconds: a walk of the whole log, a year replayed, a rendered
file checked by rendering it again, a workbook imported. Those run in a lane of threads of
their own (``JIXIAO_WEB_LONG_THREADS``, one by default), so a quick request never waits
for one.

Every plain (``def``) endpoint of a router made with ``route_class=QuickRoute`` runs in the
quick lane; ``@long_lane`` puts one in the long lane instead.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

from anyio import CapacityLimiter, to_thread
from anyio.lowlevel import RunVar
from fastapi.routing import APIRoute

from events.durability import disk_wait_taken_over
from web.disk_syncer import wait_for_disk

Params = ParamSpec("Params")
Result = TypeVar("Result")

#: Long requests run at once in a process unless the server says otherwise.
LONG_THREADS = 1
#: Quick requests run on the event loop itself unless the server says otherwise.
ON_THE_LOOP = 0

#: The quick lane's threads for the running event loop (0: the loop itself).
_QUICK: RunVar[int] = RunVar("jixiao_quick_lane", default=ON_THE_LOOP)

#: The long lane of the running event loop (a limiter belongs to one loop).
_LANE: RunVar[CapacityLimiter] = RunVar("jixiao_long_lane")


def open_quick_lane(threads: int) -> None:
    """Run the running event loop's quick requests in ``threads`` threads, or on the loop
    itself with 0 (at the server's start)."""
    _QUICK.set(threads)
    if threads:
        to_thread.current_default_thread_limiter().total_tokens = threads


async def in_quick_lane(
    function: Callable[Params, Result], *args: Params.args, **kwargs: Params.kwargs
) -> Result:
    """``function(*args, **kwargs)`` run in the quick lane: on the event loop, or in one of
    the lane's threads when it has some."""
    if _QUICK.get() != ON_THE_LOOP:
        return await to_thread.run_sync(functools.partial(function, *args, **kwargs))
    # A change is recorded without the loop waiting for the disk; the answer waits for it
    # while the loop serves others (decision 0636), through the loop's child process that
    # syncs the log (decision 0640).
    with disk_wait_taken_over() as waiting:
        try:
            return function(*args, **kwargs)
        finally:
            if waiting:
                await wait_for_disk(waiting)


def _in_lane(
    lane: Callable[..., Awaitable[Result]], endpoint: Callable[Params, Result]
) -> Callable[Params, Awaitable[Result]]:
    """``endpoint`` as a coroutine that runs it in ``lane``. FastAPI reads the parameters
    of ``endpoint`` itself (through ``__wrapped__``) and awaits the lane."""

    @functools.wraps(endpoint)
    async def in_lane(*args: Params.args, **kwargs: Params.kwargs) -> Result:
        return await lane(endpoint, *args, **kwargs)

    return in_lane


def quick_lane(endpoint: Callable[Params, Result]) -> Callable[Params, Awaitable[Result]]:
    """A plain endpoint run in the quick lane."""
    return _in_lane(in_quick_lane, endpoint)


class QuickRoute(APIRoute):
    """A route whose plain endpoint runs in the quick lane (FastAPI would run it in its
    thread pool); a coroutine endpoint, ``@long_lane``'s among them, is left as it is."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = quick_lane(endpoint)
        super().__init__(path, endpoint, **kwargs)


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
    """A plain endpoint run in the long lane instead of the quick one."""
    return _in_lane(in_long_lane, endpoint)
