"""我的待办: the reports waiting for the signed-in user."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from projections.inboxes import inbox
from web.dependencies import PageCaller, ServicesDep

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(request: Request, caller: PageCaller, app: ServicesDep) -> Response:
    """What waits, since when, the deadline and the days left."""
    items = inbox(app.reads.caught_up(), caller.user_id)
    return app.templates.TemplateResponse(
        request,
        "inbox.html.j2",
        {"identity": caller, "items": items, "today": datetime.now(UTC).date()},
    )
