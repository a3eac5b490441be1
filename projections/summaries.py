"""Reports as the read rule sees them (workflow.visibility), from the report state projection.

Every face filters what it shows through :func:`workflow.visibility.may_read`; these give it
the summaries to judge, for one report or for all of a year at once.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.engine import Engine

from projections.report_state import ReportRow, list_reports, report_row
from projections.year_overview import OverviewRow, year_overview
from workflow.roles import Actor
from workflow.stages import Stage
from workflow.visibility import ReportSummary, may_follow, may_read, reads_everything


def summary_of(row: ReportRow) -> ReportSummary:
    """The read rule's summary of a report's latest revision."""
    return ReportSummary(
        department=row.department,
        stage=Stage(row.stage),
        revision=row.revision,
        submitted_by=row.submitted_by,
    )


def report_summary(engine: Engine, department: str, year: int) -> ReportSummary | None:
    """The summary of a department's report for a year; None if it was never opened."""
    row = report_row(engine, department, year)
    return summary_of(row) if row is not None else None


def report_summaries(engine: Engine, *, year: int | None = None) -> dict[str, ReportSummary]:
    """Every report's summary (of a ``year``, or of all years), by report stream id."""
    return {row.report: summary_of(row) for row in list_reports(engine, year=year)}


def visible_reports(
    engine: Engine, actor: Actor, *, year: int | None = None, stage: str | None = None
) -> list[ReportRow]:
    """The reports ``actor`` may read (latest revisions), filtered as ``list_reports``."""
    rows = list_reports(engine, year=year, stage=stage)
    return [row for row in rows if may_read(actor, summary_of(row))]


def readable_report_ids(engine: Engine, actor: Actor) -> set[str] | None:
    """The stream ids of the reports ``actor`` may read; None when they read every report."""
    if reads_everything(actor):
        return None
    return {report for report, s in report_summaries(engine).items() if may_read(actor, s)}


def visible_overview(
    engine: Engine, actor: Actor, year: int, *, stage: str | None = None
) -> list[OverviewRow]:
    """A year's overview as ``actor`` may see it: the departments whose progress they follow,
    with the figures and last actor of only the reports they may read."""
    summaries = report_summaries(engine, year=year)
    shown = []
    for row in year_overview(engine, year, stage=stage):
        if not may_follow(actor, row.department):
            continue
        summary = summaries.get(row.report) if row.report else None
        if summary is None or not may_read(actor, summary):
            row = replace(row, figures=dict.fromkeys(row.figures), last_actor=None)
        projects = tuple(p if may_read(actor, summary_of(p)) else _unread(p) for p in row.projects)
        shown.append(replace(row, projects=projects))
    return shown


def _unread(row: ReportRow) -> ReportRow:
    """A report followed but not readable: its stage shows, its figures and actors do not."""
    return replace(
        row,
        figures=dict.fromkeys(row.figures),
        last_actor="",
        submitted_by=None,
        pending=[],
        pending_signers=[],
    )
