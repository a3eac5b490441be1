"""Throughput of the event store beside the raw driver and the ``eventsourcing`` library.

Run from the repository root::

    python bench/store.py                      # SQLite and PostgreSQL
    python bench/store.py --backend sqlite --commands 2000 --imports 20

For each backend, five contenders do the same work, each in its own fresh database
(a SQLite file, or a PostgreSQL schema), with the same durability settings:

* ``ours``: :class:`events.EventStore` (builds and validates the pydantic events,
  checks the expected version, chains the hashes, moves the log head, commits);
* ``raw``: the bare driver (stdlib ``sqlite3`` with the store's PRAGMAs / ``psycopg`` 3)
  inserting pre-built rows into a table created by the store's own DDL (same columns,
  constraints and indexes) and computing nothing else: the database-bound ceiling;
* ``raw_same_sql``: the bare driver running the store's own statements (log head
  included) on pre-built rows;
* ``raw_chained``: the bare driver building the events and hash-chaining them in the
  timed part with the store's chaining code, and nothing more: the ceiling for ours;
* ``eventsourcing``: the library's ``Application`` saving ``Aggregate`` events with its
  SQLite / PostgreSQL recorder, and reading the notification log back through its mapper.

Figures (all measured after a warm-up, rounds of the contenders interleaved so load from
elsewhere on the machine hits all of them):

* ``commands``: commands of 1, 2, 3 events (in turn), one transaction each: tx/s, events/s;
* ``single``: one-event commands (the figure the issue quotes for ``eventsourcing``);
* ``import500``: 500 events in one transaction: events/s;
* ``batch50``: 50 events in one transaction: events/s;
* ``read``: reading and decoding the whole log in batches of 1000: events/s.

The last line printed is one JSON object with every figure, the ratios of ours to each
other contender, the ceilings (raw_chained/raw), and the settings they were measured under.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

# The repository root, so that ``python bench/store.py`` finds ``bench`` and ``events``.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench._common import (
    Tally,
    chunks,
    default_pg_url,
    emit_json,
    libpq_url,
    machine,
    pg_conninfo,
    pg_reachable,
    pg_schemas,
    pg_settings,
    pg_url_with_schema,
    ratio,
    rounded,
    say,
    timed,
    warn,
)
from events import Event, EventRegistry, EventStore, Metadata
from events.chain import build_rows, canonical_json, new_event_ids

# -- the workload ---------------------------------------------------------------------

REPORT_STREAMS = 100
COMMAND_SIZES = (1, 2, 3)
IMPORT_SIZE = 500
BATCH_SIZE = 50
READ_BATCH = 1000
WARMUP_COMMANDS = 150

DEPARTMENTS = [
    "中国红十字会总会",
    "中国红十字会总会机关服务中心",
    "中国造血干细胞捐献者资料库管理中心",
]
LINES = [
    "红十字人道宣传工作",
    "应急救护培训",
    "造血干细胞捐献者资料库运行维护",
    "人体器官捐献宣传动员",
    "博爱家园社区建设",
    "备灾救灾物资储备",
    "国际人道援助项目",
    "志愿服务队伍建设",
    "一般行政管理事务",
    "机关服务",
]
FUNDING = ["一般公共预算财政拨款", "政府性基金预算财政拨款", "事业收入", "其他收入"]
INDICATORS = [
    ("培训人次", "≥50000人次"),
    ("宣传活动覆盖人数", "≥100万人"),
    ("物资储备完好率", "≥95%"),
    ("资金到位率", "100%"),
    ("预算执行率", "≥90%"),
    ("服务对象满意度", "≥90%"),
]
COMMENTS = ["按计划完成", "受疫情影响部分活动延期", "超额完成年度目标", "执行进度略低于预期"]

REGISTRY = EventRegistry()


@REGISTRY.register("ReportOpened")
class ReportOpened(Event):
    department: str
    year: int
    title: str


@REGISTRY.register("ItemRecorded")
class ItemRecorded(Event):
    line: str
    code: str
    funding: str
    amount: Decimal


@REGISTRY.register("IndicatorScored")
class IndicatorScored(Event):
    indicator: str
    target: str
    actual: str
    score: Decimal
    comment: str


#: One event to write: its type name and its fields (shared by every contender).
Spec = tuple[str, dict[str, Any]]
OURS_CLASSES: dict[str, type[Event]] = {
    "ReportOpened": ReportOpened,
    "ItemRecorded": ItemRecorded,
    "IndicatorScored": IndicatorScored,
}


@dataclass(frozen=True)
class Command:
    """Append ``specs`` to stream number ``stream`` (of the contender's stream list)."""

    stream: int
    specs: tuple[Spec, ...]
    correlation_id: str


class Workload:
    """Deterministic payloads: the same commands and imports for every contender."""

    def __init__(self, seed: int = 13) -> None:
        rng = random.Random(seed)
        self.items = [
            {
                "line": rng.choice(LINES),
                "code": f"208{rng.randrange(1000, 9999)}",
                "funding": rng.choice(FUNDING),
                "amount": Decimal(rng.randrange(100_00, 5_000_000_00)) / 100,
            }
            for _ in range(997)
        ]
        self.scores = []
        for _ in range(503):
            indicator, target = rng.choice(INDICATORS)
            self.scores.append(
                {
                    "indicator": indicator,
                    "target": target,
                    "actual": f"{rng.randrange(80, 120)}%",
                    "score": Decimal(rng.randrange(0, 100)) / 10,
                    "comment": rng.choice(COMMENTS),
                }
            )
        self._item = itertools.cycle(self.items)
        self._score = itertools.cycle(self.scores)
        self._serial = itertools.count(1)

    def opened(self, index: int) -> Spec:
        return (
            "ReportOpened",
            {
                "department": DEPARTMENTS[index % len(DEPARTMENTS)],
                "year": 2021,
                "title": f"2021年度部门整体支出绩效自评价报告（{index}）",
            },
        )

    def _specs(self, size: int) -> tuple[Spec, ...]:
        scored = size >= 2
        items = size - 1 if scored else size
        specs: list[Spec] = [("ItemRecorded", next(self._item)) for _ in range(items)]
        if scored:
            specs.append(("IndicatorScored", next(self._score)))
        return tuple(specs)

    def commands(self, count: int, sizes: Sequence[int]) -> list[Command]:
        """``count`` commands over the report streams, sizes taken from ``sizes`` in turn."""
        size = itertools.cycle(sizes)
        out = []
        for _ in range(count):
            serial = next(self._serial)
            out.append(Command(serial % REPORT_STREAMS, self._specs(next(size)), f"cmd-{serial}"))
        return out

    def batch(self, stream: int, size: int) -> Command:
        """One import of ``size`` item events into batch stream number ``stream``."""
        serial = next(self._serial)
        specs = tuple(("ItemRecorded", next(self._item)) for _ in range(size))
        return Command(stream, specs, f"import-{serial}")


def _json_ready(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in fields.items()}


# -- contenders -----------------------------------------------------------------------


class Contender:
    """One way of writing and reading the log; ``prepare`` is untimed, ``run_*`` timed."""

    name = ""

    def open_streams(self, reports: int, batches: int, workload: Workload) -> None:
        raise NotImplementedError

    def prepare(self, commands: list[Command], batch: bool) -> Any:
        return commands

    def run(self, prepared: Any, batch: bool) -> None:
        raise NotImplementedError

    def read_all(self) -> int:
        raise NotImplementedError

    def settings(self) -> dict[str, Any]:
        return {}

    def close(self) -> None:
        pass


class Ours(Contender):
    """``events.EventStore``: events are built (validated) inside the timed command."""

    name = "ours"

    def __init__(self, url: str) -> None:
        self.store = EventStore.open(url, REGISTRY, create=True)
        self.reports: list[str] = []
        self.batches: list[str] = []
        self.versions: dict[str, int] = {}

    def open_streams(self, reports: int, batches: int, workload: Workload) -> None:
        self.reports = [f"report:dept-{i:03d}:2021" for i in range(reports)]
        self.batches = [f"import:batch-{i:03d}" for i in range(batches)]
        for index, stream in enumerate(self.reports + self.batches):
            name, fields = workload.opened(index)
            self.store.append(
                stream,
                0,
                [OURS_CLASSES[name](**fields)],
                metadata=Metadata(actor="u1", role="preparer"),
            )
            self.versions[stream] = 1

    def run(self, prepared: list[Command], batch: bool) -> None:
        streams = self.batches if batch else self.reports
        store, versions, classes = self.store, self.versions, OURS_CLASSES
        for command in prepared:
            stream = streams[command.stream]
            events = [classes[name](**fields) for name, fields in command.specs]
            metadata = Metadata(actor="u1", role="preparer", correlation_id=command.correlation_id)
            store.append(stream, versions[stream], events, metadata=metadata)
            versions[stream] += len(events)

    def read_all(self) -> int:
        count = 0
        for batch in self.store.iter_all(after=0, batch_size=READ_BATCH):
            count += len(batch)
        return count

    def settings(self) -> dict[str, Any]:
        engine = self.store.engine
        if engine.dialect.name != "sqlite":
            return {
                "driver": engine.dialect.driver,
                "pool_pre_ping": bool(getattr(engine.pool, "_pre_ping", False)),
            }
        with engine.connect() as connection:
            return {
                "synchronous": _SYNC_NAMES[
                    connection.exec_driver_sql("PRAGMA synchronous").scalar_one()
                ],
                "journal_mode": connection.exec_driver_sql("PRAGMA journal_mode").scalar_one(),
            }

    def close(self) -> None:
        self.store.engine.dispose()


_SYNC_NAMES = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
_RAW_COLUMNS = (
    "position, stream_id, version, event_id, event_type, schema_version, payload, actor, "
    "role, recorded_at, correlation_id, causation_id, prev_hash, hash"
)


class Raw(Contender):
    """The bare driver inserting pre-built rows: the ceiling the database allows.

    Rows (the store's time-ordered ids, payload JSON, placeholder hashes) are built in
    ``prepare``, untimed; the timed part is BEGIN, one (executemany) INSERT, COMMIT. The
    table is created by the store's own migration, so it has the same columns, constraints and
    indexes.
    """

    name = "raw"

    def __init__(self, backend: str, url: str, sqlite_path: str | None = None) -> None:
        EventStore.open(url, REGISTRY, create=True).close()  # the same table, by the migration
        self.backend = backend
        self.position = 0
        self.versions: dict[str, int] = {}
        self.reports: list[str] = []
        self.batches: list[str] = []
        if backend == "sqlite":
            assert sqlite_path is not None
            self.connection: Any = sqlite3.connect(sqlite_path, isolation_level=None, timeout=60)
            # The PRAGMAs events/database.py sets on every connection.
            self.connection.execute("PRAGMA journal_mode=WAL")
            self.connection.execute("PRAGMA synchronous=FULL")
            self.connection.execute("PRAGMA busy_timeout=60000")
            marks = ",".join("?" * 14)
            self.insert = f"INSERT INTO events ({_RAW_COLUMNS}) VALUES ({marks})"
            self.select = (
                f"SELECT {_RAW_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?"
            )
        else:
            import psycopg

            self.connection = psycopg.connect(url, autocommit=True)
            marks = ",".join(["%s"] * 14)
            self.insert = f"INSERT INTO events ({_RAW_COLUMNS}) VALUES ({marks})"
            self.select = (
                f"SELECT {_RAW_COLUMNS} FROM events WHERE position > %s ORDER BY position LIMIT %s"
            )

    def _rows(self, stream: str, specs: Sequence[Spec], correlation_id: str | None) -> list:
        moment = datetime.now(UTC).replace(tzinfo=None)
        recorded_at: Any = (
            moment.isoformat(" ", "microseconds") if self.backend == "sqlite" else moment
        )
        rows = []
        # The store's own (time-ordered) event ids: the index they go into is part of the work.
        for (name, fields), event_id in zip(specs, new_event_ids(len(specs)), strict=True):
            self.position += 1
            self.versions[stream] = self.versions.get(stream, 0) + 1
            rows.append(
                (
                    self.position,
                    stream,
                    self.versions[stream],
                    event_id,
                    name,
                    1,
                    canonical_json(_json_ready(fields)),
                    "u1",
                    "preparer",
                    recorded_at,
                    correlation_id,
                    None,
                    "0" * 64,
                    "f" * 64,
                )
            )
        return rows

    def open_streams(self, reports: int, batches: int, workload: Workload) -> None:
        self.reports = [f"report:dept-{i:03d}:2021" for i in range(reports)]
        self.batches = [f"import:batch-{i:03d}" for i in range(batches)]
        for index, stream in enumerate(self.reports + self.batches):
            self.write(self._rows(stream, [workload.opened(index)], None))

    def prepare(self, commands: list[Command], batch: bool) -> list[list[tuple]]:
        streams = self.batches if batch else self.reports
        return [
            self._rows(streams[command.stream], command.specs, command.correlation_id)
            for command in commands
        ]

    def run(self, prepared: list[list[tuple]], batch: bool) -> None:
        for rows in prepared:
            self.write(rows)

    def write(self, rows: Sequence[tuple]) -> None:
        """Insert ``rows`` in one transaction, nothing else."""
        connection = self.connection
        if self.backend == "sqlite":
            connection.execute("BEGIN IMMEDIATE")  # as the store begins its writes
            connection.executemany(self.insert, rows)
            connection.execute("COMMIT")
        else:
            with connection.transaction(), connection.cursor() as cursor:
                if len(rows) == 1:
                    cursor.execute(self.insert, rows[0])
                else:
                    cursor.executemany(self.insert, rows)

    def read_all(self) -> int:
        count = after = 0
        loads = json.loads
        while True:
            if self.backend == "sqlite":
                rows = self.connection.execute(self.select, (after, READ_BATCH)).fetchall()
            else:
                with self.connection.cursor() as cursor:
                    rows = cursor.execute(self.select, (after, READ_BATCH)).fetchall()
            if not rows:
                return count
            for row in rows:
                loads(row[6])
            count += len(rows)
            after = rows[-1][0]

    def settings(self) -> dict[str, Any]:
        if self.backend != "sqlite":
            import psycopg

            return {"driver": f"psycopg {psycopg.__version__}", "batch_insert": "executemany"}
        return {
            "synchronous": _SYNC_NAMES[self.connection.execute("PRAGMA synchronous").fetchone()[0]],
            "journal_mode": self.connection.execute("PRAGMA journal_mode").fetchone()[0],
        }

    def close(self) -> None:
        self.connection.close()


class RawSameSql(Raw):
    """The bare driver running the store's own statements on pre-built rows.

    Per transaction: lock the log head and read the stream's version, insert, move the
    head, commit (docs/decisions/0001) — the database work of an append without any of
    the library's Python (validation, hashing, building and returning events). ours/this
    is the library's own overhead; raw/this is what the design costs the database.
    """

    name = "raw_same_sql"

    def __init__(self, backend: str, url: str, sqlite_path: str | None = None) -> None:
        super().__init__(backend, url, sqlite_path)
        from events.statements import Statements

        self.sql = Statements("sqlite" if backend == "sqlite" else "postgresql")

    def run(self, prepared: list[list[tuple]], batch: bool) -> None:
        connection, sql = self.connection, self.sql
        for rows in prepared:
            stream, last = rows[0][1], rows[-1]
            if self.backend == "sqlite":
                connection.execute("BEGIN IMMEDIATE")
                connection.execute(sql.lock_head, (stream,)).fetchone()
                connection.executemany(sql.insert, rows)
                connection.execute(sql.move_head, (last[0], last[-1]))
                connection.execute("COMMIT")
            else:
                with connection.transaction(), connection.cursor() as cursor:
                    cursor.execute(sql.lock_head, (stream,))
                    cursor.fetchone()
                    if len(rows) == 1:
                        cursor.execute(sql.insert, rows[0])
                    else:
                        cursor.executemany(sql.insert, rows)
                    cursor.execute(sql.move_head, (last[0], last[-1]))


class RawChained(Raw):
    """The bare driver inserting rows it hash-chains itself: the ceiling for ours.

    It gets what ours gets, each command's fields, and does in the timed part what no
    hash-chained store of typed events can skip: build the pydantic events, as ours' command
    does, then chain them with the store's own code (``events.chain.build_rows``: the
    payload's JSON, a time-ordered id and the SHA-256 over the row and its predecessor's
    hash, per event), then BEGIN, one (executemany) INSERT, COMMIT. No log head, no
    version check, no events returned. raw_chained/raw is the most ours can reach beside
    the bare insert; ours/raw_chained is what the store's own bookkeeping costs.
    """

    name = "raw_chained"
    #: The opening rows carry raw's placeholder hashes; the chain starts after them.
    prev_hash = "f" * 64

    def prepare(self, commands: list[Command], batch: bool) -> Any:
        return commands

    def run(self, prepared: list[Command], batch: bool) -> None:
        sqlite, classes = self.backend == "sqlite", OURS_CLASSES
        streams = self.batches if batch else self.reports
        for command in prepared:
            stream = streams[command.stream]
            events = [classes[name](**fields) for name, fields in command.specs]
            metadata = Metadata(actor="u1", role="preparer", correlation_id=command.correlation_id)
            recorded_at = datetime.now(UTC)
            # The column's forms, as the store writes them: SQLite's text, PostgreSQL's naive UTC.
            stored_at = (
                recorded_at.isoformat(" ", "microseconds")[:26]
                if sqlite
                else recorded_at.replace(tzinfo=None)
            )
            rows = build_rows(
                events,
                stream_id=stream,
                first_version=self.versions[stream] + 1,
                first_position=self.position + 1,
                prev_hash=self.prev_hash,
                metadata=metadata,
                recorded_at=recorded_at,
                stored_at=stored_at,
            )
            self.write(rows)
            self.position += len(rows)
            self.versions[stream] += len(rows)
            self.prev_hash = rows[-1][-1]


class EsReport(Aggregate):
    """The ``eventsourcing`` aggregate holding the same events as a jixiao report stream."""

    @event("ReportOpened")
    def __init__(self, department: str, year: int, title: str) -> None:
        pass

    @event("ItemRecorded")
    def record_item(self, line: str, code: str, funding: str, amount: Decimal) -> None:
        pass

    @event("IndicatorScored")
    def score_indicator(
        self, indicator: str, target: str, actual: str, score: Decimal, comment: str
    ) -> None:
        pass


class EsApplication(Application):
    """A plain ``eventsourcing`` application (default JSON transcoder, no snapshots)."""


class EventSourcingLib(Contender):
    """The ``eventsourcing`` library: ``Application.save`` of aggregates; reading via its mapper.

    Aggregates live in memory between commands (no repository reads), as a command
    handler with a cache would have them; the events are built inside the timed part.
    """

    name = "eventsourcing"

    def __init__(self, env: dict[str, str]) -> None:
        self.app = EsApplication(env=env)
        self.reports: list[EsReport] = []
        self.batches: list[EsReport] = []

    def open_streams(self, reports: int, batches: int, workload: Workload) -> None:
        for index in range(reports + batches):
            aggregate = EsReport(**workload.opened(index)[1])
            self.app.save(aggregate)
            (self.reports if index < reports else self.batches).append(aggregate)

    def run(self, prepared: list[Command], batch: bool) -> None:
        aggregates, save = (self.batches if batch else self.reports), self.app.save
        for command in prepared:
            aggregate = aggregates[command.stream]
            for name, fields in command.specs:
                if name == "ItemRecorded":
                    aggregate.record_item(**fields)
                else:
                    aggregate.score_indicator(**fields)
            save(aggregate)

    def read_all(self) -> int:
        recorder, to_domain_event = self.app.recorder, self.app.mapper.to_domain_event
        count = after = 0
        while notifications := recorder.select_notifications(
            start=after, limit=READ_BATCH, inclusive_of_start=False
        ):
            for notification in notifications:
                to_domain_event(notification)
            count += len(notifications)
            after = notifications[-1].id
        return count

    def settings(self) -> dict[str, Any]:
        datastore = self.app.recorder.datastore  # type: ignore[attr-defined]
        if not hasattr(datastore, "pool") or not hasattr(datastore.pool, "db_name"):
            return {
                "version": _es_version(),
                "enable_db_functions": bool(getattr(datastore, "enable_db_functions", False)),
                "pre_ping": bool(getattr(datastore, "pre_ping", False)),
            }
        with datastore.transaction(commit=False) as cursor:
            cursor.execute("PRAGMA synchronous")
            synchronous = _SYNC_NAMES[cursor.fetchone()[0]]
            cursor.execute("PRAGMA journal_mode")
            journal = cursor.fetchone()[0]
        return {"version": _es_version(), "synchronous": synchronous, "journal_mode": journal}

    def close(self) -> None:
        self.app.close()


def _es_version() -> str:
    from importlib.metadata import version

    return version("eventsourcing")


# -- running one backend --------------------------------------------------------------


@dataclass
class Plan:
    commands: int
    singles: int
    imports: int
    batches50: int
    rounds: int
    read_rounds: int


def _interleaved(
    contenders: list[Contender],
    rounds: list[list[Command]],
    batch: bool,
    events_of: Callable[[list[Command]], int],
) -> dict[str, Tally]:
    tallies = {c.name: Tally() for c in contenders}
    for index, work in enumerate(rounds):
        # Rotate who goes first, so no contender always follows the same one.
        order = contenders[index % len(contenders) :] + contenders[: index % len(contenders)]
        for contender in order:
            prepared = contender.prepare(work, batch)
            timed(
                tallies[contender.name],
                len(work),
                events_of(work),
                lambda c=contender, p=prepared: c.run(p, batch),
            )
    return tallies


def _split(items: list[Command], rounds: int) -> list[list[Command]]:
    out, start = [], 0
    for size in chunks(len(items), rounds):
        out.append(items[start : start + size])
        start += size
    return [part for part in out if part]


def _events(work: list[Command]) -> int:
    return sum(len(command.specs) for command in work)


def _figure(tally: Tally, tx: bool) -> dict[str, Any]:
    figure: dict[str, Any] = {}
    if tx:
        figure["tx_per_s"] = rounded(tally.ops_per_s)
    figure["events_per_s"] = rounded(tally.items_per_s)
    figure["seconds"] = round(tally.seconds, 3)
    figure["spread"] = rounded(tally.spread)
    return figure


def run_backend(backend: str, contenders: list[Contender], plan: Plan) -> dict[str, Any]:
    """Warm up, then measure every scenario with the contenders interleaved."""
    workload = Workload()
    batch_streams = 2 + plan.imports + plan.batches50  # two are for the warm-up
    names = [c.name for c in contenders]

    started = time.perf_counter()
    for contender in contenders:
        contender.open_streams(REPORT_STREAMS, batch_streams, workload)

    # Warm-up: the same kinds of work, untimed (caches, prepared statements, file growth).
    warm = workload.commands(WARMUP_COMMANDS, COMMAND_SIZES)
    warm_import = [workload.batch(0, IMPORT_SIZE)]
    warm_batch = [workload.batch(1, BATCH_SIZE)]
    for contender in contenders:
        contender.run(contender.prepare(warm, False), False)
        contender.run(contender.prepare(warm_import, True), True)
        contender.run(contender.prepare(warm_batch, True), True)
        contender.read_all()
    say(f"[{backend}] warmed up in {time.perf_counter() - started:.1f}s ({', '.join(names)})")

    scenarios: dict[str, Any] = {}

    def report(key: str, label: str, tallies: dict[str, Tally], tx: bool, **extra: Any) -> None:
        figures = {name: _figure(tally, tx) for name, tally in tallies.items()}
        scenarios[key] = {**extra, **figures}
        unit = "tx/s" if tx else "events/s"
        parts = []
        for name in names:
            figure = figures[name]
            main = figure["tx_per_s"] if tx else figure["events_per_s"]
            text = f"{name} {main:,} {unit}"
            if tx:
                text += f" ({figure['events_per_s']:,} ev/s)"
            parts.append(text)
        say(f"[{backend}] {label}: " + " | ".join(parts))

    commands = workload.commands(plan.commands, COMMAND_SIZES)
    tallies = _interleaved(contenders, _split(commands, plan.rounds), False, _events)
    report(
        "commands",
        f"{plan.commands} commands of 1-3 events",
        tallies,
        True,
        count=plan.commands,
        events=_events(commands),
    )

    singles = workload.commands(plan.singles, (1,))
    tallies = _interleaved(contenders, _split(singles, plan.rounds), False, _events)
    report(
        "single", f"{plan.singles} one-event commands", tallies, True, count=plan.singles,
        events=plan.singles,
    )  # fmt: skip

    imports = [workload.batch(2 + i, IMPORT_SIZE) for i in range(plan.imports)]
    tallies = _interleaved(contenders, _split(imports, plan.rounds), True, _events)
    report(
        "import500",
        f"{plan.imports} imports of {IMPORT_SIZE} events",
        tallies,
        False,
        count=plan.imports,
        events=plan.imports * IMPORT_SIZE,
    )

    first = 2 + plan.imports
    batches = [workload.batch(first + i, BATCH_SIZE) for i in range(plan.batches50)]
    tallies = _interleaved(contenders, _split(batches, plan.rounds), True, _events)
    report(
        "batch50",
        f"{plan.batches50} saves of {BATCH_SIZE} events",
        tallies,
        False,
        count=plan.batches50,
        events=plan.batches50 * BATCH_SIZE,
    )

    read = {c.name: Tally() for c in contenders}
    counts: dict[str, int] = {}
    for index in range(plan.read_rounds):
        order = contenders[index % len(contenders) :] + contenders[: index % len(contenders)]
        for contender in order:
            started = time.perf_counter()
            counts[contender.name] = contender.read_all()
            read[contender.name].add(1, counts[contender.name], time.perf_counter() - started)
    if len(set(counts.values())) != 1:
        warn(f"[{backend}] the contenders' logs differ in length: {counts}")
    report(
        "read",
        f"read and decode the whole log ({counts[names[0]]:,} events) x{plan.read_rounds}",
        read,
        False,
        events=counts[names[0]],
        rounds=plan.read_rounds,
    )

    ratios: dict[str, Any] = {}
    # What a hash-chained append can reach at most beside the bare insert (RawChained).
    ceilings: dict[str, Any] = {}
    for key, figure_name in (
        ("commands", "tx_per_s"),
        ("single", "tx_per_s"),
        ("import500", "events_per_s"),
        ("batch50", "events_per_s"),
        ("read", "events_per_s"),
    ):
        ours = scenarios[key]["ours"][figure_name]
        # raw_chained reads as raw does: only its writes say something of their own.
        writes = key != "read"
        for other in ("raw", "raw_same_sql", "raw_chained", "eventsourcing"):
            if other == "raw_chained" and not writes:
                continue
            theirs = scenarios[key].get(other, {}).get(figure_name)
            ratios[f"{key}_ours_vs_{other}"] = ratio(ours, theirs)
        if writes:
            ceilings[f"{key}_raw_chained_vs_raw"] = ratio(
                scenarios[key]["raw_chained"][figure_name], scenarios[key]["raw"][figure_name]
            )
    versus_es = [value for key, value in ratios.items() if key.endswith("eventsourcing")]
    goals = {
        "commands_vs_raw_ge_0.7": (ratios["commands_ours_vs_raw"] or 0) >= 0.7,
        "import500_vs_raw_ge_0.7": (ratios["import500_ours_vs_raw"] or 0) >= 0.7,
        "ahead_of_eventsourcing_everywhere": (
            all((value or 0) > 1 for value in versus_es)
            if any(value is not None for value in versus_es)
            else None
        ),
    }
    say(
        f"[{backend}] ratios: "
        + ", ".join(f"{key}={value}" for key, value in ratios.items())
        + " | ceilings: "
        + ", ".join(f"{key}={value}" for key, value in ceilings.items())
        + " | goals: "
        + ", ".join(
            f"{key}={'met' if ok else 'not measured' if ok is None else 'MISSED'}"
            for key, ok in goals.items()
        )
    )
    return {
        "settings": {c.name: c.settings() for c in contenders},
        **scenarios,
        "ratios": ratios,
        "ceilings": ceilings,
        "goals": goals,
    }


def bench_sqlite(plan: Plan) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="jixiao-bench-store-"))
    contenders: list[Contender] = []
    try:
        contenders = [
            Ours(f"sqlite:///{workdir / 'ours.db'}"),
            Raw("sqlite", f"sqlite:///{workdir / 'raw.db'}", str(workdir / "raw.db")),
            RawSameSql("sqlite", f"sqlite:///{workdir / 'same.db'}", str(workdir / "same.db")),
            RawChained("sqlite", f"sqlite:///{workdir / 'chain.db'}", str(workdir / "chain.db")),
            EventSourcingLib(
                {
                    "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                    "SQLITE_DBNAME": str(workdir / "eventsourcing.db"),
                }
            ),
        ]
        settings = {c.name: c.settings() for c in contenders}
        ours_sync = settings["ours"].get("synchronous")
        es_sync = settings["eventsourcing"].get("synchronous")
        say(
            f"[sqlite] {sqlite3.sqlite_version}, files in {workdir}; synchronous: "
            f"ours={ours_sync}, raw={settings['raw'].get('synchronous')}, "
            f"eventsourcing={es_sync} (it sets only journal_mode=WAL; this is the build's default)"
        )
        if es_sync != ours_sync:
            say(
                f"[sqlite] NOTE: eventsourcing runs at synchronous={es_sync}, ours at "
                f"{ours_sync}; raw is measured at ours ({ours_sync}), so ours/raw is like for like"
            )
        result = run_backend("sqlite", contenders, plan)
        result["settings"]["sqlite_version"] = sqlite3.sqlite_version
        result["settings"]["same_durability"] = es_sync == ours_sync
        return result
    finally:
        for contender in contenders:
            contender.close()
        shutil.rmtree(workdir, ignore_errors=True)


def bench_postgres(plan: Plan, url: str) -> dict[str, Any]:
    server = pg_settings(url, ("synchronous_commit", "fsync", "wal_sync_method"))
    say(
        f"[postgres] server {server['server_version']}, synchronous_commit="
        f"{server['synchronous_commit']}, fsync={server['fsync']} (the same for all)"
    )
    info = pg_conninfo(url)
    names = ("store_ours", "store_raw", "store_same", "store_chain", "store_es")
    with pg_schemas(url, *names) as schemas:
        contenders: list[Contender] = []
        try:
            contenders = [
                Ours(pg_url_with_schema(url, schemas["store_ours"])),
                Raw("postgres", pg_url_with_schema(url, schemas["store_raw"])),
                RawSameSql("postgres", pg_url_with_schema(url, schemas["store_same"])),
                RawChained("postgres", pg_url_with_schema(url, schemas["store_chain"])),
            ]
            try:
                es = EventSourcingLib(
                    {
                        "PERSISTENCE_MODULE": "eventsourcing.postgres",
                        "POSTGRES_DBNAME": info.get("dbname", "postgres"),
                        "POSTGRES_HOST": info.get("host", "127.0.0.1"),
                        "POSTGRES_PORT": info.get("port", "5432"),
                        "POSTGRES_USER": info.get("user", "postgres"),
                        "POSTGRES_PASSWORD": info.get("password", ""),
                        "POSTGRES_SCHEMA": schemas["store_es"],
                    }
                )
            except Exception as error:  # e.g. psycopg_pool missing
                warn(
                    f"[postgres] eventsourcing unavailable ({' '.join(str(error).split())}; "
                    "pip install 'eventsourcing[postgres]'): measuring ours and raw only"
                )
            else:
                contenders.append(es)
            result = run_backend("postgres", contenders, plan)
            result["settings"]["server"] = server
            return result
        finally:
            for contender in contenders:
                contender.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--commands", type=int, default=2000, help="commands of 1-3 events (default 2000)"
    )
    parser.add_argument(
        "--imports", type=int, default=20, help="imports of 500 events (default 20)"
    )
    parser.add_argument(
        "--pg-url",
        default=default_pg_url(),
        help="PostgreSQL URL (default: $JIXIAO_TEST_PG or postgresql://postgres@127.0.0.1/test)",
    )
    parser.add_argument("--rounds", type=int, default=10, help="interleaved rounds (default 10)")
    parser.add_argument("--read-rounds", type=int, default=9, help="whole-log reads (default 9)")
    args = parser.parse_args(argv)
    args.pg_url = libpq_url(args.pg_url)
    if args.commands < 1 or args.imports < 1 or args.rounds < 1 or args.read_rounds < 1:
        parser.error("--commands, --imports, --rounds and --read-rounds must be at least 1")

    plan = Plan(
        commands=args.commands,
        singles=max(1, args.commands // 2),
        imports=args.imports,
        batches50=max(1, args.imports * 2),
        rounds=args.rounds,
        read_rounds=args.read_rounds,
    )
    started = time.perf_counter()
    result: dict[str, Any] = {
        "bench": "store",
        "machine": machine(),
        "plan": {
            "backend": args.backend,
            "commands": plan.commands,
            "command_sizes": list(COMMAND_SIZES),
            "single_event_commands": plan.singles,
            "imports": plan.imports,
            "import_size": IMPORT_SIZE,
            "batches": plan.batches50,
            "batch_size": BATCH_SIZE,
            "rounds": plan.rounds,
            "read_rounds": plan.read_rounds,
            "read_batch": READ_BATCH,
            "warmup_commands": WARMUP_COMMANDS,
            "report_streams": REPORT_STREAMS,
        },
    }
    say(
        f"bench/store.py: {plan.commands} commands of 1-3 events, {plan.singles} one-event "
        f"commands, {plan.imports} imports of {IMPORT_SIZE}, {plan.batches50} saves of "
        f"{BATCH_SIZE}, {plan.read_rounds} whole-log reads; {plan.rounds} interleaved rounds"
    )

    if args.backend in ("sqlite", "both"):
        result["sqlite"] = bench_sqlite(plan)
    if args.backend in ("postgres", "both"):
        reason = pg_reachable(args.pg_url)
        if reason is None:
            try:
                result["postgres"] = bench_postgres(plan, args.pg_url)
            except Exception as error:  # a server that answers but fails midway
                reason = " ".join(f"{type(error).__name__}: {error}".split())
                warn(f"PostgreSQL bench failed ({reason}); its figures are left out")
                result["postgres"] = {"error": reason}
        else:
            warn(f"PostgreSQL at {args.pg_url} is unreachable ({reason}); measuring SQLite only")
            result["postgres"] = {"skipped": reason}
            if "sqlite" not in result:
                result["sqlite"] = bench_sqlite(plan)

    result["summary"] = {
        backend: {
            "commands_tx_per_s": result[backend]["commands"]["ours"]["tx_per_s"],
            "import500_events_per_s": result[backend]["import500"]["ours"]["events_per_s"],
            "read_events_per_s": result[backend]["read"]["ours"]["events_per_s"],
            **result[backend]["goals"],
        }
        for backend in ("sqlite", "postgres")
        if backend in result and "goals" in result[backend]
    }
    result["seconds"] = round(time.perf_counter() - started, 1)
    say(f"done in {result['seconds']}s")
    emit_json(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
