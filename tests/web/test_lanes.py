"""The server's two lanes of request threads (web.lanes): a long request runs while the
quick lane is taken, and the endpoints that take seconds are the long lane's."""

from __future__ import annotations

import inspect
import threading

import anyio
import pytest
from anyio import to_thread

from web.lanes import in_long_lane, long_lane, open_long_lane
from web.routers import api_commands, api_reads, pages_audit
from web.settings import load_web_settings


def test_a_long_request_runs_while_the_quick_lane_is_taken() -> None:
    released = threading.Event()

    def quick_request_that_waits() -> None:
        released.wait(10)

    async def scenario() -> tuple[int, int]:
        quick = to_thread.current_default_thread_limiter()
        quick.total_tokens = 1
        open_long_lane(1)
        async with anyio.create_task_group() as group:
            group.start_soon(to_thread.run_sync, quick_request_that_waits)
            while quick.borrowed_tokens < 1:
                await anyio.sleep(0.01)
            with anyio.fail_after(5):
                answer = await in_long_lane(lambda: 42)
            taken = quick.borrowed_tokens
            released.set()
        return answer, taken

    answer, taken = anyio.run(scenario)
    assert answer == 42
    assert taken == 1  # the quick lane was still held when the long request answered


def test_the_long_lane_holds_as_many_as_it_was_given() -> None:
    running = 0
    most = 0
    guard = threading.Lock()

    def work() -> None:
        nonlocal running, most
        with guard:
            running += 1
            most = max(most, running)
        threading.Event().wait(0.05)
        with guard:
            running -= 1

    async def scenario() -> None:
        open_long_lane(2)
        async with anyio.create_task_group() as group:
            for _ in range(6):
                group.start_soon(in_long_lane, work)

    anyio.run(scenario)
    assert most == 2


def test_a_long_lane_endpoint_keeps_its_parameters_and_its_name() -> None:
    def replay(year: int, format: str = "json") -> str:
        """A year's replay."""
        return f"{year}.{format}"

    wrapped = long_lane(replay)
    assert wrapped.__name__ == "replay" and wrapped.__doc__ == "A year's replay."
    assert anyio.run(lambda: wrapped(2021, format="csv")) == "2021.csv"


@pytest.mark.parametrize(
    "endpoint",
    [
        api_reads.verify,
        api_reads.trail,
        api_reads.replay,
        api_commands.import_commands,
        api_commands.import_reports,
        pages_audit.trail_page,
        pages_audit.replay_download,
    ],
)
def test_what_takes_seconds_is_the_long_lanes(endpoint: object) -> None:
    # long_lane's wrapper: a coroutine around the plain endpoint, which FastAPI reads.
    assert inspect.iscoroutinefunction(endpoint)
    assert not inspect.iscoroutinefunction(endpoint.__wrapped__)  # type: ignore[attr-defined]


def test_the_lanes_are_settings() -> None:
    assert load_web_settings({}).threads == 1
    assert load_web_settings({}).long_threads == 1
    chosen = load_web_settings({"JIXIAO_WEB_THREADS": "2", "JIXIAO_WEB_LONG_THREADS": "3"})
    assert (chosen.threads, chosen.long_threads) == (2, 3)
    with pytest.raises(ValueError, match="JIXIAO_WEB_LONG_THREADS: got '0'"):
        load_web_settings({"JIXIAO_WEB_LONG_THREADS": "0"})
