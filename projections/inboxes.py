"""Inboxes: for each user, the reports waiting for their action, since when, and by when.

Two tables, joined when a user asks: ``pj_inbox_grants`` mirrors the roles granted in the
``user:`` streams, and ``pj_inbox_work`` holds what each report waits for
(:func:`projections.pending.pending_actions`) with the moment it started waiting, the
fiscal year's deadline and the last deadline reminder its draft got. Keeping them apart
means a grant or a revocation changes one row, not every inbox; a report moving on changes
only its own rows. A department reminded before it opened its report (a reminder on the
fiscal year's stream) waits for its preparers to open it: one ``open`` row, until it does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from events.model import RecordedEvent
from events.rows import naive_utc
from projections import at_head
from projections.at_head import PROJECTION_VERSIONS, InboxItem
from projections.pending import pending_actions
from projections.read_model_rows import ReportMoves, note_moves, work_changed, work_rows
from projections.shared_fold import REPORT_PREFIX, ReportStates
from projections.sql import EngineRows
from workflow.deadlines import DeadlineReminderSent
from workflow.roles import Role
from workflow.stages import Stage
from workflow.streams import report_stream_id
from workflow.users import RoleGranted, RoleRevoked

_metadata = sa.MetaData()

grants_table = sa.Table(
    "pj_inbox_grants",
    _metadata,
    sa.Column("user_id", sa.String(64), primary_key=True),
    sa.Column("role", sa.String(50), primary_key=True),
    sa.Column("department", sa.String(64), primary_key=True),
)

work_table = sa.Table(
    "pj_inbox_work",
    _metadata,
    sa.Column("report", sa.String(250), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("department", sa.String(64), nullable=False),
    sa.Column("department_name", sa.String(200), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("stage", sa.String(40), nullable=False),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("role", sa.String(50)),
    sa.Column("user_id", sa.String(64)),
    sa.Column("excluded", sa.Text, nullable=False),
    sa.Column("waiting_since", sa.DateTime, nullable=False),
    sa.Column("deadline", sa.Date),
    sa.Column("note", sa.Text),
    sa.Column("reminder", sa.String(20)),
    sa.Index("ix_pj_inbox_work_role", "role", "department"),
)

_G = grants_table.c
_W = work_table.c


def _grant_change(connection: Connection, event: RoleGranted | RoleRevoked) -> None:
    key = {
        "user_id": event.user_id,
        "role": str(event.grant.role),
        "department": event.grant.department,
    }
    where = sa.and_(*(grants_table.c[name] == value for name, value in key.items()))
    # Delete first so that a grant is idempotent and a revoke of a missing grant harmless.
    connection.execute(sa.delete(grants_table).where(where))
    if isinstance(event, RoleGranted):
        connection.execute(sa.insert(grants_table).values(**key))


def _reminded_before_opening(
    connection: Connection, record: RecordedEvent, event: DeadlineReminderSent
) -> None:
    """A department with no report was reminded: it waits for its preparers to open one.

    Once the report is opened its rows follow the report (:meth:`InboxProjection.flush`
    rewrites them), so a reminder read after the report was opened adds nothing: the rows
    come out the same whether the log is followed event by event or rebuilt at once.
    """
    report = report_stream_id(event.department, event.year)
    since = connection.execute(
        sa.select(sa.func.min(_W.waiting_since)).where(_W.report == report)
    ).scalar() or naive_utc(record.recorded_at)
    connection.execute(sa.delete(work_table).where(_W.report == report))
    connection.execute(
        sa.insert(work_table).values(
            report=report,
            seq=0,
            department=event.department,
            department_name=event.department_name,
            year=event.year,
            revision=0,
            stage=str(Stage.NEW),
            action="open",
            role=str(Role.PREPARER),
            user_id=None,
            excluded="[]",
            waiting_since=since,
            deadline=event.deadline,
            note=None,
            reminder=str(event.kind),
        )
    )


class InboxProjection:
    """Keeps ``pj_inbox_grants`` and ``pj_inbox_work``."""

    name = "inboxes"
    #: Version 2: a revision whose render failed for good waits for finance and an admin.
    #: Version 3: deadline reminders (``reminder``; ``open`` rows for unopened reports).
    #: Version 4: the note names a return's pinned items, and a reopen's reason.
    version = PROJECTION_VERSIONS[name]
    tables = (grants_table, work_table)

    def __init__(self, states: ReportStates) -> None:
        self.states = states
        self._touched: dict[str, ReportMoves] = {}

    def apply(self, connection: Connection, events: Sequence[RecordedEvent]) -> None:
        """Mirror grant changes; note how each report moved (its rows are rewritten by
        :meth:`flush`)."""
        store = self.states.store
        for record in events:
            event = record.event
            if isinstance(event, RoleGranted | RoleRevoked):
                _grant_change(connection, event)
            elif (
                isinstance(event, DeadlineReminderSent)
                and not record.stream_id.startswith(REPORT_PREFIX)
                and store.stream_version(report_stream_id(event.department, event.year)) == 0
            ):
                _reminded_before_opening(connection, record, event)
        note_moves(self._touched, self.states.transitions(events))

    def discard(self) -> None:
        """Forget what :meth:`apply` noted: the transaction rolled back."""
        self._touched = {}

    def flush(self, connection: Connection) -> None:
        """Rewrite the work rows of each report whose pending work changed in this transaction."""
        touched, self._touched = self._touched, {}
        for report, moves in touched.items():
            self._report_moved(connection, report, moves)

    def _report_moved(self, connection: Connection, report: str, moves: ReportMoves) -> None:
        actions = pending_actions(moves.last.after)
        if moves.moved is not None:
            since = naive_utc(moves.moved.record.recorded_at)
        elif work_changed(moves, actions):
            # Same stage, fewer signers pending or a reminder sent: the rest keep waiting
            # since the stage began.
            since = connection.execute(
                sa.select(sa.func.min(_W.waiting_since)).where(_W.report == report)
            ).scalar() or naive_utc(moves.last.record.recorded_at)
        else:
            return
        connection.execute(sa.delete(work_table).where(_W.report == report))
        rows = work_rows(report, moves, actions, since)
        if rows:
            connection.execute(sa.insert(work_table), rows)


# --- queries (their text is in projections.at_head, shared with the CLI's quick reads) ---


def inbox(engine: Engine, user_id: str, *, now: datetime | None = None) -> list[InboxItem]:
    """The reports waiting for ``user_id``, the longest-waiting first
    (:func:`projections.at_head.inbox`)."""
    return at_head.inbox(EngineRows(engine), user_id, now=now)
