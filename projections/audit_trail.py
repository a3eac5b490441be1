"""The audit trail: one row per change to a report — who, when, what, before, after, why.

Each report event becomes one row (see :mod:`projections.changes`): the moment, the actor
and the role they acted in, the event type, the item (line, indicator, section or the
report) and its field, the value before and after as typed and as parsed, the comment or
reason, the report's stage after it, and the event's log position and chain hash, so an
auditor can check any row against the log. Rows are inserted in one ``executemany`` per
batch and never updated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from events.model import RecordedEvent
from events.store import EventStore
from projections import trail_query
from projections.at_head import PROJECTION_VERSIONS
from projections.changes import change_rows
from projections.shared_fold import ReportStates
from projections.sql import EngineRows, insert_values
from projections.trail_query import CHANGE_COLUMNS, AuditEntry

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
    version = PROJECTION_VERSIONS[name]
    tables = (audit_trail_table,)

    def __init__(self, states: ReportStates) -> None:
        self.states = states

    def apply(self, connection: Connection, events: Sequence[RecordedEvent]) -> None:
        """Insert the batch's changes in one statement."""
        insert_values(connection, audit_trail_table, change_rows(self.states.transitions(events)))


# --- queries (their text is in projections.trail_query, shared with the CLI's quick reads) ---


def audit_trail(engine: Engine, **filters: Any) -> list[AuditEntry]:
    """The audit rows of :func:`projections.trail_query.audit_trail` (``filters`` as it
    takes them), read through ``engine``."""
    return trail_query.audit_trail(EngineRows(engine), **filters)


def checked_audit_trail(store: EventStore, **filters: Any) -> list[AuditEntry]:
    """:func:`audit_trail` of ``store``'s read model, once the segment of the chain it shows
    holds (:func:`projections.trail_query.checked_audit_trail`)."""
    return trail_query.checked_audit_trail(EngineRows(store.engine), store, **filters)
