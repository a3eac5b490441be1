"""The audit trail's queries as driver SQL, on any :class:`projections.at_head.Rows`
source: the CLI's quick reads run them on a plain driver connection, the server and the
other commands on an engine's (:func:`projections.audit_trail.checked_audit_trail`).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from difflib import get_close_matches
from typing import Any, Protocol

from events.rows import stored_moment
from projections.at_head import Rows, moment, project_of
from workflow.errors import UnknownItem
from workflow.streams import report_stream_id

#: The columns of a change-log row, in the order the CSV writes them.
CHANGE_COLUMNS = (
    "position",
    "recorded_at",
    "report",
    "department",
    "year",
    "revision",
    "version",
    "actor",
    "role",
    "event_type",
    "item_kind",
    "item_id",
    "item_label",
    "field",
    "before_raw",
    "before_value",
    "after_raw",
    "after_value",
    "comment",
    "stage",
    "hash",
)


class PositionChecker(Protocol):
    """What checks listed events against the log (the SQL store, or the driver's reader)."""

    def check_positions(self, expected: Mapping[int, str | None], *, chunk: int = 500) -> None:
        """TamperedEvent or BrokenChain at the first listed position that does not hold."""
        ...


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One row of the audit trail, with the parsed values decoded from their JSON."""

    position: int
    recorded_at: datetime
    report: str
    department: str
    year: int
    revision: int
    version: int
    actor: str
    role: str
    event_type: str
    item_kind: str
    item_id: str
    item_label: str
    field: str
    before_raw: str | None
    before_value: Any
    after_raw: str | None
    after_value: Any
    comment: str | None
    stage: str
    hash: str

    @property
    def project(self) -> str | None:
        """The project code of a 项目支出 report's row; None for a 部门整体 report's."""
        return project_of(self.report)

    def describe(self) -> str:
        """One line: ``2022-03-01 09:00 zhang.san (preparer) line 预算资金总额 initial: a → b``."""
        when = self.recorded_at.strftime("%Y-%m-%d %H:%M:%S")
        what = f"{self.item_kind} {self.item_label} {self.field}"
        change = f"{self.before_raw or '—'} → {self.after_raw or '—'}"
        reason = f" ({self.comment})" if self.comment else ""
        return f"{when} {self.actor} ({self.role}) {what}: {change}{reason}"


def audit_trail(
    source: Rows,
    *,
    department: str | None = None,
    year: int | None = None,
    user: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    item_kind: str | None = None,
    item_id: str | None = None,
    limit: int | None = None,
    reports: Collection[str] | None = None,
    project: str | None = None,
) -> list[AuditEntry]:
    """Audit rows in log order, filtered by any combination of: one report (``department``
    and ``year``, with ``project`` for a 项目支出 report) or every report of a ``year``, the
    acting ``user``, a time range (``since`` inclusive, ``until`` exclusive; aware or naive
    UTC) and an item. ``reports``, when given, keeps only those report streams (the ones
    the reader may read).

    An item that never appeared in the reports in scope is refused (UnknownItem, naming
    items that did), so a typo is not mistaken for an item nobody changed; an item that
    was removed keeps its history and is found.
    """
    p, sqlite = source.placeholder, source.placeholder == "?"
    scope: list[str] = []
    scoped: list[Any] = []
    if reports is not None:
        chosen = sorted(reports)
        scope.append(f"report IN ({', '.join([p] * len(chosen))})" if chosen else "1 = 0")
        scoped += chosen
    if department is not None:
        if year is None:
            raise ValueError("audit trail department: expected a year with it (one report)")
        scope.append(f"report = {p}")
        scoped.append(report_stream_id(department, year, project))
    elif year is not None:
        scope.append(f"year = {p}")
        scoped.append(year)
    where, parameters = list(scope), list(scoped)
    for condition, value in (
        (f"actor = {p}", user),
        (f"recorded_at >= {p}", since and stored_moment(since, sqlite=sqlite)),
        (f"recorded_at < {p}", until and stored_moment(until, sqlite=sqlite)),
        (f"item_kind = {p}", item_kind),
        (f"item_id = {p}", item_id),
    ):
        if value is not None:
            where.append(condition)
            parameters.append(value)
    sql = f"SELECT {', '.join(CHANGE_COLUMNS)} FROM pj_audit_trail"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY position"
    if limit is not None:
        sql += f" LIMIT {p}"
        parameters.append(limit)
    rows = source.rows(sql, parameters)
    if item_id is not None and not rows:
        # Only an empty answer can hide a typo: look the item up in the whole scope.
        known = "SELECT DISTINCT item_kind, item_id FROM pj_audit_trail"
        if scope:
            known += " WHERE " + " AND ".join(scope)
        items = {(kind, id_) for kind, id_ in source.rows(known, scoped)}
        if not any(id_ == item_id and item_kind in (kind, None) for kind, id_ in items):
            raise UnknownItem(unknown_item(item_kind, item_id, items, _scope(department, year)))
    return [_entry(row) for row in rows]


def checked_audit_trail(source: Rows, log: PositionChecker, **filters: Any) -> list[AuditEntry]:
    """:func:`audit_trail` (``filters`` as it takes them), once the segment of the chain it
    shows holds in ``log``: every event listed is still in the log, matches its hash,
    follows the event before it, and has the hash its row names. Raises TamperedEvent or
    BrokenChain at the first position that does not."""
    entries = audit_trail(source, **filters)
    log.check_positions({entry.position: entry.hash for entry in entries})
    return entries


def _scope(department: str | None, year: int | None) -> str:
    if department is not None:
        return f"report {department}/{year}"
    return f"a {year} report" if year is not None else "any report"


def unknown_item(
    item_kind: str | None, item_id: str, items: Collection[tuple[str, str]], scope: str
) -> str:
    """The one-line refusal of an item that is not among ``items`` (kind, id) of ``scope``:
    a few that are, and the nearest by spelling (or the same id under another kind)."""
    got = f"{item_kind}:{item_id}" if item_kind is not None else item_id
    kind = item_kind or "item"
    # Without a kind, suggest the report's items rather than the report itself.
    ids = sorted({id_ for k, id_ in items if k == item_kind or (not item_kind and k != "report")})
    if not ids:
        return (
            f"item: got {got!r}, expected {_article(kind)} of {scope}, and none was ever recorded"
        )
    examples = ", ".join(_name(item_kind, id_) for id_ in ids[:3])
    message = f"item: got {got!r}, expected {_article(kind)} of {scope} such as {examples}"
    near = get_close_matches(item_id, ids, n=1)
    elsewhere = sorted(k for k, id_ in items if id_ == item_id)
    if near:
        return f"{message} — did you mean {_name(item_kind, near[0])}?"
    if elsewhere:
        return f"{message} — did you mean {elsewhere[0]}:{item_id}?"
    return message


def _name(kind: str | None, id_: str) -> str:
    return f"{kind}:{id_}" if kind is not None else id_


def _article(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


def _entry(row: tuple[Any, ...]) -> AuditEntry:
    values = dict(zip(CHANGE_COLUMNS, row, strict=True))
    values["recorded_at"] = moment(values["recorded_at"])
    for name in ("before_value", "after_value"):
        text = values[name]
        values[name] = json.loads(text) if text is not None else None
    return AuditEntry(**values)
