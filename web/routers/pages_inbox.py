"""我的待办: the reports waiting for the signed-in user, and the reports their department
has yet to open."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Engine

from projections.at_head import InboxItem, year_deadlines
from projections.inboxes import inbox
from projections.sql import EngineRows
from projections.year_overview import OverviewRow, year_overview
from web.dependencies import ServicesDep, SignedIn, page_identity
from web.identity import Identity
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
    """What waits, since when, the deadline and the days left.

    The page is kept (web.kept_pages) under everything it shows: the caller's header, each
    row as shown (the days waited, not the time), today and the site's address; a change to
    a report's figures leaves its inbox row as it was, and the page is not rendered again.
    """
    caller = page_identity(request, app)
    engine = app.reads.caught_up_for(caller.actor)
    assert caller.session is not None
    csrf = caller.session.csrf
    # A report nobody has opened waits in the inbox's own section, with its reminder: its
    # ``open`` row (after a reminder) would list it twice.
    items = [i for i in inbox(engine, caller.user_id) if i.action != "open"]
    opening = to_open(engine, caller.actor)
    today = datetime.now(UTC).date()
    key = (
        "inbox",
        caller.shown,
        tuple(_item_shown(item) for item in items),
        tuple(
            (row.department, row.year, row.department_name, row.reminder, deadline)
            for row, deadline in opening
        ),
        today,
        str(request.base_url),
    )
    kept = app.pages.get(key, csrf)
    if kept is None:
        page = app.templates.get_template("inbox.html.j2").render(
            {
                "request": request,
                "identity": Identity(
                    caller.user, replace(caller.session, csrf=app.pages.placeholder)
                ),
                "csrf": app.pages.placeholder,
                "items": items,
                "to_open": opening,
                "today": today,
            }
        )
        kept = app.pages.keep(key, page, csrf)
    return HTMLResponse(kept)


def _item_shown(item: InboxItem) -> tuple[Any, ...]:
    """What the inbox shows of ``item``: its fields, with the days it waited for the time."""
    return (
        item.report,
        item.department_name,
        item.year,
        item.stage,
        item.action,
        item.role,
        item.waiting_since,
        item.waited.days,
        item.deadline,
        item.overdue,
        item.note,
        item.reminder,
    )
