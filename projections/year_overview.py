"""Year overview: every registered department of every opened fiscal year, on one row each,
with the department's 项目支出 reports listed under it (read from the report state).

A department that has not opened its report yet is listed with stage ``new`` and no
figures, so the finance bureau sees who has not started. Reported departments show their
latest revision: stage, the root line's totals, 预算执行率, 预算调整率, score, grade, the
last activity, and a note when the signed-off revision failed to render. Every department
shows the most urgent deadline reminder it was sent (before or after opening its report).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from events.model import RecordedEvent
from projections import at_head
from projections.at_head import PROJECTION_VERSIONS, OverviewRow
from projections.read_model_rows import overview_blank, overview_row
from projections.report_state import figure_columns
from projections.shared_fold import LastTransitions, ReportStates
from projections.sql import EngineRows, insert_missing, upsert
from workflow.administration import DepartmentRegistered, FiscalYearOpened
from workflow.deadlines import URGENCY, DeadlineReminderSent, ReminderKind

_metadata = sa.MetaData()

departments_table = sa.Table(
    "pj_overview_departments",
    _metadata,
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("parent", sa.String(64)),
)

years_table = sa.Table(
    "pj_overview_years",
    _metadata,
    sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("scheme", sa.String(64), nullable=False),
    sa.Column("deadline", sa.Date, nullable=False),
)

overview_table = sa.Table(
    "pj_year_overview",
    _metadata,
    sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("department", sa.String(64), primary_key=True),
    sa.Column("department_name", sa.String(200), nullable=False),
    sa.Column("report", sa.String(250)),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("stage", sa.String(40), nullable=False),
    *figure_columns(),
    sa.Column("last_actor", sa.String(200)),
    sa.Column("last_activity", sa.DateTime),
    sa.Column("position", sa.BigInteger),
    sa.Column("note", sa.Text),
    sa.Column("reminder", sa.String(20)),
)

_O = overview_table.c


class YearOverviewProjection:
    """Keeps the departments, the fiscal years and ``pj_year_overview``."""

    name = "year_overview"
    #: Version 2 added ``note`` (a failed render of the signed-off revision), version 3
    #: ``reminder`` (the most urgent deadline reminder sent), version 4 keeps a department's
    #: row to its 部门整体 report (its 项目支出 reports are listed under it from the report
    #: state).
    version = PROJECTION_VERSIONS[name]
    tables = (departments_table, years_table, overview_table)

    def __init__(self, states: ReportStates) -> None:
        self.states = states
        self._touched = LastTransitions(per_revision=False)

    def apply(self, connection: Connection, events: Sequence[RecordedEvent]) -> None:
        """Add rows for new departments and years; note each reported department's last
        state (written by :meth:`flush`)."""
        for record in events:
            event = record.event
            if isinstance(event, DepartmentRegistered):
                self._department(connection, event)
            elif isinstance(event, FiscalYearOpened):
                self._year(connection, event)
            elif isinstance(event, DeadlineReminderSent) and event.project_code is None:
                # A 项目支出 report's reminder is its own (decision 0618), not its
                # department's row's.
                self._reminded(connection, event)
        self._touched.add(self.states.transitions(events))

    def discard(self) -> None:
        """Forget what :meth:`apply` noted: the transaction rolled back."""
        self._touched.clear()

    def flush(self, connection: Connection) -> None:
        """Refresh the row of each department whose report this transaction touched."""
        # A department's row is its 部门整体 report's; its project reports are listed
        # under it from the report state (year_overview).
        found = (overview_row(self.states, t) for t in self._touched.take())
        rows = [row for row in found if row is not None]
        upsert(connection, overview_table, rows, ("year", "department"))

    def _reminded(self, connection: Connection, event: DeadlineReminderSent) -> None:
        # The most urgent kind, not the last one read: the same whichever order the events
        # of the two streams a department is reminded on reach the projection in. The
        # report's rows are rewritten (flush) without this column, so it stays.
        where = sa.and_(_O.year == event.year, _O.department == event.department)
        current = connection.execute(sa.select(_O.reminder).where(where)).scalar()
        if current is None or URGENCY.index(ReminderKind(current)) < URGENCY.index(event.kind):
            connection.execute(
                sa.update(overview_table).where(where).values(reminder=str(event.kind))
            )

    def _department(self, connection: Connection, event: DepartmentRegistered) -> None:
        connection.execute(
            sa.delete(departments_table).where(departments_table.c.code == event.code)
        )
        connection.execute(
            sa.insert(departments_table).values(
                code=event.code, name=event.name, parent=event.parent
            )
        )
        years = connection.execute(sa.select(years_table.c.year)).scalars().all()
        insert_missing(
            connection,
            overview_table,
            [overview_blank(year, event.code, event.name) for year in years],
        )

    def _year(self, connection: Connection, event: FiscalYearOpened) -> None:
        connection.execute(sa.delete(years_table).where(years_table.c.year == event.year))
        connection.execute(
            sa.insert(years_table).values(
                year=event.year, scheme=event.scheme.id, deadline=event.deadline
            )
        )
        departments = connection.execute(
            sa.select(departments_table.c.code, departments_table.c.name)
        ).all()
        insert_missing(
            connection,
            overview_table,
            [overview_blank(event.year, code, name) for code, name in departments],
        )


# --- queries (their text is in projections.at_head, shared with the CLI's quick reads) ---


def year_overview(
    engine: Engine,
    year: int,
    *,
    stage: str | None = None,
    departments: Collection[str] | None = None,
) -> list[OverviewRow]:
    """Every registered department for ``year``, by department code, each with its 项目支出
    reports; with ``stage``, only the reports in that stage, and the departments with one;
    with ``departments``, only those departments."""
    return at_head.year_overview(EngineRows(engine), year, stage=stage, departments=departments)
