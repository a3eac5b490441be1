"""Projections on a synthetic city-scale year, beside the raw driver and ``eventsourcing``.

Run from the repository root::

    python bench/projections.py                    # 300 departments x ~1,000 events, both backends
    python bench/projections.py --departments 30   # a tenth of the city
    python bench/projections.py --backend sqlite   # SQLite only
    python bench/projections.py --scale            # per-event costs at 10^4, 10^5, 10^6 events

The year is generated with the real domain: every event comes from
``workflow.decisions.decide`` on the report's folded state and is appended through
:class:`events.EventStore` (a working session of one user per append, a snapshot every
50 events as the service writes them). Each department enters the seed report (姑苏区红十字会
2021), corrects figures, indicator actuals and narrative over many sessions spread from
January to June, goes through submissions, returns, approvals, sign-off, rendering and
publication; one in five is reopened and reviewed again. One more department has a
5,000-event stream for the as-of figures. The generated SQLite file is cached (``--cache``)
and copied for each run, since generating is not what is measured; for PostgreSQL it is
copied into a fresh schema.

Figures, on SQLite and on PostgreSQL, rebuild, floor, ``eventsourcing`` and raw interleaved
round by round:

* ``rebuild``: every projection emptied and rebuilt from the whole log, each event checked
  against the chain: events/s;
* ``raw``: the same rows read and ``json.loads``-ed with the bare driver: the ceiling;
* ``floor``: that read plus inserting the audit trail's rows (one per event, copied from
  the rebuild's own table) with the bare driver: the database's share of a rebuild, an
  upper bound on its rate;
* ``eventsourcing``: the library replaying as many events from its notification log into
  its aggregates (``mutate``), the projection it can do without our code;
* ``catch_up``: append one command, then apply it: milliseconds until the projections show
  it, with the fold cache warm (a running projector) and cold (a fresh one);
* ``as_of`` and ``diff`` on the 5,000-event stream, at random positions and times: p50/p95 ms.

The last line printed is one JSON object with every figure and the goals.
"""

# ruff: noqa: E402 -- the package imports must follow the sys.path fix below.
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

# ``python bench/projections.py`` puts bench/ first on sys.path, where this very file and its
# neighbours would shadow the ``projections``, ``cli`` and ``imports`` packages: bench/ is
# taken off the path and the repository root (for ``bench._common`` and the tests' seed
# report, tests/seed.py) put on it.
_BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]
if str(_BENCH.parent) not in sys.path:
    sys.path.insert(0, str(_BENCH.parent))

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench._common import (
    default_pg_url,
    emit_json,
    libpq_url,
    machine,
    pg_conninfo,
    pg_reachable,
    pg_schemas,
    pg_url_with_schema,
    ratio,
    rounded,
    say,
    warn,
)
from events import EventStore, Metadata
from events.protocol import Snapshot
from events.registry import default_registry
from events.rows import aware_utc, decode_rows
from events.verify import check_run
from projections.audit_trail import audit_trail_table
from projections.history import report_as_of, report_diff
from projections.migrations import open_store
from projections.partitioned import rebuild_in_shares
from projections.registry import projection_runner
from projections.report_state import report_row
from projections.runner import REBUILD_BATCH, REBUILD_CHUNK, collector_paused
from tests.seed import INDICATORS, SECTIONS, seed_commands
from workflow.administration import (
    DepartmentState,
    FiscalYearState,
    GrantRole,
    OpenFiscalYear,
    RegisterDepartment,
    RegisterUser,
)
from workflow.artifacts import Artifact
from workflow.commands import (
    ApproveReport,
    CancelAdjustment,
    EditNarrative,
    PublishReport,
    RecordActualSpending,
    RecordAdjustment,
    RecordIndicatorActual,
    RecordRendering,
    ReopenReport,
    ReportCommand,
    ReturnReport,
    SetInitialBudget,
    SignOffReport,
    SubmitReport,
)
from workflow.decisions import Context, decision
from workflow.report import SNAPSHOT_KIND, SNAPSHOT_SCHEMA, ReportState
from workflow.roles import SYSTEM_ACTOR, Actor, Grant, Role
from workflow.schemes import load_scheme
from workflow.service import (
    SNAPSHOT_EVERY,
    Credentials,
    bootstrap,
    execute,
    load_report_stream,
)
from workflow.stages import Stage
from workflow.streams import report_stream_id
from workflow.targets import MeasureKind
from workflow.tokens import KdfParams

#: Bumped whenever the generated log changes, so a stale cache is not reused (the cache
#: name also carries the snapshot schema, since snapshots of an older one are ignored).
GENERATOR_VERSION = 1
YEAR = 2021
DEADLINE = date(2022, 6, 30)
SEASON_START = datetime(2022, 1, 4, 8, 30, tzinfo=UTC)
FAST_KDF = KdfParams(n=16, r=1, p=1)
LONG_STREAM = "long"
FINANCE_USERS = ("fin.chen", "fin.liu", "fin.zhou")
NAMES = ("红十字会", "教育局", "卫生健康委", "民政局", "文化旅游局", "体育局", "残联", "妇联")
ARTIFACTS = (Artifact(path="r.html", size=1, sha256="0" * 64, format="html", template_version="1"),)
Builder = Callable[[ReportState], ReportCommand]
Session = tuple[Actor, list[Builder]]


# -- generating the year --------------------------------------------------------------


class Clock:
    """The simulated time the store stamps on appends."""

    def __init__(self) -> None:
        self.now = SEASON_START

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Department:
    """One department's report as the generator drives it."""

    code: str
    name: str
    target_events: int
    rng: random.Random
    preparer: Actor
    head: Actor
    state: ReportState = field(default_factory=ReportState)
    version: int = 0
    drafts: int = 0

    @property
    def stream(self) -> str:
        return report_stream_id(self.code, YEAR)

    def key(self) -> dict[str, Any]:
        return {"department": self.code, "year": YEAR}

    # -- edits, each a few commands that keep the table consistent -------------------

    def _amount_edit(self, command: type[SetInitialBudget | RecordActualSpending]) -> list[Builder]:
        field_name = "initial" if command is SetInitialBudget else "actual"
        table = self.state.table()
        leaf = self.rng.choice([line for line in self.state.lines if not table.children(line.id)])
        step = Decimal(self.rng.randint(1, 150)) / 100
        lower = self.rng.random() < 0.5
        chain = [leaf.id, *table.ancestors(leaf.id)]
        # The leaf's builder picks the change from the figure it finds (an earlier edit of the
        # session may have moved it); its parents then move by the same amount.
        delta: list[Decimal] = []

        def build(line_id: str) -> Builder:
            def make(state: ReportState) -> ReportCommand:
                line = state.table().get(line_id)
                assert line is not None
                current = getattr(line, field_name).value
                if not delta:
                    delta.append(-step if lower and current > step else step)
                return command(**self.key(), line=line_id, amount=str(current + delta[0]))

            return make

        return [build(line_id) for line_id in chain]

    def _indicator_edit(self) -> list[Builder]:
        seed = self.rng.choice(INDICATORS)
        indicator = self.state.indicator(seed.id)
        assert indicator is not None and indicator.actual is not None
        actual = indicator.actual
        if actual.raw != seed.actual or actual.kind is MeasureKind.NOT_APPLICABLE:
            typed, reason = seed.actual, seed.deviation
        elif actual.kind is MeasureKind.GRADE:
            typed, reason = "基本" + (actual.grade or ""), "部分制度待完善"
        else:
            assert actual.value is not None
            changed = (actual.value * Decimal(self.rng.randint(80, 99)) / 100).quantize(
                Decimal("0.1")
            )
            gap = "" if actual.unit == "%" else " "
            typed, reason = f"{changed}{gap}{actual.unit}", "数据待核实"
        return [
            lambda state: RecordIndicatorActual(
                **self.key(), indicator=seed.id, actual=typed, deviation_reason=reason
            )
        ]

    def _narrative_edit(self) -> list[Builder]:
        section = self.rng.choice(SECTIONS)
        self.drafts += 1
        text = f"{section.text}（第{self.drafts}稿）"
        return [
            lambda state: EditNarrative(
                **self.key(), section=section.id, title=section.title, text=text,
                figures=section.figures,
            )
        ]  # fmt: skip

    def _adjustment_pair(self) -> list[Builder]:
        table = self.state.table()
        leaf = self.rng.choice([line for line in self.state.lines if not table.children(line.id)])

        def cancel(state: ReportState) -> ReportCommand:
            line = state.table().get(leaf.id)
            assert line is not None
            return CancelAdjustment(
                **self.key(), line=leaf.id, adjustment=line.adjustments[-1].id, reason="重复录入"
            )

        return [
            lambda state: RecordAdjustment(
                **self.key(), line=leaf.id, amount="0.5", kind="in_year", reason="年中追加"
            ),
            cancel,
        ]

    def edit_session(self, commands: int) -> list[Builder]:
        """A sitting of the preparer: ``commands`` corrections of figures and text."""
        builders: list[Builder] = []
        while len(builders) < commands:
            pick = self.rng.random()
            if pick < 0.3:
                builders += self._amount_edit(SetInitialBudget)
            elif pick < 0.55:
                builders += self._amount_edit(RecordActualSpending)
            elif pick < 0.85:
                builders += self._indicator_edit()
            elif pick < 0.95:
                builders += self._narrative_edit()
            else:
                builders += self._adjustment_pair()
        return builders

    # -- the year's script -------------------------------------------------------------

    def script(self, finance: list[Actor]) -> Iterator[Session]:
        """The department's sessions in order; the caller appends each one."""
        commands = seed_commands(self.code, YEAR)
        while commands:
            size = self.rng.randint(15, 40)
            chunk, commands = commands[:size], commands[size:]
            yield self.preparer, [lambda state, c=chunk_command: c for chunk_command in chunk]
        revisions = 2 if self.rng.random() < 0.2 else 1
        per_revision = max(self.target_events - self.version, 0) // revisions
        for revision in range(revisions):
            if revision:
                yield (
                    self.rng.choice(finance),
                    [lambda s: ReopenReport(**self.key(), reason="审计发现问题")],
                )
            yield from self._revision(per_revision, finance)

    def _revision(self, budget: int, finance: list[Actor]) -> Iterator[Session]:
        start = self.version
        reviewer = self.rng.choice(finance)
        while True:
            more = budget - (self.version - start) > 60
            if more:
                yield self.preparer, self.edit_session(self.rng.randint(10, 40))
                if self.rng.random() > 0.25:
                    continue
            yield self.preparer, [lambda s: SubmitReport(**self.key())]
            if more:  # work is left: a reviewer sends the report back
                if self.rng.random() < 0.6:
                    yield self.head, [self._return("请核对预算调整数", "line:total")]
                else:
                    yield self.head, [lambda s: ApproveReport(**self.key(), comment="同意")]
                    yield reviewer, [self._return("偏差原因不充分", "indicator:m03")]
                continue
            yield self.head, [lambda s: ApproveReport(**self.key(), comment="同意")]
            yield reviewer, [lambda s: ApproveReport(**self.key())]
            break
        yield self.head, [lambda s: SignOffReport(**self.key())]
        yield self.rng.choice(finance), [lambda s: SignOffReport(**self.key())]
        yield (
            SYSTEM_ACTOR,
            [lambda s: RecordRendering(**self.key(), revision=s.revision, artifacts=ARTIFACTS)],
        )
        yield self.head, [lambda s: PublishReport(**self.key(), channel="区政府网")]

    def _return(self, comment: str, item: str) -> Builder:
        return lambda s: ReturnReport(**self.key(), comment=comment, items=(item,))


def _user(store: EventStore, admin: Credentials, user_id: str, role: Role, scope: str) -> Actor:
    execute(store, admin, RegisterUser(user_id=user_id, name=user_id))
    execute(store, admin, GrantRole(user_id=user_id, role=role, department=scope))
    return Actor(user_id=user_id, grants=(Grant(role=role, department=scope),))


def generate(path: Path, departments: int, events_each: int, long_stream: int) -> int:
    """Write the synthetic year to a fresh SQLite file at ``path``; return the event count."""
    clock = Clock()
    store = open_store(f"sqlite:///{path}", create=True, clock=clock)
    admin = Credentials("admin", bootstrap(store, user_id="admin", name="管理员", kdf=FAST_KDF))
    scheme = load_scheme("default")
    execute(store, admin, OpenFiscalYear(year=YEAR, scheme=scheme.id, deadline=DEADLINE))
    fiscal_year = FiscalYearState(year=YEAR, scheme=scheme, deadline=DEADLINE, opened=True)
    finance = [_user(store, admin, u, Role.FINANCE_REVIEWER, "*") for u in FINANCE_USERS]
    _user(store, admin, "audit.wu", Role.AUDITOR, "*")
    rng = random.Random(2021)
    city: list[Department] = []
    for index in range(departments + 1):
        code = LONG_STREAM if index == departments else f"d{index:03d}"
        name = f"第{index + 1}{NAMES[index % len(NAMES)]}"
        execute(store, admin, RegisterDepartment(code=code, name=name))
        preparer = _user(store, admin, f"prep.{code}", Role.PREPARER, code)
        head = _user(store, admin, f"head.{code}", Role.DEPARTMENT_HEAD, code)
        target = long_stream if code == LONG_STREAM else events_each
        city.append(Department(code, name, target, random.Random(index), preparer, head))
    scripts = {dept.code: (dept, dept.script(finance)) for dept in city}
    started = time.perf_counter()
    appended = 0
    while scripts:
        code = rng.choice(list(scripts))
        dept, script = scripts[code]
        try:
            actor, builders = next(script)
        except StopIteration:
            del scripts[code]
            continue
        clock.now += timedelta(minutes=rng.randint(1, 40))
        appended += _append_session(store, dept, actor, builders, clock.now, fiscal_year)
        if appended // 20000 != (appended - len(builders)) // 20000:
            say(f"  generated {appended:,} report events ({time.perf_counter() - started:.0f}s)")
    head = store.head_position()
    store.engine.dispose()
    return head


def _append_session(
    store: EventStore,
    dept: Department,
    actor: Actor,
    builders: list[Builder],
    now: datetime,
    fiscal_year: FiscalYearState,
) -> int:
    context = Context(
        now=now,
        department=DepartmentState(code=dept.code, name=dept.name, registered=True),
        fiscal_year=fiscal_year,
    )
    state, events, role = dept.state, [], None
    for build in builders:
        command = build(state)
        decided = decision(state, command, actor, context)
        role, state = decided.role, decided.state
        events += decided.events
    if not events:
        return 0
    version = dept.version + len(events)
    snapshot = None
    if version // SNAPSHOT_EVERY > dept.version // SNAPSHOT_EVERY:
        snapshot = Snapshot(
            dept.stream, version, SNAPSHOT_KIND, SNAPSHOT_SCHEMA, state.to_snapshot()
        )
    store.append(
        dept.stream,
        dept.version,
        events,
        metadata=Metadata(actor=actor.user_id, role=str(role)),
        snapshot=snapshot,
    )
    dept.state, dept.version = state, version
    return len(events)


def cached_year(cache: Path, departments: int, events_each: int, long_stream: int) -> Path:
    """The generated year's SQLite file for these settings, generating it on first use."""
    version = f"v{GENERATOR_VERSION}-s{SNAPSHOT_SCHEMA}"
    name = f"year-{version}-{departments}x{events_each}-long{long_stream}.db"
    path = cache / name
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        partial = cache / f"{name}.partial"
        for stale in cache.glob(f"{name}.partial*"):
            stale.unlink()
        say(f"generating {departments} departments x ~{events_each} events into {path} ...")
        started = time.perf_counter()
        count = generate(partial, departments, events_each, long_stream)
        with sqlite3.connect(partial) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        partial.rename(path)
        say(f"generated {count:,} events in {time.perf_counter() - started:.0f}s")
    return path


# -- measuring ------------------------------------------------------------------------


def percentiles(samples: list[float]) -> dict[str, float | None]:
    """p50 and p95 of ``samples`` (seconds) in milliseconds."""
    cuts = statistics.quantiles(samples, n=20, method="inclusive")
    return {
        "p50_ms": rounded(statistics.median(samples) * 1000),
        "p95_ms": rounded(cuts[18] * 1000),
        "samples": len(samples),
    }


#: The processes of the rebuild in shares: one a core.
SHARES = max(os.cpu_count() or 1, 2)

#: The rebuild's goal: at least this share of the floor's rate (and ahead of ``eventsourcing``).
GOAL_OF_FLOOR = 0.7

#: The log in position order, a chunk at a time, as the store reads it.
_READ_EVENTS = (
    "SELECT position, stream_id, version, event_id, event_type, schema_version, payload, "
    "actor, role, recorded_at, correlation_id, causation_id, prev_hash, hash FROM events "
    "WHERE position > ? ORDER BY position LIMIT ?"
)


#: What a floor does with each chunk of rows it reads, given the hash of the row before it.
Take = Callable[[list[Any], "str | None"], None]


def _loads(rows: list[Any], _previous: str | None) -> None:
    """Each payload json-decoded: the least any replay does with a row."""
    loads = json.loads
    for row in rows:
        loads(row[6])


def _checked(rows: list[Any], previous: str | None) -> None:
    """What a rebuild does with each chunk it reads before it folds it: every row checked
    against the chain (the hash of the row before the chunk is ``previous``) and its payload
    decoded into the typed event, as ``EventStore.read_all_verified`` does."""
    check_run(rows, rows[0][0] - 1, previous, aware_utc)
    decode_rows(default_registry, rows)


def _read_log(
    fetch: Callable[[int], list[Any]],
    take: Callable[[list[Any], str | None], None] = _loads,
) -> dict[str, Any]:
    """Read the whole log with ``fetch(after)`` (rows after a position), handing each chunk
    to ``take`` with the stored hash of the row before it; timed."""
    started = time.perf_counter()
    count = after = 0
    previous = None
    while rows := fetch(after):
        take(rows, previous)
        count += len(rows)
        after, previous = rows[-1][0], rows[-1][13]
    seconds = time.perf_counter() - started
    return {"events": count, "seconds": round(seconds, 2), "events_per_s": rounded(count / seconds)}


def _inserting(
    fetch: Callable[[int], list[Any]],
    insert: Callable[[list[Any]], Any],
    by_position: dict[int, Any],
) -> Callable[[int], list[Any]]:
    """``fetch``, inserting the audit rows of each chunk of events it reads."""

    def fetched(after: int) -> list[Any]:
        rows = fetch(after)
        insert([by_position[row[0]] for row in rows if row[0] in by_position])
        return rows

    return fetched


def measure_raw(path: Path, batch: int) -> dict[str, Any]:
    """Reading and json-decoding every row with plain sqlite3: the ceiling for any replay."""
    connection = sqlite3.connect(path)
    result = _read_log(lambda after: connection.execute(_READ_EVENTS, (after, batch)).fetchall())
    connection.close()
    return result


def measure_floor(path: Path, batch: int, take: Take = _loads) -> dict[str, Any]:
    """The database's own share of a rebuild, with plain sqlite3 and nothing computed
    (with ``take=_checked``, the checked floor: see :func:`checked`).

    The audit trail rows the rebuild just wrote are loaded first (untimed); the timed part
    reads and json-decodes the log in ``batch``-event chunks and inserts each chunk's
    audit rows into an empty copy of ``pj_audit_trail``, all in one transaction at the
    store's durability, then builds the table's indexes, as a rebuild does. The other
    projections write a row per report, not per event, and are left out: the result is
    an upper bound on any rebuild's rate on this machine.
    """
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    table = audit_trail_table.name
    ((ddl,),) = connection.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchall()
    indexes = [
        sql
        for (sql,) in connection.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL",
            (table,),
        ).fetchall()
    ]
    audit = connection.execute(f"SELECT * FROM {table} ORDER BY position").fetchall()
    by_position = {row[0]: row for row in audit}
    copy = "bench_floor_audit_trail"
    connection.execute(f"DROP TABLE IF EXISTS {copy}")
    connection.execute(ddl.replace(table, copy, 1))
    insert = f"INSERT INTO {copy} VALUES ({', '.join('?' * len(audit[0]))})"
    started = time.perf_counter()
    connection.execute("BEGIN IMMEDIATE")
    count = _read_log(
        _inserting(
            lambda after: connection.execute(_READ_EVENTS, (after, batch)).fetchall(),
            lambda rows: connection.executemany(insert, rows),
            by_position,
        ),
        take,
    )["events"]
    connection.execute("COMMIT")
    inserted = time.perf_counter()
    for sql in indexes:
        connection.execute(sql.replace(table, copy))
    seconds = time.perf_counter() - started
    connection.execute(f"DROP TABLE {copy}")
    connection.close()
    return {
        "events": count,
        "audit_rows": len(audit),
        "seconds": round(seconds, 2),
        "index_seconds": round(started + seconds - inserted, 2),
        "events_per_s": rounded(count / seconds),
    }


def checked(floor: Callable[..., dict[str, Any]], *where: Any) -> dict[str, Any]:
    """The checked floor: ``floor`` (:func:`measure_floor` or :func:`measure_floor_postgres`)
    with each chunk checked against the chain and decoded into typed events instead of
    json-decoded, the collector paused as the rebuild's batches pause it. What any rebuild
    that keeps its checks pays before the domain's own work (folding, describing each change,
    the report rows): the rebuild's time less this is the domain's."""
    with collector_paused():
        return floor(*where, take=_checked)


def reach(result: dict[str, Any]) -> dict[str, Any]:
    """What the rebuild goal leaves for the domain's own work, from the best rounds: the goal's
    time (0.7 of the floor's rate, and no slower than ``eventsourcing``'s replay), less the
    checked floor's, per event; beside what the rebuild spends on it now."""
    events = result["rebuild"]["events"]
    goal = result["floor"]["seconds"] / GOAL_OF_FLOOR
    if "eventsourcing" in result:
        goal = min(
            goal, result["eventsourcing"]["seconds"] * events / result["eventsourcing"]["events"]
        )
    checked_s = result["checked_floor"]["seconds"]
    return {
        "goal_seconds": round(goal, 2),
        "checked_floor_seconds": checked_s,
        "checked_floor_of_goal": round(checked_s / goal, 2),
        "domain_us_per_event_left": round((goal - checked_s) / events * 1e6, 1),
        "domain_us_per_event_now": round(
            (result["rebuild"]["seconds"] - checked_s) / events * 1e6, 1
        ),
    }


def copy_year_to_postgres(path: Path, url: str) -> EventStore:
    """The generated year in a fresh PostgreSQL schema (untimed): the schema made by the
    migrations, then the log's rows, the snapshots and the log head copied (``COPY``)."""
    import psycopg

    store = open_store(url, create=True)
    source = sqlite3.connect(path)
    with psycopg.connect(libpq_url(url)) as target:
        for table in ("events", "snapshots"):
            columns = ", ".join(row[1] for row in source.execute(f"PRAGMA table_info({table})"))
            with target.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in source.execute(f"SELECT {columns} FROM {table} ORDER BY 1, 2"):
                    copy.write_row(row)
        ((position, digest),) = source.execute("SELECT position, hash FROM event_log_head")
        target.execute("UPDATE event_log_head SET position = %s, hash = %s", (position, digest))
        target.execute("ANALYZE")
    source.close()
    return store


def measure_floor_postgres(url: str, batch: int, take: Take = _loads) -> dict[str, Any]:
    """The database's share of a rebuild on PostgreSQL, with plain psycopg and nothing
    computed: read and json-decode the log in ``batch``-event chunks and insert each
    chunk's audit rows (the rebuild's own, loaded untimed) with one ``COPY``, as the
    rebuild writes them (docs/decisions/0220), into an empty copy of ``pj_audit_trail``
    with its indexes (a rebuild keeps them: docs/decisions/0006), in one transaction at
    the server's durability. With ``take=_checked``, the checked floor (:func:`checked`)."""
    import psycopg

    table, copy = audit_trail_table.name, "bench_floor_audit_trail"
    with psycopg.connect(libpq_url(url)) as connection:
        audit = connection.execute(f"SELECT * FROM {table} ORDER BY position").fetchall()
        by_position = {row[0]: row for row in audit}
        connection.execute(f"DROP TABLE IF EXISTS {copy}")
        connection.execute(f"CREATE TABLE {copy} (LIKE {table} INCLUDING ALL)")
        connection.commit()
        read = _READ_EVENTS.replace("?", "%s")
        started = time.perf_counter()
        with connection.cursor() as cursor:

            def insert(rows: list[Any]) -> None:
                with cursor.copy(f"COPY {copy} FROM STDIN") as stream:
                    for row in rows:
                        stream.write_row(row)

            count = _read_log(
                _inserting(
                    lambda after: connection.execute(read, (after, batch)).fetchall(),
                    insert,
                    by_position,
                ),
                take,
            )["events"]
        connection.commit()
        seconds = time.perf_counter() - started
        connection.execute(f"DROP TABLE {copy}")
        connection.commit()
    return {
        "events": count,
        "audit_rows": len(audit),
        "seconds": round(seconds, 2),
        "events_per_s": rounded(count / seconds),
    }


def measure_raw_postgres(url: str, batch: int) -> dict[str, Any]:
    """Reading and json-decoding every row with plain psycopg: the ceiling for any replay."""
    import psycopg

    read = _READ_EVENTS.replace("?", "%s")
    with psycopg.connect(libpq_url(url)) as connection:
        return _read_log(lambda after: connection.execute(read, (after, batch)).fetchall())


def rebuild_once(runner: Any, *, shares: bool = False) -> dict[str, Any]:
    """Empty every projection and rebuild it from the whole log, timed; with ``shares``, in
    as many processes as the machine has cores (``jixiao projections rebuild --workers``)."""
    started = time.perf_counter()
    count = rebuild_in_shares(runner, SHARES) if shares else runner.rebuild()
    seconds = time.perf_counter() - started
    return {"events": count, "seconds": round(seconds, 2), "events_per_s": rounded(count / seconds)}


class EsFigures(Aggregate):
    """The ``eventsourcing`` aggregate for the comparison: a report whose figures are set."""

    @event("Opened")
    def __init__(self, department: str, year: int) -> None:
        self.figures: dict[str, str] = {}

    @event("FigureSet")
    def set_figure(self, line: str, amount: Decimal, raw: str) -> None:
        self.figures[line] = raw


def fill_eventsourcing(env: dict[str, str], events: int, streams: int) -> None:
    """Save ``events`` events of ``streams`` aggregates through the library (untimed)."""
    app = Application(env=env)
    per_stream = max(events // streams, 1)
    for index in range(streams):
        aggregate = EsFigures(department=f"d{index:03d}", year=YEAR)
        for step in range(per_stream - 1):
            amount = Decimal(step % 300) + Decimal("0.09")
            aggregate.set_figure(line=f"line-{step % 12}", amount=amount, raw=str(amount))
            if step % 500 == 499:
                app.save(aggregate)
        app.save(aggregate)
    app.close()


def sqlite_eventsourcing(workdir: Path, cache: Path, events: int, streams: int) -> dict[str, str]:
    """The library's SQLite file of ``events`` events, generated once into the cache and
    copied into ``workdir``: its settings."""
    path = cache / f"eventsourcing-{events}x{streams}.db"
    if not path.exists():
        partial = cache / f"{path.name}.partial"
        partial.unlink(missing_ok=True)
        fill_eventsourcing({"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                            "SQLITE_DBNAME": str(partial)}, events, streams)  # fmt: skip
        partial.rename(path)
    copy = workdir / path.name
    shutil.copy(path, copy)
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(copy)}


def postgres_eventsourcing(url: str, schema: str, events: int, streams: int) -> dict[str, str]:
    """The library's events written into ``schema`` on the server (untimed): its settings."""
    info = pg_conninfo(url)
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": info.get("dbname", "postgres"),
        "POSTGRES_HOST": info.get("host", "127.0.0.1"),
        "POSTGRES_PORT": info.get("port", "5432"),
        "POSTGRES_USER": info.get("user", "postgres"),
        "POSTGRES_PASSWORD": info.get("password", ""),
        "POSTGRES_SCHEMA": schema,
    }
    fill_eventsourcing(env, events, streams)
    return env


def measure_eventsourcing(env: dict[str, str]) -> dict[str, Any]:
    """The library replaying its whole notification log into aggregates (``mutate``)."""
    app = Application(env=env)
    recorder, to_domain_event = app.recorder, app.mapper.to_domain_event
    started = time.perf_counter()
    aggregates: dict[Any, Any] = {}
    count = after = 0
    while notifications := recorder.select_notifications(
        start=after, limit=5000, inclusive_of_start=False
    ):
        for notification in notifications:
            domain_event = to_domain_event(notification)
            aggregates[domain_event.originator_id] = domain_event.mutate(
                aggregates.get(domain_event.originator_id)
            )
        count += len(notifications)
        after = notifications[-1].id
    seconds = time.perf_counter() - started
    app.close()
    from importlib.metadata import version

    return {
        "version": version("eventsourcing"),
        "events": count,
        "aggregates": len(aggregates),
        "seconds": round(seconds, 2),
        "events_per_s": rounded(count / seconds),
    }


def _next_command(store: EventStore, code: str, rng: random.Random) -> tuple[Actor, ReportCommand]:
    loaded = load_report_stream(store, report_stream_id(code, YEAR))
    key = {"department": code, "year": YEAR}
    if loaded.state.stage is not Stage.DRAFT:
        finance = Actor(user_id=FINANCE_USERS[0],
                        grants=(Grant(role=Role.FINANCE_REVIEWER, department="*"),))  # fmt: skip
        return finance, ReopenReport(**key, reason="复核")
    preparer = Actor(user_id=f"prep.{code}", grants=(Grant(role=Role.PREPARER, department=code),))
    section = rng.choice(SECTIONS)
    text = f"{section.text}（复核 {rng.randrange(10**6)}）"
    command = EditNarrative(**key, section=section.id, title=section.title, text=text,
                            figures=section.figures)  # fmt: skip
    return preparer, command


def _append(store: EventStore, code: str, actor: Actor, command: ReportCommand) -> int:
    stream = report_stream_id(code, YEAR)
    loaded = load_report_stream(store, stream)
    context = Context(now=datetime.now(UTC))
    decided = decision(loaded.state, command, actor, context)
    metadata = Metadata(actor=actor.user_id, role=str(decided.role))
    recorded = store.append(stream, loaded.version, decided.events, metadata=metadata)
    return recorded[-1].position


def measure_catch_up(
    store: EventStore, codes: list[str], warm: int, cold: int, runner: Any = None
) -> dict[str, Any]:
    """Append one command, then apply it: time until the report's row shows its position.

    Warm: a running projector (its fold cache holds the reports) and a process that has
    loaded the report before (the command starts from the state it folded,
    ``workflow.service.folded``). Cold: a fresh runner per command, loading the report
    from the store's snapshot as a restarted projector would. ``append`` is the command
    alone (load, decide, append), ``apply`` the part after it.
    """
    rng = random.Random(7)
    if runner is None:
        runner = projection_runner(store)
        runner.setup()
    runner.catch_up()

    def one(current: Any) -> tuple[float, float, float]:
        code = rng.choice(codes)
        actor, command = _next_command(store, code, rng)
        started = time.perf_counter()
        position = _append(store, code, actor, command)
        appended = time.perf_counter()
        current.run_batch()
        row = report_row(store.engine, code, YEAR)
        assert row is not None and row.position == position, (row, position)
        done = time.perf_counter()
        return done - started, done - appended, appended - started

    warm_runs = [one(runner) for _ in range(warm)]
    cold_runs = []
    for _ in range(cold):
        fresh = projection_runner(store)
        cold_runs.append(one(fresh))

    def figures(runs: list[tuple[float, float, float]]) -> dict[str, Any]:
        return {**percentiles([t for t, _, _ in runs]),
                "apply": percentiles([a for _, a, _ in runs]),
                "append": percentiles([c for _, _, c in runs])}  # fmt: skip

    return {"warm": figures(warm_runs), "cold": figures(cold_runs)}


def measure_history(store: EventStore, samples: int) -> dict[str, Any]:
    """As-of and diff on the long stream, at random positions and times within it."""
    stream = report_stream_id(LONG_STREAM, YEAR)
    rows = store.read_stream(stream)
    rng = random.Random(11)
    positions = [row.position for row in rows]
    moments = [row.recorded_at for row in rows]
    as_of, diff, changes = [], [], 0
    for index in range(samples):
        moment: Any = rng.choice(positions) if index % 2 else rng.choice(moments)
        started = time.perf_counter()
        report_as_of(store, LONG_STREAM, YEAR, moment)
        as_of.append(time.perf_counter() - started)
    for _ in range(samples // 2):
        since, until = sorted(rng.sample(positions, 2))
        started = time.perf_counter()
        changes += len(report_diff(store, LONG_STREAM, YEAR, since, until).changes)
        diff.append(time.perf_counter() - started)
    return {
        "stream_events": len(rows),
        "as_of": percentiles(as_of),
        "diff": {**percentiles(diff), "mean_changes": round(changes / max(len(diff), 1), 1)},
    }


def _best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The fastest of a contender's rounds, with every round's rate beside it."""
    best = max(runs, key=lambda run: run["events_per_s"])
    return {**best, "rounds": [run["events_per_s"] for run in runs]}


#: The rebuilds measured: the serial one, whose rate the goal is about, and the one in shares.
REBUILDS = ("rebuild", "rebuild_in_shares")


def _ratios(figures: dict[str, Any]) -> dict[str, float | None]:
    """Each rebuild's rate over each other contender's (``rebuild_vs_floor`` …)."""
    return {
        f"{rebuild}_vs_{key}": ratio(figures[rebuild]["events_per_s"], figures[key]["events_per_s"])
        for rebuild in REBUILDS
        if rebuild in figures
        for key in figures
        if key not in REBUILDS
    }


def measure_backend(
    name: str,
    store: EventStore,
    args: argparse.Namespace,
    raw: Callable[[], dict[str, Any]],
    floor: Callable[[], dict[str, Any]],
    checked_floor: Callable[[], dict[str, Any]],
    eventsourcing: Callable[[], dict[str, Any]] | None,
) -> dict[str, Any]:
    """Rebuild, floor, ``eventsourcing`` replay and raw read, interleaved round by round
    (the floor needs the audit rows of the round's rebuild): a burst of load from
    elsewhere hits every contender of its round, so the ratios of a round hold. Then
    catch-up, as-of and diff."""
    rounds = args.rounds
    runner = projection_runner(store)
    runner.setup()
    runs: dict[str, list[dict[str, Any]]] = {"rebuild": [], "rebuild_in_shares": [],
                                             "floor": [], "checked_floor": [],
                                             "eventsourcing": [], "raw": []}  # fmt: skip
    contenders = [("rebuild", lambda: rebuild_once(runner)),
                  ("rebuild_in_shares", lambda: rebuild_once(runner, shares=True)),
                  ("floor", floor), ("checked_floor", checked_floor),
                  ("eventsourcing", eventsourcing), ("raw", raw)]  # fmt: skip
    per_round = []
    for number in range(1, rounds + 1):
        figures = {}
        for key, measure in contenders:
            if measure is None:
                continue
            figures[key] = measure()
            runs[key].append(figures[key])
            say(
                f"[{name}] round {number}/{rounds} {key}: {figures[key]['events_per_s']:,} events/s"
            )
        per_round.append(_ratios(figures))
    result: dict[str, Any] = {key: _best(found) for key, found in runs.items() if found}
    result["ratios"] = _ratios(result)
    result["ratios_per_round"] = per_round
    result["reach"] = reach(result)
    say(f"[{name}] reach {result['reach']}")
    codes = [f"d{index:03d}" for index in range(args.departments)]
    result.update(measure_reads(store, codes, args.samples))
    return result


def measure_reads(store: EventStore, codes: list[str], samples: int) -> dict[str, Any]:
    """Catch-up after one command, as-of and diff on ``store``."""
    result = {"catch_up": measure_catch_up(store, codes, warm=40, cold=10)}
    say(f"[catch-up] warm {result['catch_up']['warm']}, cold {result['catch_up']['cold']}")
    result["history"] = measure_history(store, samples)
    say(f"[as-of] {result['history']['as_of']}; [diff] {result['history']['diff']}")
    return result


def bench_sqlite(path: Path, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Every figure on the SQLite copy of the year at ``path``."""
    store = open_store(f"sqlite:///{path}", create=True)  # migrates a cached older year
    head = store.head_position()
    es_env = sqlite_eventsourcing(workdir, args.cache, head, args.departments + 1)
    result = measure_backend(
        "sqlite",
        store,
        args,
        raw=lambda: measure_raw(path, REBUILD_CHUNK),
        floor=lambda: measure_floor(path, REBUILD_CHUNK),
        checked_floor=lambda: checked(measure_floor, path, REBUILD_CHUNK),
        eventsourcing=lambda: measure_eventsourcing(es_env),
    )
    store.engine.dispose()
    return result


def bench_postgres(path: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Every figure on a PostgreSQL copy of the year at ``path`` (fresh schemas, dropped)."""
    with pg_schemas(args.pg_url, "projections_year", "projections_es") as schemas:
        url = pg_url_with_schema(args.pg_url, schemas["projections_year"])
        say("[postgres] copying the year into a fresh schema ...")
        store = copy_year_to_postgres(path, url)
        head = store.head_position()
        say(f"[postgres] writing {head:,} events through eventsourcing (untimed) ...")
        es_env = postgres_eventsourcing(
            args.pg_url, schemas["projections_es"], head, args.departments + 1
        )
        try:
            result = measure_backend(
                "postgres",
                store,
                args,
                raw=lambda: measure_raw_postgres(url, REBUILD_CHUNK),
                floor=lambda: measure_floor_postgres(url, REBUILD_CHUNK),
                checked_floor=lambda: checked(measure_floor_postgres, url, REBUILD_CHUNK),
                eventsourcing=lambda: measure_eventsourcing(es_env),
            )
        finally:
            store.engine.dispose()
    return result


#: The log sizes of ``--scale``: each a year of (size - long stream) / 1,000 departments.
SCALE_SIZES = (10_000, 100_000, 1_000_000)


def bench_scale(args: argparse.Namespace) -> dict[str, Any]:
    """Per-event costs of rebuild, as-of, catch-up and append at each of ``SCALE_SIZES``
    (SQLite), each beside the floor measured on the same log."""
    curve = []
    for size in SCALE_SIZES:
        departments = max((size - args.long_stream) // args.events, 1)
        cached = cached_year(args.cache, departments, args.events, args.long_stream)
        workdir = Path(tempfile.mkdtemp(prefix="jixiao-bench-scale-"))
        try:
            path = workdir / "year.db"
            shutil.copy(cached, path)
            store = open_store(f"sqlite:///{path}", create=True)
            runner = projection_runner(store)
            runner.setup()
            # CPU time beside the wall time: on a shared machine the load changes between
            # the sizes, the CPU a process spends on its own work much less.
            cpu = time.process_time()
            rebuild = rebuild_once(runner)
            rebuild_cpu = time.process_time() - cpu
            cpu = time.process_time()
            floor = measure_floor(path, REBUILD_CHUNK)
            floor_cpu = time.process_time() - cpu
            events = rebuild["events"]
            codes = [f"d{index:03d}" for index in range(departments)]
            catch_up = measure_catch_up(store, codes, warm=40, cold=2, runner=runner)
            history = measure_history(store, args.samples)
            store.engine.dispose()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        point = {
            "events": events,
            "departments": departments,
            "rebuild_us_per_event": round(rebuild["seconds"] / events * 1e6, 2),
            "floor_us_per_event": round(floor["seconds"] / events * 1e6, 2),
            "rebuild_cpu_us_per_event": round(rebuild_cpu / events * 1e6, 2),
            "floor_cpu_us_per_event": round(floor_cpu / events * 1e6, 2),
            "rebuild_vs_floor": ratio(rebuild["events_per_s"], floor["events_per_s"]),
            "as_of_p50_ms": history["as_of"]["p50_ms"],
            "diff_p50_ms": history["diff"]["p50_ms"],
            "catch_up_p50_ms": catch_up["warm"]["apply"]["p50_ms"],
            "append_p50_ms": catch_up["warm"]["append"]["p50_ms"],
        }
        say(f"[scale] {json.dumps(point)}")
        curve.append(point)
    first, last = curve[0], curve[-1]
    growth = {
        key: ratio(last[key], first[key])
        for key in ("rebuild_us_per_event", "floor_us_per_event", "rebuild_cpu_us_per_event",
                    "floor_cpu_us_per_event", "as_of_p50_ms",
                    "diff_p50_ms", "catch_up_p50_ms", "append_p50_ms")
    }  # fmt: skip
    return {"curve": curve, "growth_largest_vs_smallest": growth,
            "goal_within_1_5": all(value <= 1.5 for value in growth.values())}  # fmt: skip


def load_average() -> list[float]:
    """The machine's load average (1, 5, 15 min): others' work on the shared cores."""
    import os

    return [round(value, 2) for value in os.getloadavg()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--departments", type=int, default=300, help="departments (default 300)")
    parser.add_argument(
        "--events", type=int, default=1000, help="events per department (default 1000)"
    )
    parser.add_argument(
        "--long-stream", type=int, default=5000, help="events of the as-of stream (default 5000)"
    )
    parser.add_argument("--rounds", type=int, default=2, help="rebuild rounds (default 2)")
    parser.add_argument("--samples", type=int, default=200, help="as-of samples (default 200)")
    parser.add_argument(
        "--backend", choices=("sqlite", "postgres", "both"), default="both",
        help="where to measure (default both)",
    )  # fmt: skip
    parser.add_argument(
        "--pg-url", default=default_pg_url(), help="PostgreSQL server (default $JIXIAO_TEST_PG)"
    )
    parser.add_argument(
        "--scale", action="store_true",
        help="per-event costs at 10^4, 10^5 and 10^6 events instead (SQLite)",
    )  # fmt: skip
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "jixiao-bench-projections",
        help="where generated years are kept between runs",
    )
    args = parser.parse_args()
    if min(args.departments, args.events, args.long_stream, args.rounds, args.samples) < 1:
        parser.error("every count must be at least 1")
    args.pg_url = libpq_url(args.pg_url)
    started = time.perf_counter()
    result: dict[str, Any] = {
        "bench": "projections",
        "machine": machine(),
        "load_average_at_start": load_average(),
        "plan": {
            "departments": args.departments,
            "events_per_department": args.events,
            "long_stream": args.long_stream,
            "rebuild_rounds": args.rounds,
            "as_of_samples": args.samples,
            "rebuild_batch": REBUILD_BATCH,
            "rebuild_chunk": REBUILD_CHUNK,
            "sqlite_version": sqlite3.sqlite_version,
            "scale": args.scale,
        },
    }
    if args.scale:
        result["scale"] = bench_scale(args)
        return _finish(result, started)
    say(f"bench/projections.py: {args.departments} departments x ~{args.events} events, "
        f"one stream of {args.long_stream}")  # fmt: skip
    cached = cached_year(args.cache, args.departments, args.events, args.long_stream)
    workdir = Path(tempfile.mkdtemp(prefix="jixiao-bench-projections-"))
    try:
        path = workdir / "year.db"
        shutil.copy(cached, path)
        if args.backend in ("sqlite", "both"):
            result["sqlite"] = bench_sqlite(path, workdir, args)
            result["events"] = result["sqlite"]["rebuild"]["events"]
        if args.backend in ("postgres", "both"):
            reason = pg_reachable(args.pg_url)
            if reason is None:
                result["postgres"] = bench_postgres(Path(cached), args)
            else:
                warn(f"PostgreSQL at {args.pg_url} is unreachable ({reason}); SQLite only")
                result["postgres"] = {"skipped": reason}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    goals: dict[str, bool] = {}
    for backend in ("sqlite", "postgres"):
        figures = result.get(backend, {})
        if "rebuild" not in figures:
            continue
        ratios = figures["ratios"]
        goals[f"{backend}_rebuild_ge_0_7_floor"] = (
            ratios["rebuild_vs_floor"] or 0
        ) >= GOAL_OF_FLOOR
        goals[f"{backend}_rebuild_ahead_of_eventsourcing"] = (
            ratios.get("rebuild_vs_eventsourcing") or 0
        ) > 1
        goals[f"{backend}_catch_up_p95_le_20_ms"] = figures["catch_up"]["warm"]["p95_ms"] <= 20
        goals[f"{backend}_as_of_p95_le_20_ms"] = figures["history"]["as_of"]["p95_ms"] <= 20
        goals[f"{backend}_diff_p95_le_20_ms"] = figures["history"]["diff"]["p95_ms"] <= 20
    result["goals"] = goals
    return _finish(result, started)


def _finish(result: dict[str, Any], started: float) -> int:
    result["load_average_at_end"] = load_average()
    result["seconds"] = round(time.perf_counter() - started, 1)
    say(f"goals {result.get('goals', result.get('scale', {}).get('goal_within_1_5'))} | "
        f"load {result['load_average_at_end']} | done in {result['seconds']}s")  # fmt: skip
    emit_json(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
