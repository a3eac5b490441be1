"""What the read models write, as plain rows: the projections' row builders and the shape of
their tables, without SQLAlchemy.

The projections (:mod:`projections.report_state`, :mod:`projections.inboxes`,
:mod:`projections.year_overview`, :mod:`projections.audit_trail`) write these rows through
SQLAlchemy; `jixiao audit verify` folds the same rows in memory through the database driver
alone (:mod:`projections.folded`) and compares them with the stored tables. One builder
serves both, so the fold a verification compares with is the one the projections write.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from events.rows import naive_utc
from projections.at_head import FIGURE_COLUMNS, WORK_COLUMNS
from projections.pending import PendingAction, pending_actions, unsigned_entries
from projections.report_view import headline_figures
from projections.shared_fold import ReportStates, Transition
from projections.trail_query import CHANGE_COLUMNS
from workflow.report import ReportState
from workflow.stages import Stage

#: Events per transaction when rebuilding (:data:`projections.runner.REBUILD_BATCH`, which
#: is this): the fold `audit verify` compares with writes each report at the same moments.
REBUILD_BATCH = 300_000


@dataclass(frozen=True, slots=True)
class TableShape:
    """A read model's table as a comparison needs it: its columns in order, its primary
    key, and the columns that hold a moment (a naive UTC datetime) or a day (a date)."""

    name: str
    columns: tuple[str, ...]
    keys: tuple[str, ...]
    moments: tuple[str, ...] = ()
    days: tuple[str, ...] = ()


REPORT_STATE = TableShape(
    "pj_report_state",
    (
        "report",
        "revision",
        "department",
        "department_name",
        "year",
        "stage",
        "scheme",
        "unit",
        *FIGURE_COLUMNS,
        "pending",
        "pending_signers",
        "submitted_by",
        "last_actor",
        "last_event_type",
        "last_activity",
        "version",
        "position",
        "view",
        "project_name",
    ),
    ("report", "revision"),
    moments=("last_activity",),
)
AUDIT_TRAIL = TableShape("pj_audit_trail", CHANGE_COLUMNS, ("position",), moments=("recorded_at",))
INBOX_GRANTS = TableShape(
    "pj_inbox_grants", ("user_id", "role", "department"), ("user_id", "role", "department")
)
INBOX_WORK = TableShape(
    "pj_inbox_work",
    WORK_COLUMNS,
    ("report", "seq"),
    moments=("waiting_since",),
    days=("deadline",),
)
OVERVIEW_DEPARTMENTS = TableShape("pj_overview_departments", ("code", "name", "parent"), ("code",))
OVERVIEW_YEARS = TableShape(
    "pj_overview_years", ("year", "scheme", "deadline"), ("year",), days=("deadline",)
)
YEAR_OVERVIEW = TableShape(
    "pj_year_overview",
    (
        "year",
        "department",
        "department_name",
        "report",
        "revision",
        "stage",
        *FIGURE_COLUMNS,
        "last_actor",
        "last_activity",
        "position",
        "note",
        "reminder",
    ),
    ("year", "department"),
    moments=("last_activity",),
)

#: Each projection's tables, in the order the projection lists them (``Projection.tables``).
TABLES: dict[str, tuple[TableShape, ...]] = {
    "report_state": (REPORT_STATE,),
    "audit_trail": (AUDIT_TRAIL,),
    "inboxes": (INBOX_GRANTS, INBOX_WORK),
    "year_overview": (OVERVIEW_DEPARTMENTS, OVERVIEW_YEARS, YEAR_OVERVIEW),
}


# --- report state ---------------------------------------------------------------------


def report_state_row(states: ReportStates, transition: Transition) -> dict[str, Any]:
    """The ``pj_report_state`` row of a report revision after ``transition``."""
    state, record = transition.after, transition.record
    view, text = states.view(state)
    return {
        "report": record.stream_id,
        "revision": state.revision,
        "department": state.department,
        "department_name": state.department_name,
        "project_name": state.project.name if state.project is not None else None,
        "year": state.year,
        "stage": str(state.stage),
        "scheme": view["scheme"]["id"],
        "unit": view["scheme"]["budget_unit"],
        **headline_figures(view),
        "pending": json.dumps([a.as_data() for a in pending_actions(state)], ensure_ascii=False),
        "pending_signers": json.dumps(unsigned_entries(state), ensure_ascii=False),
        "submitted_by": state.submitted_by,
        "last_actor": record.actor,
        "last_event_type": record.event_type,
        "last_activity": naive_utc(record.recorded_at),
        "version": record.version,
        "position": record.position,
        "view": text,
    }


# --- inboxes --------------------------------------------------------------------------


def inbox_note(transition: Transition) -> str | None:
    """What a report's work rows say beside it: a failed render, or why a draft came back."""
    state = transition.after
    if state.stage is Stage.SIGNED_OFF and state.render_failure is not None:
        return state.render_failure.describe()
    if state.stage is not Stage.DRAFT:
        return None
    # A draft came back (a return) or started again (a reopen): the preparer sees why, and
    # which items the comment is pinned to (the one that happened last tells).
    if state.returns and state.returns[-1].revision == state.revision:
        last = state.returns[-1]
        pinned = ", ".join(f"{item.kind}:{item.id}" for item in last.items)
        return f"returned by {last.by}: {last.comment}" + (f" [{pinned}]" if pinned else "")
    if state.reopenings and state.reopenings[-1].revision == state.revision:
        reopened = state.reopenings[-1]
        return f"reopened by {reopened.by} as revision {reopened.revision}: {reopened.reason}"
    return None


def inbox_reminder(state: ReportState) -> str | None:
    """The last deadline reminder of a draft (what its preparers were last told)."""
    if state.stage is Stage.DRAFT and state.reminders:
        return str(state.reminders[-1])
    return None


@dataclass(slots=True)
class ReportMoves:
    """A report's transitions in the current transaction, as much as its work rows need."""

    first: Transition
    last: Transition
    #: The last transition that changed the stage or the revision, if any.
    moved: Transition | None


def note_moves(touched: dict[str, ReportMoves], transitions: list[Transition]) -> None:
    """Note in ``touched`` how each report of ``transitions`` (log order) moved."""
    for transition in transitions:
        before, after = transition.before, transition.after
        moved = (before.stage, before.revision) != (after.stage, after.revision)
        moves = touched.get(transition.record.stream_id)
        if moves is None:
            touched[transition.record.stream_id] = ReportMoves(
                transition, transition, transition if moved else None
            )
        else:
            moves.last = transition
            if moved:
                moves.moved = transition


def work_changed(moves: ReportMoves, actions: list[PendingAction]) -> bool:
    """Whether a report that kept its stage and revision waits for other work than before
    (``actions`` now: fewer signers pending, or a reminder sent): its rows are rewritten,
    the rest keep waiting since the stage began."""
    first, last = moves.first.before, moves.last.after
    return actions != pending_actions(first) or inbox_reminder(last) != inbox_reminder(first)


def work_rows(
    report: str, moves: ReportMoves, actions: list[PendingAction], since: Any
) -> list[dict[str, Any]]:
    """The ``pj_inbox_work`` rows of a report after ``moves``, waiting for ``actions``
    (:func:`projections.pending.pending_actions` of its last state) since ``since``."""
    last = moves.last.after
    note = inbox_note(moves.last)
    reminder = inbox_reminder(last)
    return [
        {
            "report": report,
            "seq": seq,
            "department": last.department,
            "department_name": last.department_name,
            "year": last.year,
            "revision": last.revision,
            "stage": str(last.stage),
            "action": action.action,
            "role": str(action.role) if action.role else None,
            "user_id": action.user,
            "excluded": json.dumps(list(action.excluded)),
            "waiting_since": since,
            "deadline": last.deadline,
            "note": note,
            "reminder": reminder if action.action == "submit" else None,
        }
        for seq, action in enumerate(actions)
    ]


# --- year overview --------------------------------------------------------------------


def overview_note(state: ReportState) -> str | None:
    """The note of a department's overview row: a failed render of its signed-off revision."""
    failure = state.render_failure
    if state.stage is Stage.SIGNED_OFF and failure is not None:
        return failure.describe()
    return None


def overview_blank(year: int, code: str, name: str) -> dict[str, Any]:
    """The overview row of a department that has not opened its ``year`` report."""
    return {
        "year": year,
        "department": code,
        "department_name": name,
        "revision": 0,
        "stage": str(Stage.NEW),
    }


def overview_row(states: ReportStates, transition: Transition) -> dict[str, Any] | None:
    """The overview row of a department after ``transition`` of its 部门整体 report; None
    for a 项目支出 report (listed under its department from the report state)."""
    state, record = transition.after, transition.record
    if state.project is not None:
        return None
    view, _ = states.view(state)
    return {
        "year": state.year,
        "department": state.department,
        "department_name": state.department_name,
        "report": record.stream_id,
        "revision": state.revision,
        "stage": str(state.stage),
        **headline_figures(view),
        "last_actor": record.actor,
        "last_activity": naive_utc(record.recorded_at),
        "position": record.position,
        "note": overview_note(state),
    }
