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

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from events.model import RecordedEvent
from projections import at_head
from projections.at_head import FIGURES, PROJECTION_VERSIONS, ReportRow
from projections.read_model_rows import report_state_row
from projections.shared_fold import LastTransitions, ReportStates
from projections.sql import EngineRows, upsert

_metadata = sa.MetaData()


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
    #: A 项目支出 report's 项目名称 (None for the 部门整体 report); last, where the migration
    #: that added it (read_models_0006) puts it. Text: a scheme may allow names longer
    #: than the default 200 characters.
    sa.Column("project_name", sa.Text),
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
    #: Version 5: indicators' 指标性质, 度量单位, 年初指标值 and typed 得分, the score's
    #: differences (view version 4).
    #: Version 6: the stored view has ``kind`` and ``project`` too (view version 5).
    #: Version 7: ``project_name``, a 项目支出 report's 项目名称 (migration read_models_0006).
    version = PROJECTION_VERSIONS[name]
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
        rows = [report_state_row(self.states, t) for t in self._touched.take()]
        upsert(connection, report_state_table, rows, ("report", "revision"))


# --- queries (their text is in projections.at_head, shared with the CLI's quick reads) ---


def report_row(
    engine: Engine,
    department: str,
    year: int,
    revision: int | None = None,
    project: str | None = None,
) -> ReportRow | None:
    """A report's row (the 项目支出 report of ``project`` if given): the latest revision
    unless ``revision`` is given; None if not opened."""
    return at_head.report_row(EngineRows(engine), department, year, revision, project)


def report_row_and_document(
    engine: Engine, department: str, year: int, project: str | None = None
) -> tuple[ReportRow, dict[str, Any]] | None:
    """A report's latest row and its stored view, read together (so the view is the one
    that row's version holds); the 项目支出 report of ``project`` if given; None if not
    opened."""
    return at_head.report_row_and_document(EngineRows(engine), department, year, project)


def report_document(
    engine: Engine,
    department: str,
    year: int,
    revision: int | None = None,
    project: str | None = None,
) -> dict[str, Any] | None:
    """A report revision's stored view (the document the worker renders), or None; the
    项目支出 report of ``project`` if given."""
    return at_head.report_document(EngineRows(engine), department, year, revision, project)


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
    return at_head.list_reports(
        EngineRows(engine),
        year=year,
        department=department,
        stage=stage,
        all_revisions=all_revisions,
    )
