"""A report as it was at any past moment, and what changed between two moments.

A moment is a time (an aware datetime, or naive UTC) or a log position (an int). The state
is folded from the log itself, not from a projection: the newest store snapshot at or
before the moment, then the few events after it (``workflow.service.load_report_stream``),
so an as-of read costs the same on a stream of fifty events or of five thousand. The events
it folds are checked against their hashes first: an edited row is refused, not shown.

The diff compares the two reports' views field by field, naming each field by its path
with list items labelled by name or id: ``budget.rows[预算资金总额].total: 300.09 → 279.08``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from events.errors import TamperedEvent
from events.schema import events_table, snapshots_table
from events.store import EventStore
from events.verify import matches_hash
from projections.report_view import report_view
from projections.sql import aware_utc, naive_utc
from workflow.administration import DEPARTMENT_CODE
from workflow.commands import report_stream_id
from workflow.errors import InvalidValue
from workflow.report import SNAPSHOT_KIND, SNAPSHOT_SCHEMA, ReportState
from workflow.service import load_report_stream
from workflow.stages import Stage

#: A moment in the log: a time, or a global log position.
Moment = datetime | int

_E = events_table.c
_S = snapshots_table.c


@dataclass(frozen=True, slots=True)
class ReportAsOf:
    """A report's state at a moment: the last event folded (version 0: not opened yet)."""

    stream_id: str
    moment: Moment
    version: int
    position: int | None
    recorded_at: datetime | None
    state: ReportState

    def view(self) -> dict[str, Any] | None:
        """The report view of the state; None when the report was not opened yet."""
        return None if self.state.stage is Stage.NEW else report_view(self.state)


def _moment_filter(moment: Moment) -> sa.ColumnElement[bool]:
    if isinstance(moment, bool) or not isinstance(moment, int | datetime):
        raise ValueError(
            f"moment: got {moment!r}, expected a time (ISO 8601) or a log position (a number)"
        )
    if isinstance(moment, int):
        return _E.position <= moment
    return _E.recorded_at <= naive_utc(moment)


def _check_folded_rows(connection: sa.Connection, stream_id: str, version: int) -> None:
    """Refuse to show a state folded from edited rows: the rows after the snapshot the fold
    starts from must still match their hashes. (Snapshots themselves are checked by the
    year's replay; the rows' links by ``audit verify``.)"""
    snapshot = connection.execute(
        sa.select(sa.func.max(_S.version)).where(
            _S.stream_id == stream_id,
            _S.version <= version,
            _S.kind == SNAPSHOT_KIND,
            _S.schema_version == SNAPSHOT_SCHEMA,
        )
    ).scalar()
    rows = connection.execute(
        sa.select(events_table)
        .where(_E.stream_id == stream_id, _E.version > (snapshot or 0), _E.version <= version)
        .order_by(_E.version)
    ).all()
    for row in rows:
        if not matches_hash(row):
            raise TamperedEvent(row.position, stream_id, row.version)


def stream_as_of(store: EventStore, stream_id: str, moment: Moment) -> ReportAsOf:
    """The report stream ``stream_id`` as it was at ``moment``; TamperedEvent if a row it
    folds was edited."""
    query = (
        sa.select(_E.version, _E.position, _E.recorded_at)
        .where(_E.stream_id == stream_id, _moment_filter(moment))
        .order_by(_E.version.desc())
        .limit(1)
    )
    with store.engine.connect() as connection:
        last = connection.execute(query).first()
        if last is not None:
            _check_folded_rows(connection, stream_id, last.version)
    if last is None:
        return ReportAsOf(stream_id, moment, 0, None, None, ReportState())
    loaded = load_report_stream(store, stream_id, to_version=last.version)
    return ReportAsOf(
        stream_id, moment, last.version, last.position, aware_utc(last.recorded_at), loaded.state
    )


def report_as_of(store: EventStore, department: str, year: int, moment: Moment) -> ReportAsOf:
    """A department's report for ``year`` as it was at ``moment`` (a time or a position)."""
    if not isinstance(department, str) or not DEPARTMENT_CODE.match(department):
        raise InvalidValue("report department", str(department), "a department code")
    return stream_as_of(store, report_stream_id(department, year), moment)


# --- diff -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field whose value differs between two moments (None: absent at that moment)."""

    path: str
    before: Any
    after: Any

    def __str__(self) -> str:
        return f"{self.path}: {_shown(self.before)} → {_shown(self.after)}"


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


_LABEL_KEYS = ("name", "id", "key", "indicator")
_ABSENT = object()


def _is_records(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def _unique(items: list[dict[str, Any]], key: str) -> list[str] | None:
    """The items' values under ``key`` if every one is a non-empty text and none repeats."""
    texts = [value for item in items if isinstance(value := item.get(key), str) and value]
    return texts if len(texts) == len(items) and len(set(texts)) == len(texts) else None


def _labels(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """Labels for the items of two versions of a list: the first of name, id, key that is
    unique in both, else the index."""
    for key in _LABEL_KEYS:
        old_labels, new_labels = _unique(old, key), _unique(new, key)
        if old_labels is not None and new_labels is not None:
            return old_labels, new_labels
    return [str(i) for i in range(len(old))], [str(i) for i in range(len(new))]


def _pairing(
    old: list[dict[str, Any]], new: list[dict[str, Any]], labels: tuple[list[str], list[str]]
) -> tuple[list[str], list[str]]:
    """What pairs an item with its earlier version: its id when ids are unique in both, so a
    renamed line is one line whose name changed; else its label."""
    old_ids, new_ids = _unique(old, "id"), _unique(new, "id")
    if old_ids is not None and new_ids is not None:
        return old_ids, new_ids
    return labels


def _compare(old: Any, new: Any, path: str, out: list[FieldChange]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key, value in new.items():
            _compare(old.get(key, _ABSENT), value, f"{path}.{key}" if path else key, out)
        for key, value in old.items():
            if key not in new:
                out.append(FieldChange(f"{path}.{key}" if path else key, value, None))
    elif _is_records(old) and _is_records(new) and (old or new):
        old_labels, new_labels = _labels(old, new)
        old_keys, new_keys = _pairing(old, new, (old_labels, new_labels))
        before = dict(zip(old_keys, zip(old_labels, old, strict=True), strict=True))
        for key, label, item in zip(new_keys, new_labels, new, strict=True):
            _, previous = before.pop(key, (label, _ABSENT))
            _compare(previous, item, f"{path}[{label}]", out)
        for label, item in before.values():
            out.append(FieldChange(f"{path}[{label}]", item, None))
    elif old is _ABSENT:
        if new is not None:
            out.append(FieldChange(path, None, new))
    elif old != new:
        out.append(FieldChange(path, old, new))


def diff_views(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[FieldChange]:
    """The fields that differ between two views, in the order of the later one; an item
    added to or removed from a list (a line, an indicator, a section) is one change."""
    changes: list[FieldChange] = []
    _compare(before or {}, after or {}, "", changes)
    return changes


@dataclass(frozen=True, slots=True)
class ReportDiff:
    """A report at two moments and the fields that changed between them."""

    before: ReportAsOf
    after: ReportAsOf
    changes: list[FieldChange]


def report_diff(
    store: EventStore, department: str, year: int, since: Moment, until: Moment
) -> ReportDiff:
    """What changed in a department's report for ``year`` between ``since`` and ``until``."""
    before = report_as_of(store, department, year, since)
    after = report_as_of(store, department, year, until)
    if before.version == after.version:
        return ReportDiff(before, after, [])
    return ReportDiff(before, after, diff_views(before.view(), after.view()))
