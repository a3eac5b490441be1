"""`jixiao audit verify` through the database driver alone: the same checks as
:func:`projections.integrity.verify_log`, with the read models folded in memory.

The chain is walked from position 1 (:meth:`events.reads.DriverReads.verify`); the rows it
vouches for are decoded once and folded once (:class:`projections.shared_fold.
ReportStates`), and that fold is used twice, as :mod:`projections.integrity` uses it:

- every stored report snapshot is compared with the state at its version
  (:class:`projections.snapshots.SnapshotCheck`);
- every read model's rows are folded, up to the position its own checkpoint names, by the
  projections' own row builders (:mod:`projections.read_model_rows`), into memory instead
  of a scratch database, and compared row by row, in key order, with the stored tables.

The audit trail, one row per event, is compared a batch of the walk at a time, so memory
holds one batch of it, not the log's; the other read models hold a row or a few per report.
Everything is read in the reader's one read transaction (docs/decisions/0209). Nothing is
written to the database, and SQLAlchemy is not loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from datetime import date, datetime
from typing import Any, Protocol

from events.model import RecordedEvent
from events.protocol import LogWalk
from events.rows import naive_utc
from projections.at_head import PROJECTION_VERSIONS
from projections.changes import change_rows
from projections.pending import pending_actions
from projections.read_model_rows import (
    AUDIT_TRAIL,
    REBUILD_BATCH,
    TABLES,
    ReportMoves,
    TableShape,
    note_moves,
    overview_blank,
    overview_row,
    report_state_row,
    work_changed,
    work_rows,
)
from projections.shared_fold import REPORT_PREFIX, LastTransitions, ReportStates
from projections.snapshots import SnapshotCheck
from projections.verification import (
    LogVerification,
    chain_breaks_before,
    chosen_projections,
    first_difference,
    not_compared,
)
from workflow.administration import DepartmentRegistered, FiscalYearOpened
from workflow.deadlines import URGENCY, DeadlineReminderSent, ReminderKind
from workflow.roles import Role
from workflow.stages import Stage
from workflow.streams import report_stream_id
from workflow.users import RoleGranted, RoleRevoked

#: A read-model row as the projections build it: column name to value.
Fields = dict[str, Any]


class DriverLog(LogWalk, Protocol):
    """What the verification reads: the log (:class:`events.protocol.LogWalk`) and the read
    models' rows, through one driver connection (:class:`events.driver.LogReader`)."""

    #: Whether the database is SQLite (its driver returns moments and days as text).
    sqlite: bool
    #: The driver's parameter mark.
    placeholder: str

    def rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of one read statement."""
        ...


def _upsert(table: dict[tuple[Any, ...], Fields], row: Fields, keys: Sequence[str]) -> None:
    """``row`` inserted, or its columns written over the row with its key (the others kept),
    as :func:`projections.sql.upsert` does."""
    key = tuple(row[name] for name in keys)
    found = table.get(key)
    if found is None:
        table[key] = dict(row)
    else:
        found.update(row)


def _insert_missing(table: dict[tuple[Any, ...], Fields], row: Fields, keys: Sequence[str]) -> None:
    """``row`` inserted unless its key is there (:func:`projections.sql.insert_missing`)."""
    table.setdefault(tuple(row[name] for name in keys), dict(row))


def _values(shape: TableShape, rows: Iterable[Fields]) -> list[tuple[Any, ...]]:
    """``rows`` as value tuples in the table's column order (a column not given is NULL)."""
    columns = shape.columns
    return [tuple(row.get(name) for name in columns) for row in rows]


class _ReportStateFold:
    """``pj_report_state`` in memory (:class:`projections.report_state.ReportStateProjection`)."""

    name = "report_state"
    version = PROJECTION_VERSIONS[name]
    tables = TABLES[name]

    def __init__(self, states: ReportStates) -> None:
        self.states = states
        self._touched = LastTransitions(per_revision=True)
        self._rows: dict[tuple[Any, ...], Fields] = {}

    def apply(self, events: Sequence[RecordedEvent]) -> None:
        self._touched.add(self.states.transitions(events))

    def flush(self) -> None:
        keys = self.tables[0].keys
        for transition in self._touched.take():
            _upsert(self._rows, report_state_row(self.states, transition), keys)

    def rows(self, shape: TableShape) -> list[tuple[Any, ...]]:
        return _values(shape, self._rows.values())


class _AuditTrailFold:
    """``pj_audit_trail`` rows of the batches folded since they were last taken
    (:class:`projections.audit_trail.AuditTrailProjection`)."""

    name = "audit_trail"
    version = PROJECTION_VERSIONS[name]
    tables = TABLES[name]

    def __init__(self, states: ReportStates) -> None:
        self.states = states
        self._rows: list[tuple[Any, ...]] = []

    def apply(self, events: Sequence[RecordedEvent]) -> None:
        self._rows.extend(change_rows(self.states.transitions(events)))

    def flush(self) -> None:
        """Nothing deferred: each row is final once folded."""

    def take(self) -> list[tuple[Any, ...]]:
        """The rows folded since the last call, forgetting them."""
        taken, self._rows = self._rows, []
        return taken


class _InboxFold:
    """``pj_inbox_grants`` and ``pj_inbox_work`` in memory
    (:class:`projections.inboxes.InboxProjection`)."""

    name = "inboxes"
    version = PROJECTION_VERSIONS[name]
    tables = TABLES[name]

    def __init__(self, states: ReportStates) -> None:
        self.states = states
        self._grants: dict[tuple[Any, ...], Fields] = {}
        #: Each report's work rows.
        self._work: dict[str, list[Fields]] = {}
        self._touched: dict[str, ReportMoves] = {}

    def apply(self, events: Sequence[RecordedEvent]) -> None:
        log = self.states.store
        for record in events:
            event = record.event
            if isinstance(event, RoleGranted | RoleRevoked):
                key = (event.user_id, str(event.grant.role), event.grant.department)
                self._grants.pop(key, None)
                if isinstance(event, RoleGranted):
                    self._grants[key] = dict(zip(self.tables[0].columns, key, strict=True))
            elif (
                isinstance(event, DeadlineReminderSent)
                and not record.stream_id.startswith(REPORT_PREFIX)
                and log.stream_version(report_stream_id(event.department, event.year)) == 0
            ):
                self._reminded_before_opening(record, event)
        note_moves(self._touched, self.states.transitions(events))

    def _since(self, report: str) -> datetime | None:
        """The earliest moment the report's work rows wait since (SQL's ``min``)."""
        return min((row["waiting_since"] for row in self._work.get(report, ())), default=None)

    def _reminded_before_opening(self, record: RecordedEvent, event: DeadlineReminderSent) -> None:
        report = report_stream_id(event.department, event.year)
        since = self._since(report) or naive_utc(record.recorded_at)
        self._work[report] = [
            {
                "report": report,
                "seq": 0,
                "department": event.department,
                "department_name": event.department_name,
                "year": event.year,
                "revision": 0,
                "stage": str(Stage.NEW),
                "action": "open",
                "role": str(Role.PREPARER),
                "user_id": None,
                "excluded": "[]",
                "waiting_since": since,
                "deadline": event.deadline,
                "note": None,
                "reminder": str(event.kind),
            }
        ]

    def flush(self) -> None:
        touched, self._touched = self._touched, {}
        for report, moves in touched.items():
            actions = pending_actions(moves.last.after)
            if moves.moved is not None:
                since = naive_utc(moves.moved.record.recorded_at)
            elif work_changed(moves, actions):
                since = self._since(report) or naive_utc(moves.last.record.recorded_at)
            else:
                continue
            self._work[report] = work_rows(report, moves, actions, since)

    def rows(self, shape: TableShape) -> list[tuple[Any, ...]]:
        if shape.name == self.tables[0].name:
            return _values(shape, self._grants.values())
        return _values(shape, (row for rows in self._work.values() for row in rows))


class _YearOverviewFold:
    """The departments, the fiscal years and ``pj_year_overview`` in memory
    (:class:`projections.year_overview.YearOverviewProjection`)."""

    name = "year_overview"
    version = PROJECTION_VERSIONS[name]
    tables = TABLES[name]

    def __init__(self, states: ReportStates) -> None:
        self.states = states
        self._touched = LastTransitions(per_revision=False)
        self._departments: dict[tuple[Any, ...], Fields] = {}
        self._years: dict[tuple[Any, ...], Fields] = {}
        self._overview: dict[tuple[Any, ...], Fields] = {}

    def apply(self, events: Sequence[RecordedEvent]) -> None:
        keys = self.tables[2].keys
        for record in events:
            event = record.event
            if isinstance(event, DepartmentRegistered):
                self._departments[(event.code,)] = {
                    "code": event.code,
                    "name": event.name,
                    "parent": event.parent,
                }
                for (year,) in list(self._years):
                    _insert_missing(
                        self._overview, overview_blank(year, event.code, event.name), keys
                    )
            elif isinstance(event, FiscalYearOpened):
                self._years[(event.year,)] = {
                    "year": event.year,
                    "scheme": event.scheme.id,
                    "deadline": event.deadline,
                }
                for department in list(self._departments.values()):
                    blank = overview_blank(event.year, department["code"], department["name"])
                    _insert_missing(self._overview, blank, keys)
            elif isinstance(event, DeadlineReminderSent) and event.project_code is None:
                # The most urgent kind, as the projection keeps it; a department with no
                # row in the year is not given one; a 项目支出 report's is not its row's.
                row = self._overview.get((event.year, event.department))
                current = None if row is None else row.get("reminder")
                if row is not None and (
                    current is None
                    or URGENCY.index(ReminderKind(current)) < URGENCY.index(event.kind)
                ):
                    row["reminder"] = str(event.kind)
        self._touched.add(self.states.transitions(events))

    def flush(self) -> None:
        keys = self.tables[2].keys
        for transition in self._touched.take():
            row = overview_row(self.states, transition)
            if row is not None:
                _upsert(self._overview, row, keys)

    def rows(self, shape: TableShape) -> list[tuple[Any, ...]]:
        held = {
            "pj_overview_departments": self._departments,
            "pj_overview_years": self._years,
            "pj_year_overview": self._overview,
        }[shape.name]
        return _values(shape, held.values())


#: A read model folded in memory: ``apply`` batches, ``flush`` at a transaction's end, and
#: its rows (``take`` for the audit trail's, a batch at a time).
MemoryFold = _ReportStateFold | _AuditTrailFold | _InboxFold | _YearOverviewFold


def memory_folds(states: ReportStates) -> list[MemoryFold]:
    """Every read model, in the order :func:`projections.registry.all_projections` lists them."""
    return [
        _ReportStateFold(states),
        _AuditTrailFold(states),
        _InboxFold(states),
        _YearOverviewFold(states),
    ]


def _typed(shape: TableShape, sqlite: bool) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """How a stored row is read as SQLAlchemy's types read it: on SQLite, whose driver
    returns moments and days as their stored text, those columns parsed (a text that does
    not parse is kept, and differs from the fold's value); PostgreSQL's driver types them."""
    if not sqlite:
        return tuple
    parsers: list[tuple[int, Callable[[str], Any]]] = [
        (shape.columns.index(name), datetime.fromisoformat) for name in shape.moments
    ] + [(shape.columns.index(name), date.fromisoformat) for name in shape.days]
    if not parsers:
        return tuple

    def typed(row: tuple[Any, ...]) -> tuple[Any, ...]:
        values = list(row)
        for index, parse in parsers:
            value = values[index]
            if isinstance(value, str):
                with suppress(ValueError):
                    values[index] = parse(value)
        return tuple(values)

    return typed


def _indexes(shape: TableShape) -> list[int]:
    return [shape.columns.index(name) for name in shape.keys]


def _stored(
    log: DriverLog, shape: TableShape, where: str = "", parameters: Sequence[Any] = ()
) -> Iterator[tuple[Any, ...]]:
    """The stored rows of ``shape``'s table (those ``where`` holds), typed, in key order."""
    sql = f"SELECT {', '.join(shape.columns)} FROM {shape.name}"
    if where:
        sql += f" WHERE {where}"
    typed = _typed(shape, log.sqlite)
    indexes = _indexes(shape)
    # Sorted here, by code point as PostgreSQL's "C" collation and SQLite compare text.
    return iter(
        sorted(
            map(typed, log.rows(sql, parameters)), key=lambda row: tuple(row[i] for i in indexes)
        )
    )


def _compared(
    shape: TableShape,
    log: DriverLog,
    folded: list[tuple[Any, ...]],
    where: str = "",
    parameters: Sequence[Any] = (),
) -> str | None:
    indexes = _indexes(shape)
    folded.sort(key=lambda row: tuple(row[i] for i in indexes))
    return first_difference(
        shape.name, shape.columns, indexes, _stored(log, shape, where, parameters), iter(folded)
    )


def _checkpoints(log: DriverLog) -> dict[str, tuple[int, int]]:
    """Each projection's stored (version, position); empty before any was set up."""
    found = log.rows("SELECT name, version, position FROM projection_checkpoints")
    return {name: (int(version), int(position)) for name, version, position in found}


class _Walk:
    """Hands each batch the chain accepted to the snapshot check and the folds, and compares
    the audit trail's rows a batch at a time."""

    def __init__(
        self,
        log: DriverLog,
        states: ReportStates,
        snapshots: SnapshotCheck,
        chosen: Mapping[str, tuple[MemoryFold, int]],
    ) -> None:
        self.log, self.states, self.snapshots = log, states, snapshots
        self.chosen = list(chosen.values())
        found = chosen.get("audit_trail")
        self.trail = (
            found[0] if found is not None and isinstance(found[0], _AuditTrailFold) else None
        )
        self.unflushed = 0
        #: The position up to which the stored audit rows were compared.
        self.compared_to = 0
        #: The first audit row that differs, once found.
        self.trail_problem: str | None = None

    def consume(self, rows: Sequence[Any]) -> None:
        records = self.log.decode_rows(rows)
        for transition in self.states.transitions(records):
            self.snapshots.reached(transition.record, transition.after)
        for fold, checkpoint in self.chosen:
            # The same list when the whole batch is due, so the fold is shared (ReportStates).
            due = (
                records
                if records[-1].position <= checkpoint
                else [r for r in records if r.position <= checkpoint]
            )
            if due:
                fold.apply(due)
        self.unflushed += len(records)
        if self.unflushed >= REBUILD_BATCH:
            self.flush()
        self.compare_trail(records[-1].position)

    def flush(self) -> None:
        self.unflushed = 0
        for fold, _ in self.chosen:
            fold.flush()

    def compare_trail(self, through: int | None) -> None:
        """Compare the audit rows folded since the last comparison with the stored ones
        after :attr:`compared_to`, up to ``through`` (None: to the end of the table)."""
        if self.trail is None:
            return
        folded = self.trail.take()
        if self.trail_problem is not None:
            return
        p = self.log.placeholder
        where, parameters = f"position > {p}", [self.compared_to]
        if through is not None:
            where += f" AND position <= {p}"
            parameters.append(through)
            self.compared_to = through
        self.trail_problem = _compared(AUDIT_TRAIL, self.log, folded, where, parameters)


def verify_folded(
    log: DriverLog,
    *,
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> LogVerification:
    """Walk the chain, compare every report snapshot and every read model with the fold of
    the log, all in one pass, as :func:`projections.integrity.verify_log` does, through the
    database driver alone. ``progress(checked)`` is told after each batch."""
    states = ReportStates(log)
    snapshots = SnapshotCheck(log)
    skipped: list[str] = []
    chosen = chosen_projections(memory_folds(states), _checkpoints(log), skipped)
    walk = _Walk(log, states, snapshots, chosen)
    chain = log.verify(batch_size=batch_size, progress=progress, accepted=walk.consume)
    walk.flush()
    walk.compare_trail(None)
    if chain.ok:
        snapshots.finish()
    result = LogVerification(chain, snapshots.checked, snapshots.mismatched, skipped=skipped)
    for name, (fold, checkpoint) in chosen.items():
        if chain_breaks_before(chain, checkpoint):
            skipped.append(not_compared(name, checkpoint))
            continue
        result.read_models[name] = checkpoint
        for shape in fold.tables:
            if isinstance(fold, _AuditTrailFold):
                problem = walk.trail_problem
            else:
                problem = _compared(shape, log, fold.rows(shape))
            if problem is not None:
                result.read_model_problem = f"read model {name}: {problem}"
                return result
    return result
