"""Projections on a synthetic city-scale year, beside the raw driver and ``eventsourcing``.

Run from the repository root::

    python bench/projections.py                    # 300 departments x ~1,000 events
    python bench/projections.py --departments 30   # a tenth of the city, for a quick look

The year is generated with the real domain: every event comes from
``workflow.decisions.decide`` on the report's folded state and is appended through
:class:`events.EventStore` (a working session of one user per append, a snapshot every
50 events as the service writes them). Each department enters the seed report (姑苏区红十字会
2021), corrects figures, indicator actuals and narrative over many sessions spread from
January to June, goes through submissions, returns, approvals, sign-off, rendering and
publication; one in five is reopened and reviewed again. One more department has a
5,000-event stream for the as-of figures. The generated SQLite file is cached (``--cache``)
and copied for each run, since generating is not what is measured.

Figures:

* ``rebuild``: every projection dropped and rebuilt from the whole log: events/s;
* ``raw``: the same rows read and ``json.loads``-ed with plain ``sqlite3``: the ceiling;
* ``floor``: that read plus inserting the audit trail's rows (one per event, copied from
  the rebuild's own table) and building its indexes, with plain ``sqlite3``: the
  database's share of a rebuild, an upper bound on its rate;
* ``eventsourcing``: the library replaying as many events from its SQLite notification log
  into its aggregates (``mutate``), the projection it can do without our code;
* ``catch_up``: append one command, then apply it: milliseconds until the projections show
  it, with the fold cache warm (a running projector) and cold (a fresh process);
* ``as_of`` and ``diff`` on the 5,000-event stream, at random positions and times: p50/p95 ms.

The last line printed is one JSON object with every figure and the goals.
"""

# ruff: noqa: E402 -- the package imports must follow the sys.path fix below.
from __future__ import annotations

import argparse
import json
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

from bench._common import emit_json, machine, ratio, rounded, say
from events import EventStore, Metadata
from events.protocol import Snapshot
from projections.audit_trail import audit_trail_table
from projections.history import report_as_of, report_diff
from projections.migrations import open_store
from projections.registry import projection_runner
from projections.report_state import report_row
from projections.runner import REBUILD_BATCH, REBUILD_CHUNK
from tests.seed import INDICATORS, SECTIONS, seed_commands
from workflow.administration import (
    DepartmentState,
    FiscalYearState,
    GrantRole,
    OpenFiscalYear,
    RegisterDepartment,
    RegisterUser,
)
from workflow.commands import (
    ApproveReport,
    Artifact,
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
    report_stream_id,
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


#: The log in position order, a chunk at a time, as the store reads it.
_READ_EVENTS = (
    "SELECT position, stream_id, version, event_id, event_type, schema_version, payload, "
    "actor, role, recorded_at, correlation_id, causation_id, prev_hash, hash FROM events "
    "WHERE position > ? ORDER BY position LIMIT ?"
)


def measure_raw(path: Path, batch: int) -> dict[str, Any]:
    """Reading and json-decoding every row with plain sqlite3: the ceiling for any replay."""
    connection = sqlite3.connect(path)
    started = time.perf_counter()
    count = after = 0
    loads = json.loads
    while rows := connection.execute(_READ_EVENTS, (after, batch)).fetchall():
        for row in rows:
            loads(row[6])
        count += len(rows)
        after = rows[-1][0]
    seconds = time.perf_counter() - started
    connection.close()
    return {"events": count, "seconds": round(seconds, 2), "events_per_s": rounded(count / seconds)}


def measure_floor(path: Path, batch: int) -> dict[str, Any]:
    """The database's own share of a rebuild, with plain sqlite3 and nothing computed.

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
    loads = json.loads
    count = after = 0
    started = time.perf_counter()
    connection.execute("BEGIN IMMEDIATE")
    while rows := connection.execute(_READ_EVENTS, (after, batch)).fetchall():
        for row in rows:
            loads(row[6])
        connection.executemany(
            insert, [by_position[row[0]] for row in rows if row[0] in by_position]
        )
        count += len(rows)
        after = rows[-1][0]
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


def measure_rebuild(store: EventStore, rounds: int) -> dict[str, Any]:
    """Drop and rebuild every projection from the whole log, ``rounds`` times."""
    runner = projection_runner(store)
    runner.setup()
    rates, seconds = [], []
    for round_number in range(rounds):
        started = time.perf_counter()
        count = runner.rebuild()
        elapsed = time.perf_counter() - started
        rates.append(count / elapsed)
        seconds.append(elapsed)
        say(f"  rebuild {round_number + 1}/{rounds}: {count:,} events in {elapsed:.1f}s "
            f"= {count / elapsed:,.0f} events/s")  # fmt: skip
    return {
        "events": count,
        "seconds": round(min(seconds), 2),
        "events_per_s": rounded(max(rates)),
        "rounds": [rounded(rate) for rate in rates],
    }


class EsFigures(Aggregate):
    """The ``eventsourcing`` aggregate for the comparison: a report whose figures are set."""

    @event("Opened")
    def __init__(self, department: str, year: int) -> None:
        self.figures: dict[str, str] = {}

    @event("FigureSet")
    def set_figure(self, line: str, amount: Decimal, raw: str) -> None:
        self.figures[line] = raw


def measure_eventsourcing(workdir: Path, cache: Path, events: int, streams: int) -> dict[str, Any]:
    """The library replaying ``events`` events of ``streams`` aggregates from SQLite."""
    path = cache / f"eventsourcing-{events}x{streams}.db"
    if not path.exists():
        partial = cache / f"{path.name}.partial"
        partial.unlink(missing_ok=True)
        app = Application(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                               "SQLITE_DBNAME": str(partial)})  # fmt: skip
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
        partial.rename(path)
    copy = workdir / path.name
    shutil.copy(path, copy)
    app = Application(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                           "SQLITE_DBNAME": str(copy)})  # fmt: skip
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


def measure_catch_up(store: EventStore, codes: list[str], warm: int, cold: int) -> dict[str, Any]:
    """Append one command, then apply it: time until the report's row shows its position.

    Warm: a running projector (its fold cache holds the reports). Cold: a fresh runner per
    command, loading the report from the store's snapshot as a restarted process would.
    """
    rng = random.Random(7)
    runner = projection_runner(store)
    runner.setup()
    runner.catch_up()

    def one(current: Any) -> tuple[float, float]:
        code = rng.choice(codes)
        actor, command = _next_command(store, code, rng)
        started = time.perf_counter()
        position = _append(store, code, actor, command)
        appended = time.perf_counter()
        current.run_batch()
        row = report_row(store.engine, code, YEAR)
        assert row is not None and row.position == position, (row, position)
        return time.perf_counter() - started, time.perf_counter() - appended

    warm_runs = [one(runner) for _ in range(warm)]
    cold_runs = []
    for _ in range(cold):
        fresh = projection_runner(store)
        cold_runs.append(one(fresh))
    return {
        "warm": {**percentiles([t for t, _ in warm_runs]),
                 "apply": percentiles([a for _, a in warm_runs])},
        "cold": {**percentiles([t for t, _ in cold_runs]),
                 "apply": percentiles([a for _, a in cold_runs])},
    }  # fmt: skip


def measure_history(store: EventStore, samples: int) -> dict[str, Any]:
    """As-of and diff on the long stream, at random positions and times within it."""
    stream = report_stream_id(LONG_STREAM, YEAR)
    with store.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT position, recorded_at FROM events WHERE stream_id = ? ORDER BY version",
            (stream,),
        ).all()
    rng = random.Random(11)
    positions = [row[0] for row in rows]
    moments = [datetime.fromisoformat(row[1]).replace(tzinfo=UTC) for row in rows]
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
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "jixiao-bench-projections",
        help="where generated years are kept between runs",
    )
    args = parser.parse_args()
    if min(args.departments, args.events, args.long_stream, args.rounds, args.samples) < 1:
        parser.error("every count must be at least 1")
    started = time.perf_counter()
    result: dict[str, Any] = {
        "bench": "projections",
        "machine": machine(),
        "plan": {
            "departments": args.departments,
            "events_per_department": args.events,
            "long_stream": args.long_stream,
            "rebuild_rounds": args.rounds,
            "as_of_samples": args.samples,
            "rebuild_batch": REBUILD_BATCH,
            "rebuild_chunk": REBUILD_CHUNK,
            "sqlite_version": sqlite3.sqlite_version,
        },
    }
    say(f"bench/projections.py: {args.departments} departments x ~{args.events} events, "
        f"one stream of {args.long_stream}")  # fmt: skip
    cached = cached_year(args.cache, args.departments, args.events, args.long_stream)
    workdir = Path(tempfile.mkdtemp(prefix="jixiao-bench-projections-"))
    try:
        path = workdir / "year.db"
        shutil.copy(cached, path)
        # A cached year from before migrations is recognised and migrated.
        store = open_store(f"sqlite:///{path}", create=True)
        head = store.head_position()
        result["events"] = head
        say(f"[raw] reading and json-decoding {head:,} rows with sqlite3 ...")
        result["raw"] = measure_raw(path, REBUILD_CHUNK)
        say(f"[raw] {result['raw']['events_per_s']:,} events/s")
        say(f"[rebuild] all projections from zero, {args.rounds} round(s) ...")
        result["rebuild"] = measure_rebuild(store, args.rounds)
        say("[floor] reading the log and inserting the audit rows with sqlite3 ...")
        result["floor"] = measure_floor(path, REBUILD_CHUNK)
        say(f"[floor] {result['floor']['events_per_s']:,} events/s")
        say(f"[eventsourcing] replaying {head:,} events into {args.departments + 1} aggregates ...")
        result["eventsourcing"] = measure_eventsourcing(
            workdir, args.cache, head, args.departments + 1
        )
        say(f"[eventsourcing] {result['eventsourcing']['events_per_s']:,} events/s")
        codes = [f"d{index:03d}" for index in range(args.departments)]
        result["catch_up"] = measure_catch_up(store, codes, warm=40, cold=10)
        say(f"[catch-up] warm {result['catch_up']['warm']}, cold {result['catch_up']['cold']}")
        result["history"] = measure_history(store, args.samples)
        say(f"[as-of] {result['history']['as_of']}; [diff] {result['history']['diff']}")
        store.engine.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    rebuild = result["rebuild"]["events_per_s"]
    result["ratios"] = {
        "rebuild_vs_raw": ratio(rebuild, result["raw"]["events_per_s"]),
        "rebuild_vs_floor": ratio(rebuild, result["floor"]["events_per_s"]),
        "rebuild_vs_eventsourcing": ratio(rebuild, result["eventsourcing"]["events_per_s"]),
    }
    result["goals"] = {
        "rebuild_ge_50000_events_per_s": rebuild >= 50_000,
        "as_of_p95_le_20_ms": result["history"]["as_of"]["p95_ms"] <= 20,
    }
    result["seconds"] = round(time.perf_counter() - started, 1)
    say(f"ratios {result['ratios']} | goals {result['goals']} | done in {result['seconds']}s")
    emit_json(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
