"""The year overview: every department the caller follows, with its report's stage, the days
to the deadline, overdue flags and scores, and a bar chart of how many reports stand at each
stage (inline SVG drawn on the server: no script)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from projections.summaries import visible_overview
from projections.year_overview import OverviewRow, years_table
from web.dependencies import PageCaller, ServicesDep
from web.errors import Refused
from web.lanes import QuickRoute
from web.reading import require_stage
from workflow.stages import Stage

router = APIRouter(route_class=QuickRoute, tags=["pages"], include_in_schema=False)

#: Stages still waiting for the department to submit: late once the deadline has passed.
NOT_SUBMITTED = frozenset({Stage.NEW.value, Stage.DRAFT.value})

#: The chart's geometry, in SVG user units.
_BAR_HEIGHT, _GAP, _LABEL, _WIDTH = 22, 8, 96, 360


@dataclass(frozen=True)
class Standing:
    """One department's row: its overview row and what the deadline makes of it."""

    row: OverviewRow
    days_left: int | None
    overdue: bool


@dataclass(frozen=True)
class Bar:
    """One stage's bar: how many reports, and where the bar is drawn."""

    stage: str
    count: int
    y: int
    width: int


def stage_chart(rows: list[OverviewRow]) -> dict[str, Any]:
    """The bars of the progress chart, one per stage in the flow's order."""
    counts = {stage.value: 0 for stage in Stage}
    for row in rows:
        counts[row.stage] = counts.get(row.stage, 0) + 1
    most = max(counts.values(), default=0) or 1
    bars = [
        Bar(stage, count, index * (_BAR_HEIGHT + _GAP), round(_WIDTH * count / most))
        for index, (stage, count) in enumerate(counts.items())
    ]
    return {
        "bars": bars,
        "height": len(bars) * (_BAR_HEIGHT + _GAP),
        "width": _LABEL + _WIDTH + 48,
        "label": _LABEL,
        "bar_height": _BAR_HEIGHT,
    }


@router.get("/overview", response_class=HTMLResponse)
def overview_page(
    request: Request,
    caller: PageCaller,
    app: ServicesDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    stage: str | None = None,
) -> Response:
    """Every department of the year the caller follows (the latest opened year unless one
    is asked for)."""
    stage = stage or None
    require_stage(stage, with_new=True)
    engine = app.reads.caught_up()
    with engine.connect() as connection:
        years = {
            row.year: row.deadline
            for row in connection.execute(
                sa.select(years_table.c.year, years_table.c.deadline).order_by(years_table.c.year)
            )
        }
    if year is None and years:
        year = max(years)
    if year is not None and year not in years:
        raise Refused(
            404,
            f"year: got {year}, expected a fiscal year that was opened "
            f"({', '.join(map(str, years)) or 'none yet'})",
            "year",
        )
    today = datetime.now(UTC).date()
    rows = visible_overview(engine, caller.actor, year) if year is not None else []
    deadline: date | None = years.get(year) if year is not None else None
    standings = [
        Standing(
            row,
            (deadline - today).days if deadline else None,
            bool(deadline and row.stage in NOT_SUBMITTED and today > deadline),
        )
        for row in rows
        if stage is None or row.stage == stage
    ]
    return app.templates.TemplateResponse(
        request,
        "overview.html.j2",
        {
            "identity": caller,
            "year": year,
            "years": list(years),
            "deadline": deadline,
            "stage": stage,
            "standings": standings,
            "chart": stage_chart(rows),
            "overdue": sum(s.overdue for s in standings),
        },
    )
