"""The web server under load: pages, commands and a bare endpoint, side by side.

Run from the repository root::

    python bench/web.py                    # 300 departments, 50 clients, 10 rounds each
    python bench/web.py --quick            # 10 departments, 10 clients, 4 rounds: a smoke run
    python bench/web.py --departments 100 --clients 20 --rounds 20
    python bench/web.py --backend postgres   # the same load on PostgreSQL, as deployed

A SQLite database is built once with the application services: a fiscal year and, for each
department, its preparer (with a token, hashed as production's are: HMAC-SHA-256; the
server checks a token once per process and remembers the proof) and the whole seed report
entered as one import. Then uvicorn serves ``web.app:create_app`` with 2 workers as
``jixiao serve`` does (``python -m cli.serving``: each worker on a listening socket of its
own, decision 0632; each response in one write, decision 0628), and a second uvicorn,
served the same way, serves a bare FastAPI application whose one endpoint returns a
constant: its latency is the floor of what any endpoint costs here (HTTP, the event loop,
the quick lane, this process's client).

With ``--backend postgres`` the database is a fresh schema on the PostgreSQL server of
``--pg-url`` (by default the tests' server), built the same way and dropped at the end,
and the PostgreSQL server's processes' CPU during the load is reported too, shared over
the server's requests (``database``): the targets are set on SQLite; PostgreSQL is what a
bureau deploys, on the same two cores here.

Each of the concurrent clients (httpx on uvloop's event loop, one process) signs in as the
preparer of a department of its own through the sign-in page, warms up once, then runs
rounds of four requests, one of each kind, interleaved so that load from elsewhere hits
every kind:

- ``report_page``: GET /reports/{department}/2021, the 自评价表 as HTML (session cookie);
- ``inbox_page``: GET /inbox, 我的待办 as HTML (session cookie);
- ``command_post``: POST /api/v1/reports/{department}/2021/commands/record-actual-spending
  (bearer token), alternating two amounts so that each records one event;
- ``floor``: GET /constant on the bare application.

With ``--warm-loads N`` the same clients first run N whole loads against the same
servers, each reported (``warm_loads``), so that the timed load meets processes that have
been serving a while, their caches filled, as a server does after its first minutes
(decision 0629); by default the timed load is the servers' first.

The clients leave the start one after another over ``--stagger-ms`` (250 by default, about
one round of the load), each settling in with one untimed round of the four kinds before
its timed rounds (decision 0641): left at once, all 50 sent the same request in the same
instant, and the first rounds measured that herd rather than the load. ``--stagger-ms 0``
leaves them at once, as before. Every load of the run (warm, timed, the harness floor's
and the ladder's) starts the same way.

Every answer is checked (status, and the command's recorded count); anything else is an
error. Then the **harness floor** (decision 0614): the same clients run the same rounds
again, waiting for each answer as before, with every request of the round sent to the bare
application (and checked). One process of clients spending some 2 ms of CPU a request
cannot send more than some 500 a second, so 50 closed-loop clients cannot see a mean below
some 100 ms even from a server that costs nothing: the harness floor's p95 is what these
clients and this machine can answer at all under this load shape, and each kind's p95 is
given as a multiple of it as well as of the bare endpoint's in the load.

Then **the ladder** (decision 0617): the same clients and rounds again, once per rung, each
request of the round sent to a stand-in on the bare application that spends the rung's CPU
time (``--ladder``, default 0, 1, 2 and 4 ms) and answers as many bytes as the kind it stands
in for answered in the load (the report page's some 220 kB among them). The largest rung
whose p95s meet every target is the CPU a request may cost, with these clients on this
machine, for the targets to hold: the budget the server's requests are measured against.

The servers' CPU during the load is read from their processes' counters (/proc, every
process of each server's group) and shared over the requests each served, sign-ins and
warm-ups included; the clients' own process's CPU likewise, over every request it sent (it
shares the machine's cores with the servers). Beside them, the share of the machine's CPU
time left idle during the load (/proc/stat) and each of jixiao's processes' CPU seconds: a
worker that accepted more of the 50 connections, which it keeps, shows as the larger. Then,
with the load over, one client sends each kind alone, one request at a time (``--alone`` of
each, and as many rounds of a command, the report page it changed and the inbox): the
server's CPU and the wall time per request with nothing else asking.

Each load's requests a second are its timed requests over its timed part, from the first
timed request sent to the last timed answer (decision 0641).

The last line printed is one JSON object: p50/p95/p99/max per kind in milliseconds, each
kind's p95 over the floor's and over the harness floor's (with the harness floor's own
figures, requests a second and clients' CPU), each rung of the ladder with the budget it
gives and the bytes each kind answered, the targets (pages ≤ 100 ms, command ≤ 150 ms at
p95), the error count, the CPU per request under load (each server's and the
clients'), the cores' idle share and jixiao's processes' CPU during it, the CPU per request
served alone, and the load average before and after (the machine may be shared).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import itertools
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import (
    default_pg_url,
    emit_json,
    machine,
    pg_reachable,
    pg_schemas,
    pg_url_with_schema,
    say,
    warn,
)
from cli.serving import listeners

ROOT = Path(__file__).resolve().parents[1]

#: p95 targets in milliseconds.
TARGETS = {"report_page": 100.0, "inbox_page": 100.0, "command_post": 150.0}
KINDS = ("report_page", "inbox_page", "command_post", "floor")
YEAR = 2021
#: Over how long the clients leave the start by default: about one round of the load, in
#: which the first to leave has settled in as the last joins (decision 0641).
STAGGER_MS = 250.0
#: The longest stagger taken: a minute, far longer than any load's round.
MAX_STAGGER_MS = 60_000.0
#: The figures posted for the seed's 博爱家园建设 actual (3.2 in the seed): each post of the
#: run takes the next, 3.01 to 12.97 and round again, so every post changes it to a figure
#: its report has not held just before, as an office's edits do (decision 0616: with two
#: figures in turn, a page kept by its content would be served again every other change).
POSTED = itertools.count(1)


def next_amount() -> str:
    """The next figure to post, never the one posted just before."""
    return f"{3 + next(POSTED) % 997 / 100:.2f}"


#: What every report page holds (its title, 自评价表).
REPORT_WORD = "自评".encode()

BARE_APP = '''"""A bare FastAPI application: one endpoint returning a constant (the floor), and
one that spends a given CPU time and answers a given number of bytes (the ladder). Its
endpoints run in the same quick lane as the server's (JIXIAO_WEB_THREADS, the same
default: the event loop itself)."""

import time
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse

from web.lanes import QuickRoute, open_quick_lane
from web.settings import load_web_settings

BODY = "x" * 4_000_000


@asynccontextmanager
async def lifespan(_):
    open_quick_lane(load_web_settings().threads)
    yield


def create_app() -> FastAPI:
    app = FastAPI(lifespan=lifespan)
    router = APIRouter(route_class=QuickRoute)

    @router.get("/constant")
    def constant() -> dict:
        return {"ok": True}

    @router.get("/stand-in")
    def stand_in(ms: float, size: int) -> HTMLResponse:
        # The thread's own CPU time: the time it waits for the GIL or a core is not counted.
        end = time.thread_time() + ms / 1000
        while time.thread_time() < end:
            pass
        return HTMLResponse(BODY[:size])

    app.include_router(router)
    return app
'''


# -- the database ------------------------------------------------------------------------


@dataclass(frozen=True)
class Preparer:
    department: str
    user_id: str
    token: str


def build(db_url: str, departments: int) -> list[Preparer]:
    """A fiscal year and ``departments`` departments, each with a preparer and the seed
    report entered (a draft), through the application services; projections caught up."""
    import workflow  # noqa: F401  (the event types, known to the registry)
    from cli.seed_file import DEADLINE, seed_commands
    from projections.migrations import open_store
    from projections.registry import projection_runner
    from workflow.administration import GrantRole, OpenFiscalYear, RegisterDepartment, RegisterUser
    from workflow.service import Credentials, bootstrap, execute, execute_all, issue_token

    store = open_store(db_url, create=True)
    admin = Credentials("admin", bootstrap(store, user_id="admin", name="管理员"))
    execute(store, admin, OpenFiscalYear(year=YEAR, scheme="default", deadline=DEADLINE))
    preparers = []
    started = time.perf_counter()
    for n in range(departments):
        code, user = f"dept-{n:03d}", f"prep.{n:03d}"
        execute(store, admin, RegisterDepartment(code=code, name=f"部门{n:03d}"))
        execute(store, admin, RegisterUser(user_id=user, name=f"填报人{n:03d}"))
        execute(store, admin, GrantRole(user_id=user, role="preparer", department=code))
        token = issue_token(store, admin, user)
        commands = [(f"seed[{i}]", c) for i, c in enumerate(seed_commands(code, YEAR))]
        execute_all(store, Credentials(user, token), commands, source="seed")
        preparers.append(Preparer(code, user, token))
        if (n + 1) % 50 == 0 or n + 1 == departments:
            say(f"  {n + 1}/{departments} departments ({time.perf_counter() - started:.0f} s)")
    runner = projection_runner(store)
    runner.setup()
    runner.catch_up()
    store.close()
    return preparers


@contextmanager
def database(backend: str, folder: Path, pg_url: str) -> Iterator[str]:
    """The URL of the database the run builds and serves: a SQLite file in ``folder``, or a
    fresh schema on the PostgreSQL server at ``pg_url``, dropped when the run ends."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'web.db'}"
        return
    with pg_schemas(pg_url, "web") as schemas:
        yield pg_url_with_schema(pg_url, schemas["web"])


# -- the servers -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def start(name: str, app: str, workers: int, folder: Path, env: dict[str, str], *extra: str):
    port = free_port()
    log = folder / f"{name}.log"
    # As `jixiao serve` serves: each worker on a listening socket of its own (decision
    # 0632), each response in one write (decision 0628).
    command = [
        sys.executable,
        "-m",
        "cli.serving",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--http",
        "web.http_protocol:OneWriteHttp",
        *extra,
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Server(name, port, process, log)


def _processes() -> Iterator[tuple[int, str, int, float]]:
    """Each live process's id, name, process group and user + system CPU seconds (/proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, _, tail = (entry / "stat").read_text().rpartition(")")
        except OSError:  # the process ended meanwhile
            continue
        fields = tail.split()
        # After the name: state, ppid, pgrp (fields[2]) … utime (fields[11]), stime (fields[12]).
        name = head.partition("(")[2]
        yield int(entry.name), name, int(fields[2]), (int(fields[11]) + int(fields[12])) / tick


def processes_cpu_s(pgid: int) -> dict[int, float]:
    """User + system CPU seconds of each live process in the group (a uvicorn server: its
    supervisor and workers), by process id."""
    return {pid: cpu for pid, _, group, cpu in _processes() if group == pgid}


def named_cpu_s(name: str) -> float:
    """User + system CPU seconds of every live process called ``name``, summed: the
    PostgreSQL server's (``postgres``), whose backends serve the server's connections."""
    return sum(cpu for _, found, _, cpu in _processes() if found == name)


def group_cpu_s(pgid: int) -> float:
    """User + system CPU seconds of every live process in the group, summed."""
    return sum(processes_cpu_s(pgid).values())


def machine_cpu_ticks() -> tuple[int, int]:
    """The machine's idle (idle + I/O wait) and total CPU ticks since boot (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return values[3] + values[4], sum(values)


def during(pgid: int, before: dict[int, float], ticks: tuple[int, int]) -> dict[str, Any]:
    """What the cores did between ``before`` (the group's processes' CPU) and ``ticks`` (the
    machine's) and now: the share of the machine's CPU time left idle, and each process's CPU
    seconds, largest first. An uneven split between the workers shows here: each keeps the
    connections it accepted."""
    idle, total = machine_cpu_ticks()
    now = processes_cpu_s(pgid)
    spent = sorted((now[pid] - before.get(pid, 0.0) for pid in now), reverse=True)
    return {
        "idle_share": round((idle - ticks[0]) / max(total - ticks[1], 1), 3),
        "server_processes_cpu_s": [round(seconds, 2) for seconds in spent],
    }


def wait_ready(server: Server, path: str, workers: int, timeout: float = 120.0) -> None:
    """Wait until the server answers ``path`` and every one of its ``workers`` listens: a
    connection made while only some listen goes to them, and is kept for the whole load."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited:\n{server.log.read_text()[-3000:]}")
        try:
            answered = httpx.get(server.url + path, timeout=2).status_code == 200
            if answered and listeners(server.port) >= workers:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{server.name} not ready in {timeout} s:\n{server.log.read_text()[-3000:]}")


# -- the load ----------------------------------------------------------------------------


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    errors: list[str] = field(default_factory=list)
    #: Requests to the server that are not timed: sign-ins and warm-ups.
    untimed: int = 0
    #: The bytes of each kind's answers (the ladder's stand-ins answer as many).
    sizes: dict[str, list[int]] = field(default_factory=lambda: {k: [] for k in KINDS})
    #: Where every client waits until all have signed in and warmed up: no timed request
    #: shares the servers with another client's sign-in.
    started: asyncio.Barrier | None = None
    #: Over how long the clients leave the barrier, one after another (decision 0641).
    stagger_s: float = 0.0
    #: When the first timed request was sent and the last timed answer came.
    first_sent: float | None = None
    last_answered: float = 0.0

    def per_second(self) -> float:
        """Timed requests a second over the timed part of the load: from the first timed
        request sent to the last timed answer (decision 0641), without the sign-ins,
        warm-ups and stagger before it."""
        done = sum(len(values) for values in self.latencies.values())
        span = self.last_answered - (self.first_sent or self.last_answered)
        return round(done / span, 1) if span > 0 else 0.0


@dataclass(frozen=True)
class StandIn:
    """What the bare application does in place of each kind in a rung of the ladder: spend
    ``cpu_ms`` of CPU and answer ``sizes[kind]`` bytes (the floor's request stays the
    constant)."""

    cpu_ms: float
    sizes: dict[str, int]


async def sign_in(base_url: str, preparer: Preparer) -> str:
    """Sign ``preparer`` in through the sign-in page (an httpx client of its own, untimed);
    the ``Cookie`` header their requests then carry."""
    import httpx

    async with httpx.AsyncClient(base_url=base_url, timeout=60, verify=tls()) as client:
        form = await client.get("/sign-in")
        csrf = client.cookies.get("jixiao_signin_csrf")
        if form.status_code != 200 or not csrf:
            raise RuntimeError(f"sign-in form: status {form.status_code}, no CSRF cookie")
        done = await client.post(
            "/sign-in",
            data={"user_id": preparer.user_id, "token": preparer.token, "csrf_token": csrf},
        )
        session = client.cookies.get("jixiao_session")
    if done.status_code != 303 or not session:
        raise RuntimeError(f"sign-in of {preparer.user_id}: status {done.status_code}")
    # The session goes out as a header of every request, as a browser sends it: httpx's
    # cookie jar (the standard library's http.cookiejar) cost the clients' process some
    # 0.3-0.5 ms of CPU a request, which the harness floor's clients, holding no cookie,
    # never pay. The server sets no cookie on the pages and commands timed here.
    return f"jixiao_session={session}"


class Sender:
    """One client's kept-alive connection to one server, through httpx's own transport
    (httpcore's pool, as ``httpx.AsyncClient`` sends through), each distinct request built
    once and sent again as it is.

    ``AsyncClient`` merges the base URL, headers and cookies, builds the request, and runs
    its auth, redirect and cookie-jar steps around every send: in py-spy of the clients'
    process under the load, a third of its CPU, with the process 84 % busy on one core of
    the two the servers run on (decision 0633). The requests and their checks are the same.
    """

    def __init__(self, base_url: str, headers: dict[str, str] | None = None) -> None:
        import httpx

        self.base_url = base_url
        self.headers = headers or {}
        self.transport = httpx.AsyncHTTPTransport(verify=tls())
        self._timeout = httpx.Timeout(60.0).as_dict()
        self._built: dict[tuple, Any] = {}

    def _request(self, method: str, path: str, **parts: Any) -> Any:
        import httpx

        key = (method, path, repr(parts))
        request = self._built.get(key)
        if request is None:
            headers = {**self.headers, **parts.pop("headers", {})}
            request = self._built[key] = httpx.Request(
                method,
                self.base_url + path,
                headers=headers,
                extensions={"timeout": self._timeout},
                **parts,
            )
        return request

    async def _send(self, request: Any) -> Any:
        response = await self.transport.handle_async_request(request)
        try:
            await response.aread()
        finally:
            await response.aclose()
        return response

    async def get(self, path: str, **parts: Any) -> Any:
        """GET ``path`` (``params=`` as httpx takes them); the whole answer read."""
        return await self._send(self._request("GET", path, **parts))

    async def post(self, path: str, **parts: Any) -> Any:
        """POST to ``path`` (``json=``, ``headers=`` as httpx takes them); the whole answer."""
        return await self._send(self._request("POST", path, **parts))

    async def aclose(self) -> None:
        await self.transport.aclose()


async def one(
    kind: str,
    pages: Any,
    bare: Any,
    preparer: Preparer,
    stand_in: StandIn | None = None,
    sizes: dict[str, list[int]] | None = None,
) -> str | None:
    """One request of ``kind``; None when its answer is right, else what was wrong.
    ``pages`` is None in the harness floor's load and the ladder's: every kind is then the
    bare request, or with ``stand_in`` its stand-in. ``sizes`` collects each kind's bytes."""
    department = preparer.department
    if pages is None and (stand_in is None or kind == "floor"):
        kind = "floor"
    # The pages are checked as bytes: decoding some 190 kB of HTML to look for one word
    # would cost the clients' process more than the check is worth.
    if pages is None and kind != "floor":
        assert stand_in is not None
        size = stand_in.sizes[kind]
        response = await bare.get("/stand-in", params={"ms": stand_in.cpu_ms, "size": size})
        ok = response.status_code == 200 and len(response.content) == size
    elif kind == "report_page":
        response = await pages.get(f"/reports/{department}/{YEAR}")
        ok = response.status_code == 200 and REPORT_WORD in response.content
    elif kind == "inbox_page":
        response = await pages.get("/inbox")
        ok = response.status_code == 200 and department.encode() in response.content
    elif kind == "command_post":
        response = await pages.post(
            f"/api/v1/reports/{department}/{YEAR}/commands/record-actual-spending",
            json={"line": "homes", "amount": next_amount()},
            headers={"Authorization": f"Bearer {preparer.user_id}:{preparer.token}"},
        )
        ok = response.status_code == 200 and response.json().get("recorded") == 1
    else:
        response = await bare.get("/constant")
        ok = response.status_code == 200 and response.json() == {"ok": True}
    if sizes is not None:
        sizes[kind].append(len(response.content))
    if ok:
        return None
    return f"{kind} {department}: status {response.status_code}: {response.text[:200]}"


@functools.cache
def tls() -> ssl.SSLContext:
    """The one TLS context every client of the run shares. httpx builds one for each client
    it makes, loading the CA bundle (some 30 ms of CPU) even for plain HTTP: 100 clients'
    contexts were some 3 s of the clients' process's CPU in a load of some 9 s."""
    return ssl.create_default_context()


async def client(
    preparer: Preparer,
    jixiao_url: str | None,
    bare_url: str,
    rounds: int,
    results: Results,
    stand_in: StandIn | None = None,
    place: float = 0.0,
) -> None:
    """One closed-loop client: sign in, one untimed request of each kind, wait for every
    other client to have done as much, leave at its ``place`` (0 to 1) in the stagger, run
    one untimed round if there is a stagger, then ``rounds`` rounds of the four kinds. With
    ``jixiao_url`` None it is the harness floor's client: the same rounds and pacing, each
    request of the round sent to the bare application (to its stand-in for the kind, in a
    rung of the ladder)."""
    import httpx

    pages = bare = None
    try:
        bare = Sender(bare_url)
        if jixiao_url is not None:
            pages = Sender(jixiao_url, {"Cookie": await sign_in(jixiao_url, preparer)})
            results.untimed += 2  # the sign-in form and post
        for kind in KINDS:  # warm-up: not timed
            problem = await one(kind, pages, bare, preparer, stand_in)
            if problem:
                results.errors.append(f"warm-up {problem}")
        # The warm-ups the server answered (the bare one's is the floor's; in the harness
        # floor's load every warm-up is a bare request).
        results.untimed += len(KINDS) if pages is None else len(TARGETS)
        if results.started is not None:
            await results.started.wait()
        if results.stagger_s:
            # Left at once, every client would send its report page in the same instant,
            # then its inbox, its command: a herd the first rounds queue behind, which no
            # office's users make. Each leaves at its place in the stagger and settles in
            # with one round untimed, which keeps the load on while the others join.
            await asyncio.sleep(results.stagger_s * place)
            for kind in KINDS:
                problem = await one(kind, pages, bare, preparer, stand_in)
                if problem:
                    results.errors.append(f"settling {problem}")
            results.untimed += len(KINDS) if pages is None else len(TARGETS)
        for _ in range(rounds):
            for kind in KINDS:
                began = time.perf_counter()
                if results.first_sent is None:  # the clients share one loop: the earliest
                    results.first_sent = began
                try:
                    problem = await one(kind, pages, bare, preparer, stand_in, results.sizes)
                except httpx.HTTPError as error:
                    problem = f"{kind} {preparer.department}: {type(error).__name__}: {error}"
                answered = time.perf_counter()
                results.last_answered = max(results.last_answered, answered)
                results.latencies[kind].append((answered - began) * 1000)
                if problem:
                    results.errors.append(problem)
    finally:
        for sender in (pages, bare):
            if sender is not None:
                await sender.aclose()


async def load(
    preparers: list[Preparer],
    jixiao_url: str | None,
    bare_url: str,
    rounds: int,
    stand_in: StandIn | None = None,
    stagger_ms: float = 0.0,
) -> Results:
    """Every client, leaving the barrier one after another over ``stagger_ms``; with
    ``jixiao_url`` None, the harness floor's load (or, with ``stand_in``, a rung of the
    ladder)."""
    results = Results(started=asyncio.Barrier(len(preparers)), stagger_s=stagger_ms / 1000)
    await asyncio.gather(
        *(
            client(p, jixiao_url, bare_url, rounds, results, stand_in, n / len(preparers))
            for n, p in enumerate(preparers)
        )
    )
    return results


#: What the served-alone phase times: each kind on its own, then whole rounds (a report page
#: after a change to it, so the read models' catch-up and one edit block are rendered).
ALONE = {
    "report_page": ("report_page",),
    "inbox_page": ("inbox_page",),
    "command_post": ("command_post",),
    "round": ("command_post", "report_page", "inbox_page"),
}


async def served_alone(
    preparer: Preparer, jixiao: Server, bare: Server, repeats: int
) -> dict[str, dict[str, float]]:
    """One client, one request at a time: the server's CPU (its processes' counters) and
    the wall time per request of each kind, with nothing else asking."""
    measured: dict[str, dict[str, float]] = {}
    pages = Sender(jixiao.url, {"Cookie": await sign_in(jixiao.url, preparer)})
    floor = Sender(bare.url)
    try:
        for name, kinds in ALONE.items():
            for kind in kinds:  # warm-up: not timed
                await one(kind, pages, floor, preparer)
            cpu, began = group_cpu_s(jixiao.process.pid), time.perf_counter()
            for _ in range(repeats):
                for kind in kinds:
                    problem = await one(kind, pages, floor, preparer)
                    if problem:
                        raise RuntimeError(f"served alone: {problem}")
            requests = repeats * len(kinds)
            measured[name] = {
                "requests": requests,
                "cpu_ms_per_request": round(
                    (group_cpu_s(jixiao.process.pid) - cpu) * 1000 / requests, 2
                ),
                "wall_ms_per_request": round((time.perf_counter() - began) * 1000 / requests, 2),
            }
        cpu, began = group_cpu_s(bare.process.pid), time.perf_counter()
        for _ in range(repeats * 3):
            await one("floor", pages, floor, preparer)
        measured["floor"] = {
            "requests": repeats * 3,
            "cpu_ms_per_request": round(
                (group_cpu_s(bare.process.pid) - cpu) * 1000 / (repeats * 3), 2
            ),
            "wall_ms_per_request": round((time.perf_counter() - began) * 1000 / (repeats * 3), 2),
        }
    finally:
        await pages.aclose()
        await floor.aclose()
    return measured


def run_clients(clients: Any) -> Any:
    """Run the clients' coroutine on uvloop's event loop (uvicorn's own, installed with it):
    the clients share the two cores with the servers, and the standard library's loop cost
    them some tenth more CPU a request (decision 0628)."""
    import uvloop

    return uvloop.run(clients)


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank ``p``-th percentile."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def figures(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 50), 1),
        "p95_ms": round(percentile(values, 95), 1),
        "p99_ms": round(percentile(values, 99), 1),
        "max_ms": round(max(values), 1),
    }


def over(measured: dict[str, dict[str, float]], floor: float) -> dict[str, float | None]:
    """Each target kind's p95 as a multiple of ``floor``'s."""
    return {kind: round(measured[kind]["p95_ms"] / floor, 2) if floor else None for kind in TARGETS}


# -- main --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--departments", type=int, default=300)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=10, help="rounds of 4 requests a client")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers of each server")
    parser.add_argument("--quick", action="store_true", help="10 departments, 10 clients, 4 rounds")
    parser.add_argument("--keep", type=Path, help="build (and keep) the database in this folder")
    parser.add_argument(
        "--backend",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="the database the server holds: a SQLite file (the targets' setting), or a "
        "fresh schema on PostgreSQL (--pg-url), as a deployment holds it",
    )
    parser.add_argument(
        "--pg-url",
        default=default_pg_url(),
        help="the PostgreSQL server for --backend postgres (default: JIXIAO_TEST_PG or "
        "the local trust-auth server)",
    )
    parser.add_argument(
        "--warm-loads",
        type=int,
        default=0,
        help="loads run against the same servers before the timed one (a server that has "
        "been serving a while); each is reported",
    )
    parser.add_argument(
        "--alone",
        type=int,
        default=100,
        help="requests of each kind served alone, after the load (0: none)",
    )
    parser.add_argument(
        "--stagger-ms",
        type=float,
        default=STAGGER_MS,
        help="over how long the clients leave the start, one after another, each then "
        "running one untimed round (0: all at once, no such round)",
    )
    parser.add_argument(
        "--ladder",
        default="0,1,2,4",
        help="CPU milliseconds of the ladder's rungs, comma-separated ('' for none)",
    )
    args = parser.parse_args()
    if args.quick:
        args.departments, args.clients, args.rounds = 10, 10, 4
    if args.warm_loads < 0:
        parser.error(f"--warm-loads: got {args.warm_loads}, expected 0 or more")
    if args.alone < 0:
        parser.error(f"--alone: got {args.alone}, expected 0 or more")
    if args.clients > args.departments:
        parser.error(f"--clients: got {args.clients}, expected at most --departments")
    if args.backend == "postgres":
        if args.keep is not None:
            parser.error("--keep: only with --backend sqlite (a PostgreSQL schema is dropped)")
        if (unreachable := pg_reachable(args.pg_url)) is not None:
            parser.error(f"--pg-url: got {args.pg_url!r}, which cannot be reached: {unreachable}")
    if not 0 <= args.stagger_ms <= MAX_STAGGER_MS:  # NaN fails this too
        parser.error(
            f"--stagger-ms: got {args.stagger_ms:g}, expected milliseconds from 0 to "
            f"{MAX_STAGGER_MS:g}"
        )
    stagger = args.stagger_ms
    try:
        rungs = [float(ms) for ms in args.ladder.split(",") if ms.strip()]
    except ValueError:
        parser.error(f"--ladder: got {args.ladder!r}, expected milliseconds such as 0,1,2,4")
    if any(ms < 0 for ms in rungs):
        parser.error(f"--ladder: got {args.ladder!r}, expected milliseconds of at least 0")
    load_before = os.getloadavg()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="jixiao-bench-web-"))
    folder.mkdir(parents=True, exist_ok=True)
    schema = ExitStack()
    db_url = schema.enter_context(database(args.backend, folder, args.pg_url))
    database_cpu = 0.0
    try:
        say(f"building {args.departments} departments with the seed report in {folder} ...")
        began = time.perf_counter()
        preparers = build(db_url, args.departments)
        built = time.perf_counter() - began
        say(f"built in {built:.1f} s")

        (folder / "bare_app.py").write_text(BARE_APP, encoding="utf-8")
        env = {**os.environ, "JIXIAO_DB": db_url}
        jixiao = start("jixiao", "web.app:create_app", args.workers, folder, env)
        bare = start(
            "bare", "bare_app:create_app", args.workers, folder, env, "--app-dir", str(folder)
        )
        try:
            wait_ready(jixiao, "/sign-in", args.workers)
            wait_ready(bare, "/constant", args.workers)
            say(
                f"{args.clients} clients x {args.rounds} rounds x {len(KINDS)} requests "
                f"against 2 servers of {args.workers} workers each ..."
            )
            warm_loads = []
            for n in range(args.warm_loads):
                say(f"warm load {n + 1}/{args.warm_loads} ...")
                warm = run_clients(
                    load(
                        preparers[: args.clients], jixiao.url, bare.url, args.rounds, None, stagger
                    )
                )
                warm_loads.append(
                    {
                        "p95_ms": {k: figures(warm.latencies[k])["p95_ms"] for k in TARGETS},
                        "requests_per_s": warm.per_second(),
                        "errors": len(warm.errors),
                    }
                )
                say(f"  p95 {warm_loads[-1]['p95_ms']}, {warm_loads[-1]['requests_per_s']:.0f}/s")
            cpu_before = {s.name: group_cpu_s(s.process.pid) for s in (jixiao, bare)}
            database_before = named_cpu_s("postgres")
            processes_before, ticks = processes_cpu_s(jixiao.process.pid), machine_cpu_ticks()
            began, client_began = time.perf_counter(), time.process_time()
            results = run_clients(
                load(preparers[: args.clients], jixiao.url, bare.url, args.rounds, None, stagger)
            )
            elapsed = time.perf_counter() - began
            client_cpu = time.process_time() - client_began
            load_after = os.getloadavg()
            cores = during(jixiao.process.pid, processes_before, ticks)
            cpu_used = {
                s.name: group_cpu_s(s.process.pid) - cpu_before[s.name] for s in (jixiao, bare)
            }
            database_cpu = named_cpu_s("postgres") - database_before
            say("the harness floor: the same clients and rounds, every request to the bare app ...")
            client_began = time.process_time()
            harness = run_clients(
                load(preparers[: args.clients], None, bare.url, args.rounds, None, stagger)
            )
            harness_client_cpu = time.process_time() - client_began
            sizes = {
                kind: sorted(found)[len(found) // 2]
                for kind, found in results.sizes.items()
                if found
            }
            ladder = []
            for ms in rungs:
                say(
                    f"the ladder: every kind a stand-in spending {ms:g} ms of CPU, "
                    "as many bytes ..."
                )
                stand_in = StandIn(ms, sizes)
                clients = preparers[: args.clients]
                rung = run_clients(load(clients, None, bare.url, args.rounds, stand_in, stagger))
                ladder.append((ms, rung))
            alone = {}
            if args.alone:
                say(f"served alone: {args.alone} of each kind, one at a time ...")
                alone = run_clients(served_alone(preparers[-1], jixiao, bare, args.alone))
        finally:
            jixiao.stop()
            bare.stop()
    finally:
        schema.close()

    measured = {kind: figures(values) for kind, values in results.latencies.items() if values}
    floor = measured["floor"]["p95_ms"]
    ratios = over(measured, floor)
    harness_requests = sum(len(values) for values in harness.latencies.values())
    harness_floor = {
        "all": figures([ms for values in harness.latencies.values() for ms in values]),
        # Per place in the round: what the kind sent there in the real load would see at best.
        "by_place": {kind: figures(values) for kind, values in harness.latencies.items()},
        "requests_per_s": harness.per_second(),
        "clients_cpu_ms_per_request": round(
            harness_client_cpu * 1000 / (harness_requests + harness.untimed), 2
        ),
        "errors": len(harness.errors),
    }
    harness_p95 = harness_floor["all"]["p95_ms"]
    harness_ratios = over(measured, harness_p95)
    met = {kind: measured[kind]["p95_ms"] <= target for kind, target in TARGETS.items()}
    requests = sum(f["n"] for f in measured.values())
    served = requests - measured["floor"]["n"] + results.untimed
    cpu_per_request = {
        "jixiao": round(cpu_used["jixiao"] * 1000 / served, 2),
        "floor": round(cpu_used["bare"] * 1000 / measured["floor"]["n"], 2),
        # The clients' own process (httpx, asyncio), over every request it sent to both.
        "clients": round(client_cpu * 1000 / (requests + results.untimed), 2),
    }
    if args.backend == "postgres":
        # The PostgreSQL server's backends, which answer jixiao's connections alone here.
        cpu_per_request["database"] = round(database_cpu * 1000 / served, 2)
    for kind in KINDS:
        f = measured[kind]
        if kind in TARGETS:
            shown = f" (target {TARGETS[kind]:g} ms: {'met' if met[kind] else 'MISSED'})"
        else:
            shown = " (the floor)"
        ratio_text = (
            f", p95/floor {ratios[kind]}, p95/harness floor {harness_ratios[kind]}"
            if kind in ratios
            else ""
        )
        say(
            f"{kind:>13}: p50 {f['p50_ms']:7.1f} ms  p95 {f['p95_ms']:7.1f} ms  "
            f"p99 {f['p99_ms']:7.1f} ms  max {f['max_ms']:7.1f} ms{ratio_text}{shown}"
        )
    say(
        f"{requests} requests in {elapsed:.1f} s ({results.per_second():.0f}/s timed), "
        f"{len(results.errors)} error(s); load average {load_before[0]:.1f} → {load_after[0]:.1f}"
    )
    say(
        f"harness floor (every request of the rounds to the bare app): p50 "
        f"{harness_floor['all']['p50_ms']} ms  p95 {harness_p95} ms  "
        f"p99 {harness_floor['all']['p99_ms']} ms, {harness_floor['requests_per_s']:.0f}/s, "
        f"the clients' process {harness_floor['clients_cpu_ms_per_request']} ms CPU a request, "
        f"{len(harness.errors)} error(s)"
    )
    say(
        f"CPU per request under load: jixiao {cpu_per_request['jixiao']} ms, "
        f"floor {cpu_per_request['floor']} ms, the clients' process {cpu_per_request['clients']} ms"
        + (
            f", PostgreSQL {cpu_per_request['database']} ms"
            if "database" in cpu_per_request
            else ""
        )
    )
    say(
        "during the load (sign-ins and warm-ups included): the cores "
        f"{cores['idle_share']:.0%} idle, jixiao's processes "
        f"{', '.join(f'{seconds:.2f}' for seconds in cores['server_processes_cpu_s'])} s of CPU"
    )
    for name, f in alone.items():
        say(
            f"served alone {name:>13}: CPU {f['cpu_ms_per_request']:6.2f} ms/request, "
            f"wall {f['wall_ms_per_request']:6.2f} ms/request"
        )
    rungs_found = []
    for ms, rung in ladder:
        p95 = {kind: figures(rung.latencies[kind])["p95_ms"] for kind in TARGETS}
        rung_met = all(p95[kind] <= target for kind, target in TARGETS.items())
        rungs_found.append(
            {
                "cpu_ms": ms,
                "p95_ms": p95,
                "targets_met": rung_met,
                "requests_per_s": rung.per_second(),
                "errors": len(rung.errors),
            }
        )
        say(
            f"ladder {ms:4g} ms of CPU a request: p95 "
            + " / ".join(f"{p95[kind]:.1f}" for kind in TARGETS)
            + f" ms ({' / '.join(TARGETS)}), {rung.per_second():.0f}/s, targets "
            + ("met" if rung_met else "missed")
        )
    meeting = [r["cpu_ms"] for r in rungs_found if r["targets_met"]]
    budget = max(meeting) if meeting else None
    if ladder:
        say(
            "the largest rung meeting every target: "
            + (f"{budget:g} ms of CPU a request" if budget is not None else "none")
            + f" (answers of {', '.join(f'{k} {v:,} bytes' for k, v in sizes.items())})"
        )
    errors = results.errors + harness.errors + [e for _, rung in ladder for e in rung.errors]
    for problem in errors[:5]:
        warn(f"error: {problem}")
    emit_json(
        {
            "bench": "web",
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "backend": args.backend,
            "departments": args.departments,
            "clients": args.clients,
            "rounds": args.rounds,
            "stagger_ms": stagger,
            "server_workers": args.workers,
            "quick": args.quick,
            "warm_loads": warm_loads,
            "tokens": (
                "hashed as production's (HMAC-SHA-256); the server checks a token once per "
                "process and remembers it"
            ),
            "build_s": round(built, 1),
            "elapsed_s": round(elapsed, 1),
            "requests": requests,
            "requests_per_s": results.per_second(),
            "figures": measured,
            "floor_p95_ms": floor,
            "p95_over_floor": ratios,
            "harness_floor": harness_floor,
            "harness_floor_p95_ms": harness_p95,
            "p95_over_harness_floor": harness_ratios,
            "targets_p95_ms": TARGETS,
            "targets_met": met,
            "errors": len(errors),
            "error_samples": errors[:5],
            "cpu_ms_per_request_under_load": cpu_per_request,
            "during_load": cores,
            "answer_bytes": sizes,
            "ladder": rungs_found,
            "ladder_budget_cpu_ms": budget,
            "served_alone": alone,
            "load_average": {"before": load_before, "after": load_after},
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    main()
