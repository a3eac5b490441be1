"""Reports as the read rule sees them (workflow.visibility), from the report state projection.

Every face filters what it shows through :func:`workflow.visibility.may_read`; these give it
the summaries to judge, for one report or for all of a year at once. The filtering itself
is :mod:`projections.at_head`'s, which the CLI's quick reads run on a driver connection.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from projections import at_head
from projections.at_head import OverviewRow, ReportRow, summary_of
from projections.report_state import report_row
from projections.sql import EngineRows
from workflow.roles import Actor
from workflow.visibility import ReportSummary

__all__ = [
    "readable_report_ids",
    "report_summaries",
    "report_summary",
    "summary_of",
    "visible_overview",
    "visible_reports",
]


def report_summary(engine: Engine, department: str, year: int) -> ReportSummary | None:
    """The summary of a department's report for a year; None if it was never opened."""
    row = report_row(engine, department, year)
    return summary_of(row) if row is not None else None


def report_summaries(engine: Engine, *, year: int | None = None) -> dict[str, ReportSummary]:
    """Every report's summary (of a ``year``, or of all years), by report stream id."""
    return at_head.report_summaries(EngineRows(engine), year=year)


def visible_reports(
    engine: Engine, actor: Actor, *, year: int | None = None, stage: str | None = None
) -> list[ReportRow]:
    """The reports ``actor`` may read (latest revisions), filtered as ``list_reports``."""
    return at_head.visible_reports(EngineRows(engine), actor, year=year, stage=stage)


def readable_report_ids(engine: Engine, actor: Actor) -> set[str] | None:
    """The stream ids of the reports ``actor`` may read; None when they read every report."""
    return at_head.readable_report_ids(EngineRows(engine), actor)


def visible_overview(
    engine: Engine, actor: Actor, year: int, *, stage: str | None = None
) -> list[OverviewRow]:
    """A year's overview as ``actor`` may see it: the departments whose progress they follow,
    with the figures and last actor of only the reports they may read."""
    return at_head.visible_overview(EngineRows(engine), actor, year, stage=stage)
