"""A report as it was at any past moment, and what changed between two moments.

A moment is a time (an aware datetime, or naive UTC) or a log position (an int). The state
is folded from the log itself, never from a projection or a snapshot (neither is chained:
docs/decisions/0206): from the stream's first event, or from a state this process folded
itself from verified rows (``workflow.service.folded``, docs/decisions/0207). The segment
of the chain it reads is checked first (``EventStore.read_stream_verified``): an edited
row, or one removed from the stream or from just before one of its events, is refused,
not shown.

The diff compares the two reports' views field by field, naming each field by its path
with list items labelled by name or id: ``budget.rows[预算资金总额].total: 300.09 → 279.08``.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from events.protocol import LogReads
from projections.report_view import ViewMemo, report_view
from workflow.errors import InvalidValue
from workflow.report import ReportState
from workflow.service.folded import folded_states
from workflow.stages import Stage
from workflow.streams import DEPARTMENT_CODE, report_stream_id
from workflow.text import identifier

#: A moment in the log: a time, or a global log position.
Moment = datetime | int


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


def _check_moment(moment: Moment) -> Moment:
    """``moment`` as a position or an aware time (naive times are UTC); ValueError else."""
    if isinstance(moment, bool) or not isinstance(moment, int | datetime):
        raise ValueError(
            f"moment: got {moment!r}, expected a time (ISO 8601) or a log position (a number)"
        )
    if isinstance(moment, datetime) and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _fold_until(
    store: LogReads, stream_id: str, moment: Moment, checked_through: int = 0
) -> ReportAsOf:
    """The stream folded up to ``moment``, each event read checked against the chain (from
    this process's newest verified checkpoint the moment allows: workflow.service.folded);
    ``checked_through``: a version up to which a fold just made has checked the stream."""
    states = folded_states(store)
    cut: dict[str, Any] = {"to_position": moment} if isinstance(moment, int) else {"as_of": moment}
    folded = states.fold(store, stream_id, verified=True, links_hold_through=checked_through, **cut)
    return ReportAsOf(
        stream_id, moment, folded.version, folded.position, folded.recorded_at, folded.state
    )


def stream_as_of(store: LogReads, stream_id: str, moment: Moment) -> ReportAsOf:
    """The report stream ``stream_id`` as it was at ``moment``; TamperedEvent or
    BrokenChain if the segment of the chain it folds does not hold."""
    return _fold_until(store, stream_id, _check_moment(moment))


def _report_stream(department: str, year: int, project: str | None) -> str:
    if not isinstance(department, str) or not DEPARTMENT_CODE.match(department):
        raise InvalidValue("report department", str(department), "a department code")
    if project is not None:
        identifier("report project", project)
    return report_stream_id(department, year, project)


def report_as_of(
    store: LogReads,
    department: str,
    year: int,
    moment: Moment,
    project: str | None = None,
) -> ReportAsOf:
    """A department's report for ``year`` (its 部门整体 report, or the 项目支出 report of
    ``project``) as it was at ``moment`` (a time or a position)."""
    return stream_as_of(store, _report_stream(department, year, project), moment)


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
    if old is new:
        return  # a part both views share (ViewMemo): nothing in it changed
    if isinstance(old, dict) and isinstance(new, dict):
        if old == new:
            return
        for key, value in new.items():
            _compare(old.get(key, _ABSENT), value, f"{path}.{key}" if path else key, out)
        for key, value in old.items():
            if key not in new:
                out.append(FieldChange(f"{path}.{key}" if path else key, value, None))
    elif _is_records(old) and _is_records(new) and (old or new):
        if old == new:
            return
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
    store: LogReads,
    department: str,
    year: int,
    since: Moment,
    until: Moment,
    project: str | None = None,
) -> ReportDiff:
    """What changed in a department's report for ``year`` (or in the 项目支出 report of
    ``project``) between ``since`` and ``until``."""
    stream_id = _report_stream(department, year, project)
    # The later moment first: the earlier one's fold then needs no second query of the
    # links of the stream's first versions, which the later one has just checked.
    after = _fold_until(store, stream_id, _check_moment(until))
    before = _fold_until(store, stream_id, _check_moment(since), after.version)
    if before.version == after.version:
        return ReportDiff(before, after, [])
    return ReportDiff(before, after, diff_views(_view(before), _view(after)))


#: Views of the states diffs compare: successive states of a report share most of their
#: parts, which are built once (ViewMemo), with no JSON text, which a diff never reads; a
#: lock, as a server diffs from many threads.
_VIEWS = ViewMemo(texts=False)
_VIEWS_LOCK = threading.Lock()


def _view(moment: ReportAsOf) -> dict[str, Any] | None:
    if moment.state.stage is Stage.NEW:
        return None
    with _VIEWS_LOCK:
        view, _ = _VIEWS.view(moment.state)
    return view
