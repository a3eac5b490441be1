"""The audit trail: one row per change to a report — who, when, what, before, after, why.

Each report event becomes one row (see :mod:`projections.changes`): the moment, the actor
and the role they acted in, the event type, the item (line, indicator, section or the
report) and its field, the value before and after as typed and as parsed, the comment or
reason, the report's stage after it, and the event's log position and chain hash, so an
auditor can check any row against the log. Rows are inserted in one ``executemany`` per
batch and never updated.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from difflib import get_close_matches
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from events.model import RecordedEvent
from events.store import EventStore
from projections.changes import CHANGE_COLUMNS, change_row
from projections.shared_fold import ReportStates
from projections.sql import aware_utc, insert_many, naive_utc
from workflow.commands import report_stream_id, report_stream_parts
from workflow.errors import UnknownItem

_metadata = sa.MetaData()

audit_trail_table = sa.Table(
    "pj_audit_trail",
    _metadata,
    sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
    sa.Column("report", sa.String(250), nullable=False),
    sa.Column("department", sa.String(64), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("role", sa.String(50), nullable=False),
    sa.Column("event_type", sa.String(100), nullable=False),
    sa.Column("item_kind", sa.String(20), nullable=False),
    sa.Column("item_id", sa.String(250), nullable=False),
    sa.Column("item_label", sa.Text, nullable=False),
    sa.Column("field", sa.String(100), nullable=False),
    sa.Column("before_raw", sa.Text),
    sa.Column("before_value", sa.Text),
    sa.Column("after_raw", sa.Text),
    sa.Column("after_value", sa.Text),
    sa.Column("comment", sa.Text),
    sa.Column("stage", sa.String(40), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Index("ix_pj_audit_trail_report", "report", "position"),
    sa.Index("ix_pj_audit_trail_actor", "actor", "recorded_at"),
    sa.Index("ix_pj_audit_trail_recorded_at", "recorded_at"),
)

assert tuple(c.name for c in audit_trail_table.c) == CHANGE_COLUMNS


class AuditTrailProjection:
    """Appends one ``pj_audit_trail`` row per report event."""

    name = "audit_trail"
    version = 1
    tables = (audit_trail_table,)

    def __init__(self, states: ReportStates) -> None:
        self.states = states

    def apply(self, connection: Connection, events: Sequence[RecordedEvent]) -> None:
        """Insert the batch's changes in one statement."""
        rows = []
        # The events of one append share their moment: convert each moment once.
        moments: dict[datetime, datetime] = {}
        for transition in self.states.transitions(events):
            row = change_row(transition.record, transition.before, transition.after)
            moment = row["recorded_at"]
            stored = moments.get(moment)
            if stored is None:
                stored = moments[moment] = naive_utc(moment)
            row["recorded_at"] = stored
            rows.append(row)
        insert_many(connection, audit_trail_table, rows)


# --- queries ----------------------------------------------------------------------------


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
        parts = report_stream_parts(self.report)
        return parts[2] if parts is not None else None

    def describe(self) -> str:
        """One line: ``2022-03-01 09:00 zhang.san (preparer) line 预算资金总额 initial: a → b``."""
        when = self.recorded_at.strftime("%Y-%m-%d %H:%M:%S")
        what = f"{self.item_kind} {self.item_label} {self.field}"
        change = f"{self.before_raw or '—'} → {self.after_raw or '—'}"
        reason = f" ({self.comment})" if self.comment else ""
        return f"{when} {self.actor} ({self.role}) {what}: {change}{reason}"


_A = audit_trail_table.c


def audit_trail(
    engine: Engine,
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
    UTC) and an item. ``reports``,
    when given, keeps only those report streams (the ones the reader may read).

    An item that never appeared in the reports in scope is refused (UnknownItem, naming
    items that did), so a typo is not mistaken for an item nobody changed; an item that
    was removed keeps its history and is found.
    """
    scope: list[sa.ColumnElement[bool]] = []
    if reports is not None:
        scope.append(_A.report.in_(sorted(reports)))
    if department is not None:
        if year is None:
            raise ValueError("audit trail department: expected a year with it (one report)")
        scope.append(_A.report == report_stream_id(department, year, project))
    elif year is not None:
        scope.append(_A.year == year)
    query = sa.select(audit_trail_table).where(*scope)
    if user is not None:
        query = query.where(_A.actor == user)
    if since is not None:
        query = query.where(_A.recorded_at >= naive_utc(since))
    if until is not None:
        query = query.where(_A.recorded_at < naive_utc(until))
    if item_kind is not None:
        query = query.where(_A.item_kind == item_kind)
    if item_id is not None:
        query = query.where(_A.item_id == item_id)
    query = query.order_by(_A.position)
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
        if item_id is not None and not rows:
            # Only an empty answer can hide a typo: look the item up in the whole scope.
            known = connection.execute(sa.select(_A.item_kind, _A.item_id).where(*scope).distinct())
            items = {(kind, id_) for kind, id_ in known}
            if not any(id_ == item_id and item_kind in (kind, None) for kind, id_ in items):
                raise UnknownItem(unknown_item(item_kind, item_id, items, _scope(department, year)))
    return [_entry(row) for row in rows]


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


def checked_audit_trail(store: EventStore, **filters: Any) -> list[AuditEntry]:
    """:func:`audit_trail` of ``store``'s read model (``filters`` as it takes them), once the
    segment of the chain it shows holds: every event listed is still in the log, matches
    its hash, follows the event before it, and has the hash its row names. Raises
    TamperedEvent or BrokenChain at the first position that does not."""
    entries = audit_trail(store.engine, **filters)
    store.check_positions({entry.position: entry.hash for entry in entries})
    return entries


def _entry(row: Any) -> AuditEntry:
    values = row._asdict()
    values["recorded_at"] = aware_utc(row.recorded_at)
    for name in ("before_value", "after_value"):
        text = values[name]
        values[name] = json.loads(text) if text is not None else None
    return AuditEntry(**values)
