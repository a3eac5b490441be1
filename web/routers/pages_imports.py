"""The upload page: a preparer sends a 自评价表 (.xlsx) or a report file, sees what
``jixiao report import --check`` would say — the problems by cell, or the commands that would
be recorded — and confirms. The confirmation carries the file back and it is read and
checked again in full before anything is recorded (docs/decisions/0604)."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from imports.reading import (
    EXPECTED_FILE,
    MAX_REPORT_FILE_BYTES,
    is_workbook,
    read_import,
    record_import,
)
from imports.spreadsheet import MAX_WORKBOOK_BYTES
from web.dependencies import CSRF_FIELD, PageCaller, ProjectPath, Services, ServicesDep, same
from web.errors import Refused, not_found, refusal
from web.identity import Identity
from web.lanes import QuickRoute, in_long_lane
from web.templating import page_of
from workflow.errors import DocumentRejected, DomainError
from workflow.roles import Role
from workflow.streams import DEPARTMENT_CODE, report_label

router = APIRouter(route_class=QuickRoute, tags=["pages"], include_in_schema=False)

#: The largest file the page takes, whichever kind.
MAX_UPLOAD_BYTES = max(MAX_WORKBOOK_BYTES, MAX_REPORT_FILE_BYTES)
#: The confirmation carries the file as base64: 4 characters for every 3 bytes.
_MAX_CONFIRM_PART = (MAX_UPLOAD_BYTES + 2) // 3 * 4 + 1024

#: Commands by what the preview calls them.
COMMAND_LABELS = {
    "OpenReport": "新建报告",
    "SetFunctions": "主要职能",
    "SetStaffing": "人员编制",
    "SetNetAssets": "净资产",
    "EditNarrative": "文字部分",
    "AddBudgetLine": "添加预算项目",
    "SetInitialBudget": "年初预算数",
    "RecordAdjustment": "预算调整",
    "RecordActualSpending": "实际支出数",
    "AddIndicator": "添加绩效指标",
    "RecordIndicatorActual": "指标完成值",
    "AdjustIndicatorTarget": "调整指标值",
    "SetIndicatorScore": "指标得分",
    "SetExecutionScore": "预算执行率得分",
}


def _importer(caller: Identity, department: str, year: int) -> None:
    """Only the department's preparers import into its reports; to anyone else the page
    does not exist (as for a report they may not read)."""
    if not DEPARTMENT_CODE.match(department) or not 2000 <= year <= 2100:
        raise not_found(department, year)
    if Role.PREPARER not in caller.actor.roles_for(department):
        raise not_found(department, year)


def _layout_names() -> list[str]:
    """The layouts a workbook may be read by, for the form's choice ([] when a layout file
    is bad: the upload then names it)."""
    from imports.sheet_layouts import LayoutError, all_layouts

    try:
        return sorted(all_layouts())
    except LayoutError:
        return []


def _page(
    request: Request,
    app: Services,
    caller: Identity,
    department: str,
    year: int,
    *,
    project: str | None = None,
    status: int = 200,
    **context: Any,
) -> Response:
    assert caller.session is not None
    return app.templates.TemplateResponse(
        request,
        "import.html.j2",
        {
            "identity": caller,
            "csrf": caller.session.csrf,
            "department": department,
            "year": year,
            "project": project,
            "expected": EXPECTED_FILE,
            "command_labels": COMMAND_LABELS,
            "layouts": _layout_names(),
            **context,
        },
        status_code=status,
    )


@router.get("/reports/{department}/{year}/import", response_class=HTMLResponse)
@router.get("/reports/{department}/{year}/projects/{project}/import", response_class=HTMLResponse)
def import_form(
    department: str,
    year: int,
    request: Request,
    caller: PageCaller,
    app: ServicesDep,
    project: ProjectPath,
) -> Response:
    """The upload form (of a 项目支出 report under ``/projects/{project}``)."""
    _importer(caller, department, year)
    return _page(request, app, caller, department, year, project=project)


async def _upload(request: Request, caller: Identity) -> tuple[str, bytes, bool, str | None]:
    """The file sent (its name and bytes), whether it is the confirmation, and the layout
    chosen for a workbook (None: its headers choose); the CSRF token checked first."""
    form = await request.form(max_part_size=_MAX_CONFIRM_PART)
    assert caller.session is not None
    given = form.get(CSRF_FIELD)
    if not isinstance(given, str) or not same(given, caller.session.csrf):
        raise Refused(
            403,
            f"{CSRF_FIELD}: missing or wrong, expected the token of the form you were shown "
            "(reload the page and try again)",
            field=CSRF_FIELD,
        )
    sent = form.get("file")
    name: str
    if isinstance(sent, UploadFile) and sent.filename:
        data = await sent.read(MAX_UPLOAD_BYTES + 1)
        name = sent.filename
    else:
        content, given = form.get("content"), form.get("filename")
        if not isinstance(content, str) or not content or not isinstance(given, str):
            raise Refused(422, f"file: missing, expected {EXPECTED_FILE}", "file")
        name = given
        try:
            data = base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError):
            raise Refused(
                422, "content: got text that is not base64, expected the file as sent", "content"
            ) from None
    if len(data) > MAX_UPLOAD_BYTES:
        raise Refused(
            413,
            f"file: got {name!r}, more than {MAX_UPLOAD_BYTES:,} bytes; expected "
            f"{EXPECTED_FILE} of at most {MAX_UPLOAD_BYTES:,} bytes",
            "file",
        )
    # Only the name's last part is shown and kept: a browser may send a whole path.
    name = name.replace("\\", "/").rsplit("/", 1)[-1] or "upload"
    layout = form.get("layout")
    chosen = layout if isinstance(layout, str) and layout else None
    return name, data, form.get("confirm") == "1", chosen


def _refusal_of(error: Exception) -> tuple[int, str, str | None, list[str]]:
    """Status, one-line message, field and listed problems of a refused upload."""
    if isinstance(error, Refused):
        return error.status, error.message, error.field, []
    if isinstance(error, DocumentRejected):
        return 422, error.headline, "file", list(error.problems)
    if isinstance(error, DomainError):
        answer = refusal(error)
        return answer.status, answer.message, answer.field, []
    # A file that does not parse: its reader's message, on one line.
    return 422, " ".join(str(error).split()), "file", []


@router.post("/reports/{department}/{year}/import", response_class=HTMLResponse)
@router.post("/reports/{department}/{year}/projects/{project}/import", response_class=HTMLResponse)
async def import_file(
    department: str,
    year: int,
    request: Request,
    caller: PageCaller,
    app: ServicesDep,
    project: ProjectPath,
) -> Response:
    """Check the file and show the preview; with ``confirm``, check it again and record it.
    On a 项目支出 report's page a workbook is read as that project's form, and a report
    file must be that project's."""
    _importer(caller, department, year)
    name, data, confirm, layout = await _upload(request, caller)
    # Reading a workbook and recording hundreds of commands: in the long lane (web.lanes),
    # where neither the event loop nor the quick requests wait for it.
    return await in_long_lane(
        _imported, request, app, caller, department, year, project, name, data, confirm, layout
    )


def _imported(
    request: Request,
    app: Services,
    caller: Identity,
    department: str,
    year: int,
    project: str | None,
    name: str,
    data: bytes,
    confirm: bool,
    layout: str | None,
) -> Response:
    """The file checked (and with ``confirm`` recorded): the preview, the redirect to the
    report, or the page again with the refusal."""
    page = report_label(department, year, project)
    try:
        found = read_import(
            data,
            name,
            department=department,
            year=year,
            layout=layout,
            project=project if is_workbook(name) else None,
        )
        if found.report != page:
            raise Refused(
                422,
                f"{name}: report {found.report}, expected {page} (the report this page "
                "imports into)",
                "file",
            )
        record_import(app.store, caller.actor, found, check=not confirm)
    except (Refused, DomainError, ValueError) as error:
        status, message, field, problems = _refusal_of(error)
        return _page(
            request,
            app,
            caller,
            department,
            year,
            project=project,
            status=status,
            error=message,
            field=field,
            problems=problems,
            filename=name,
        )
    if confirm:
        return RedirectResponse(
            f"{page_of(department, year, project)}?done=import", status_code=303
        )
    return _page(
        request,
        app,
        caller,
        department,
        year,
        project=project,
        preview={
            "filename": name,
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "commands": len(found.located),
            "by_command": found.by_command(),
            "content": base64.b64encode(data).decode("ascii"),
            "report": found.report,
            "layout": found.layout,
            "disagreements": found.disagreements,
        },
    )
