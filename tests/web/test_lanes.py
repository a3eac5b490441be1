"""The server's two lanes of requests (web.lanes): quick requests on the event loop (or in
threads, when the server is given some), a long request runs while the quick lane is taken,
and the endpoints that take seconds are the long lane's."""

from __future__ import annotations

import inspect
import threading

import anyio
import pytest
from anyio import to_thread
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from web.app import ROUTER_MODULES
from web.lanes import (
    QuickRoute,
    in_long_lane,
    in_quick_lane,
    long_lane,
    open_long_lane,
    open_quick_lane,
)
from web.routers import api_commands, api_reads, pages_audit
from web.settings import load_web_settings


def _thread_of_a_plain_endpoint(threads: int | None) -> tuple[int, int]:
    """The thread a plain endpoint of a QuickRoute router ran in, and the event loop's."""
    seen: dict[str, int] = {}
    router = APIRouter(route_class=QuickRoute)

    @router.get("/where")
    def where() -> dict:
        seen["endpoint"] = threading.get_ident()
        return {}

    @router.get("/loop")
    async def loop() -> dict:
        seen["loop"] = threading.get_ident()
        return {}

    app = FastAPI()
    if threads is not None:

        @app.middleware("http")
        async def lanes(request, call_next):  # type: ignore[no-untyped-def]
            open_quick_lane(threads)
            return await call_next(request)

    app.include_router(router)
    with TestClient(app) as client:
        assert client.get("/loop").status_code == 200
        assert client.get("/where").status_code == 200
    return seen["endpoint"], seen["loop"]


def test_a_quick_request_runs_on_the_event_loop_unless_the_lane_has_threads() -> None:
    endpoint, loop = _thread_of_a_plain_endpoint(None)
    assert endpoint == loop
    endpoint, loop = _thread_of_a_plain_endpoint(0)
    assert endpoint == loop
    endpoint, loop = _thread_of_a_plain_endpoint(2)
    assert endpoint != loop


def test_in_quick_lane_calls_on_the_loop_or_in_a_thread() -> None:
    async def scenario(threads: int) -> bool:
        open_quick_lane(threads)
        here = threading.get_ident()
        return await in_quick_lane(lambda: threading.get_ident() == here)

    assert anyio.run(scenario, 0) is True
    assert anyio.run(scenario, 1) is False


def _callables(route: APIRoute) -> list[object]:
    found, dependants = [], [route.dependant]
    while dependants:
        dependant = dependants.pop()
        found.append(dependant.call)
        dependants.extend(dependant.dependencies)
    return found


def test_no_endpoint_or_dependency_of_the_server_hops_to_fastapis_thread_pool() -> None:
    # FastAPI runs a plain function (endpoint or dependency) in its thread pool: each is a
    # hop to a thread and back. Every one of the server's is a coroutine: the quick lane's
    # wrapper, the long lane's, or its own.
    routers = [
        found
        for module in ROUTER_MODULES
        for found in vars(module).values()
        if isinstance(found, APIRouter)
    ]
    routes = [route for router in routers for route in router.routes if isinstance(route, APIRoute)]
    assert len(routes) > 40
    plain = [
        f"{route.path} {getattr(call, '__name__', call)}"
        for route in routes
        for call in _callables(route)
        if call is not None and not inspect.iscoroutinefunction(call)
    ]
    assert plain == []


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
    assert load_web_settings({}).threads == 0  # the event loop
    assert load_web_settings({}).long_threads == 1
    chosen = load_web_settings({"JIXIAO_WEB_THREADS": "2", "JIXIAO_WEB_LONG_THREADS": "3"})
    assert (chosen.threads, chosen.long_threads) == (2, 3)
    assert load_web_settings({"JIXIAO_WEB_THREADS": "0"}).threads == 0
    with pytest.raises(ValueError, match="JIXIAO_WEB_THREADS: got '-1', expected a whole"):
        load_web_settings({"JIXIAO_WEB_THREADS": "-1"})
    with pytest.raises(ValueError, match="JIXIAO_WEB_LONG_THREADS: got '0'"):
        load_web_settings({"JIXIAO_WEB_LONG_THREADS": "0"})
