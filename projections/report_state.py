"""Report state: one row per report and revision, with the whole view and queryable columns.

The ``view`` column holds :func:`projections.report_view.report_view` as JSON: every typed
and computed figure, the indicators with their status, the narrative, the consistency
notices, approvals and signatures. Beside it, the columns people filter and sort by:
department, year, stage, the root line's totals, 预算执行率, 预算调整率, score and grade,
what the report waits for, and when it last changed. Amounts and rates are exact decimal
text, never floats.

A revision's row keeps its last state once the report is reopened, so every signed-off
revision stays readable as it was signed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from events.model import RecordedEvent
from projections.pending import pending_actions, unsigned_entries
from projections.report_view import headline_figures
from projections.shared_fold import LastTransitions, ReportStates
from projections.sql import aware_utc, naive_utc, upsert
from workflow.commands import report_stream_id, report_stream_parts

_metadata = sa.MetaData()

#: The headline figures stored as columns, as exact decimal text (see ``headline_figures``).
FIGURES = (
    "initial",
    "adjustments",
    "higher_level",
    "total",
    "actual",
    "execution_rate",
    "adjustment_rate",
    "score",
)


def figure_columns() -> list[sa.Column]:
    """Fresh columns for the headline figures and the grade (for any table that lists reports)."""
    return [sa.Column(name, sa.String(40)) for name in FIGURES] + [
        sa.Column("grade", sa.String(20))
    ]


report_state_table = sa.Table(
    "pj_report_state",
    _metadata,
    sa.Column("report", sa.String(250), primary_key=True),
    sa.Column("revision", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("department", sa.String(64), nullable=False),
    sa.Column("department_name", sa.String(200), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("stage", sa.String(40), nullable=False),
    sa.Column("scheme", sa.String(64), nullable=False),
    sa.Column("unit", sa.String(10), nullable=False),
    *figure_columns(),
    sa.Column("pending", sa.Text, nullable=False),
    sa.Column("pending_signers", sa.Text, nullable=False),
    sa.Column("submitted_by", sa.String(200)),
    sa.Column("last_actor", sa.String(200), nullable=False),
    sa.Column("last_event_type", sa.String(100), nullable=False),
    sa.Column("last_activity", sa.DateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("view", sa.Text, nullable=False),
    sa.Index("ix_pj_report_state_year_department", "year", "department"),
    sa.Index("ix_pj_report_state_stage", "stage"),
)


class ReportStateProjection:
    """Keeps ``pj_report_state``: each touched (report, revision) is written once per
    transaction, however many batches of events it spans."""

    name = "report_state"
    #: Version 2: the stored view has ``notices`` (view version 2); older rows are rebuilt.
    #: Version 3: a revision whose render failed for good is pending on finance and an admin.
    #: Version 4: the stored view's ``score`` has the scheme's points (view version 3).
    #: Version 5: the stored view has ``kind`` and ``project`` (view version 4).
    version = 5
    tables = (report_state_table,)

    def __init__(self, states: ReportStates) -> None:
        self.states = states
        self._touched = LastTransitions(per_revision=True)

    def apply(self, connection: Connection, events: Sequence[RecordedEvent]) -> None:
        """Note the last state of every report revision the events touch (see :meth:`flush`)."""
        self._touched.add(self.states.transitions(events))

    def discard(self) -> None:
        """Forget what :meth:`apply` noted: the transaction rolled back."""
        self._touched.clear()

    def flush(self, connection: Connection) -> None:
        """Upsert the last state of every report revision touched in this transaction."""
        rows = []
        for transition in self._touched.take():
            state, record = transition.after, transition.record
            view, text = self.states.view(state)
            rows.append(
                {
                    "report": record.stream_id,
                    "revision": state.revision,
                    "department": state.department,
                    "department_name": state.department_name,
                    "year": state.year,
                    "stage": str(state.stage),
                    "scheme": view["scheme"]["id"],
                    "unit": view["scheme"]["budget_unit"],
                    **headline_figures(view),
                    "pending": json.dumps(
                        [a.as_data() for a in pending_actions(state)], ensure_ascii=False
                    ),
                    "pending_signers": json.dumps(unsigned_entries(state), ensure_ascii=False),
                    "submitted_by": state.submitted_by,
                    "last_actor": record.actor,
                    "last_event_type": record.event_type,
                    "last_activity": naive_utc(record.recorded_at),
                    "version": record.version,
                    "position": record.position,
                    "view": text,
                }
            )
        upsert(connection, report_state_table, rows, ("report", "revision"))


# --- queries ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportRow:
    """A report revision as the projection holds it."""

    report: str
    revision: int
    department: str
    department_name: str
    year: int
    stage: str
    scheme: str
    unit: str
    figures: dict[str, str | None]
    pending: list[dict[str, Any]]
    pending_signers: list[str]
    submitted_by: str | None
    last_actor: str
    last_event_type: str
    last_activity: datetime
    version: int
    position: int

    @classmethod
    def from_row(cls, row: Any) -> ReportRow:
        """Build from a ``pj_report_state`` row."""
        return cls(
            report=row.report,
            revision=row.revision,
            department=row.department,
            department_name=row.department_name,
            year=row.year,
            stage=row.stage,
            scheme=row.scheme,
            unit=row.unit,
            figures={name: getattr(row, name) for name in (*FIGURES, "grade")},
            pending=json.loads(row.pending),
            pending_signers=json.loads(row.pending_signers),
            submitted_by=row.submitted_by,
            last_actor=row.last_actor,
            last_event_type=row.last_event_type,
            last_activity=aware_utc(row.last_activity),
            version=row.version,
            position=row.position,
        )

    @property
    def project(self) -> str | None:
        """The project code of a 项目支出 report; None for a 部门整体 report."""
        parts = report_stream_parts(self.report)
        return parts[2] if parts is not None else None

    def listed(self) -> dict[str, Any]:
        """The row as a list of reports shows it (`report list`, ``GET /api/v1/reports``):
        who, which revision, its stage, headline figures and last activity."""
        return {
            "report": self.report,
            "department": self.department,
            "project": self.project,
            "name": self.department_name,
            "year": self.year,
            "revision": self.revision,
            "stage": self.stage,
            **self.figures,
            "last_actor": self.last_actor,
            "last_activity": self.last_activity,
        }


_R = report_state_table.c
_ROW_COLUMNS = [c for c in report_state_table.c if c.name != "view"]


def _revision_query(
    department: str, year: int, revision: int | None, project: str | None
) -> sa.Select:
    query = sa.select(*_ROW_COLUMNS, _R.view).where(
        _R.report == report_stream_id(department, year, project)
    )
    if revision is not None:
        return query.where(_R.revision == revision)
    return query.order_by(_R.revision.desc()).limit(1)


def report_row(
    engine: Engine,
    department: str,
    year: int,
    revision: int | None = None,
    project: str | None = None,
) -> ReportRow | None:
    """A report's row (the 项目支出 report of ``project`` if given): the latest revision
    unless ``revision`` is given; None if not opened."""
    with engine.connect() as connection:
        row = connection.execute(_revision_query(department, year, revision, project)).first()
    return ReportRow.from_row(row) if row is not None else None


def report_document(
    engine: Engine,
    department: str,
    year: int,
    revision: int | None = None,
    project: str | None = None,
) -> dict[str, Any] | None:
    """A report revision's stored view (the document the worker renders), or None; the
    项目支出 report of ``project`` if given."""
    with engine.connect() as connection:
        row = connection.execute(_revision_query(department, year, revision, project)).first()
    return json.loads(row.view) if row is not None else None


def list_reports(
    engine: Engine,
    *,
    year: int | None = None,
    department: str | None = None,
    stage: str | None = None,
    all_revisions: bool = False,
) -> list[ReportRow]:
    """Report rows by department and revision, filtered; the latest revision of each by
    default."""
    query = sa.select(*_ROW_COLUMNS)
    if year is not None:
        query = query.where(_R.year == year)
    if department is not None:
        query = query.where(_R.department == department)
    if not all_revisions:
        newer = report_state_table.alias("newer")
        latest = (
            sa.select(sa.func.max(newer.c.revision))
            .where(newer.c.report == _R.report)
            .scalar_subquery()
        )
        query = query.where(_R.revision == latest)
    if stage is not None:
        query = query.where(_R.stage == stage)
    with engine.connect() as connection:
        rows = connection.execute(
            query.order_by(_R.year, _R.department, _R.report, _R.revision)
        ).all()
    return [ReportRow.from_row(row) for row in rows]
