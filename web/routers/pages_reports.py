"""The report page: the 自评价表 with its computed figures and notices, return comments
beside the items they are pinned to, and the forms to submit, approve, return and sign off."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from projections.report_state import report_document
from web.dependencies import FormCaller, PageCaller, Services, ServicesDep
from web.errors import Refused, not_found
from web.execution import run_command
from web.identity import Identity
from worker.evaluation_table import BUDGET_HEADERS, INDICATOR_HEADERS, evaluation_table
from workflow.authorization import PERMISSIONS
from workflow.commands import (
    ApproveReport,
    ReportCommand,
    ReturnReport,
    SignOffReport,
    SubmitReport,
)
from workflow.roles import Actor
from workflow.stages import Stage

router = APIRouter(tags=["pages"], include_in_schema=False)

#: The forms of the page: the path's last part, the command, the message once it is done.
ACTIONS: dict[str, tuple[type[ReportCommand], str]] = {
    "submit": (SubmitReport, "已提交审核"),
    "approve": (ApproveReport, "已审核通过"),
    "return": (ReturnReport, "已退回修改"),
    "sign-off": (SignOffReport, "已会签"),
}


def available_actions(actor: Actor, department: str, stage: str) -> set[str]:
    """The forms to show: the commands the permission table lets the actor's roles issue in
    this stage (the rules still decide when a form is sent)."""
    roles = actor.roles_for(department)
    return {
        name.replace("-", "_")
        for name, (command, _) in ACTIONS.items()
        if any(Stage(stage) in PERMISSIONS[command].get(role, ()) for role in roles)
    }


def _pinned(view: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The current revision's return comments by the item they are pinned to."""
    pinned: dict[str, list[dict[str, Any]]] = {}
    for note in view["returns"]:
        if note["revision"] != view["revision"]:
            continue
        for item in note["items"]:
            pinned.setdefault(f"{item['kind']}:{item['id']}", []).append(note)
    return pinned


def render_report(
    request: Request,
    app: Services,
    caller: Identity,
    department: str,
    year: int,
    *,
    status: int = 200,
    error: str | None = None,
    field: str | None = None,
    done: str | None = None,
) -> Response:
    """The report page for a report the caller may read (404 otherwise)."""
    app.reads.readable(caller.actor, department, year)
    view = report_document(app.store.engine, department, year)
    if view is None:
        raise not_found(department, year)
    assert caller.session is not None
    title = f"{view['year']}年度部门整体支出绩效自评价表"
    return app.templates.TemplateResponse(
        request,
        "report.html.j2",
        {
            "identity": caller,
            "csrf": caller.session.csrf,
            "view": view,
            "table": evaluation_table(view, title),
            "budget_headers": BUDGET_HEADERS,
            "indicator_headers": INDICATOR_HEADERS,
            "pinned": _pinned(view),
            "actions": available_actions(caller.actor, department, view["stage"]),
            "error": error,
            "field": field,
            "done": done,
        },
        status_code=status,
    )


@router.get("/reports/{department}/{year}", response_class=HTMLResponse)
def report_page(
    department: str,
    year: int,
    request: Request,
    caller: PageCaller,
    app: ServicesDep,
    done: str | None = None,
) -> Response:
    """The report as its 自评价表, with what the caller may do next."""
    message = next((m for name, (_, m) in ACTIONS.items() if name == done), None)
    return render_report(request, app, caller, department, year, done=message)


@router.post("/reports/{department}/{year}/{action}")
def report_action(
    department: str,
    year: int,
    action: str,
    request: Request,
    caller: FormCaller,
    app: ServicesDep,
    revision: Annotated[int | None, Form()] = None,
    comment: Annotated[str, Form()] = "",
    items: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Submit, approve, return (with the ticked items) or sign off; back to the page."""
    if action not in ACTIONS:
        raise Refused(404, f"action: got {action!r}, expected one of {', '.join(ACTIONS)}")
    command_type, _ = ACTIONS[action]
    fields: dict[str, Any] = {"department": department, "year": year, "revision": revision}
    if command_type is ApproveReport:
        fields["comment"] = comment
    if command_type is ReturnReport:
        fields.update(comment=comment, items=tuple(items or ()))
    try:
        run_command(app, caller, command_type(**fields))
    except Refused as refused:
        if refused.status == 404:
            raise
        return render_report(
            request,
            app,
            caller,
            department,
            year,
            status=refused.status,
            error=refused.message,
            field=refused.field,
        )
    return RedirectResponse(f"/reports/{department}/{year}?done={action}", status_code=303)
