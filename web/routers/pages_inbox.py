"""我的待办: the reports waiting for the signed-in user, and the reports their department
has yet to open."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Engine

from projections.at_head import year_deadlines
from projections.inboxes import inbox
from projections.sql import EngineRows
from projections.year_overview import OverviewRow, year_overview
from web.dependencies import ServicesDep, SignedIn, page_identity
from web.lanes import QuickRoute
from workflow.roles import ALL_DEPARTMENTS, Actor, Role
from workflow.stages import Stage

router = APIRouter(route_class=QuickRoute, tags=["pages"], include_in_schema=False)


def to_open(engine: Engine, actor: Actor) -> list[tuple[OverviewRow, object]]:
    """The opened years' reports the actor prepares and nobody has opened yet, with the
    year's deadline."""
    prepared = {g.department for g in actor.grants if g.role == Role.PREPARER}
    if not prepared:
        return []
    # Only the departments the actor prepares are read: a preparer's inbox reads its own
    # rows, not a bureau's hundreds (one grant for every department reads them all).
    departments = None if ALL_DEPARTMENTS in prepared else prepared
    return [
        (row, deadline)
        for year, deadline in year_deadlines(EngineRows(engine))
        for row in year_overview(engine, year, stage=Stage.NEW.value, departments=departments)
        if Role.PREPARER in actor.roles_for(row.department)
    ]


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(request: Request, _: SignedIn, app: ServicesDep) -> Response:
    """What waits, since when, the deadline and the days left."""
    caller = page_identity(request, app)
    engine = app.reads.caught_up_for(caller.actor)
    assert caller.session is not None
    return app.templates.TemplateResponse(
        request,
        "inbox.html.j2",
        {
            "identity": caller,
            "csrf": caller.session.csrf,
            # A report nobody has opened waits in the inbox's own section, with its
            # reminder: its ``open`` row (after a reminder) would list it twice.
            "items": [i for i in inbox(engine, caller.user_id) if i.action != "open"],
            "to_open": to_open(engine, caller.actor),
            "today": datetime.now(UTC).date(),
        },
    )
