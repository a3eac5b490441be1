"""The report page: the 自评价表 with its computed figures and notices, return comments beside
the items they are pinned to, the history of returns and reopenings, the rendered files, and
every form the caller's roles may use in the report's stage — the preparer's cells, the
reviewers' approve, return, grade and sign-off, publish and reopen.

The preparer's page shows each budget line, indicator and narrative section as a summary
with a 编辑 link, and the full edit block of one item at a time: the one ``?edit=`` names,
or the one holding a refused form; ``…/edit/{kind}/{id}`` sends one item's block alone, for
the page's script to put in place when the item is opened (docs/decisions/0623)."""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from projections.report_state import ReportRow
from web.dependencies import (
    CSRF_FIELD,
    FormCaller,
    ProjectPath,
    Services,
    ServicesDep,
    SignedIn,
    page_identity,
)
from web.errors import Refused
from web.execution import run_command
from web.fragments import Fragments, KeptList
from web.identity import Identity
from web.kept_rows import ROWS_KEPT, KeptIndicatorRows
from web.lanes import QuickRoute, in_quick_lane
from web.page_forms import DONE, PAGE_COMMANDS, FailedForm, Fields, page_command
from web.recent import ByIdentity
from web.templating import page_of
from worker.evaluation_table import (
    BUDGET_HEADERS,
    INDICATOR_HEADERS,
    EvaluationTable,
    evaluation_table,
)
from workflow.administration import FiscalYearState, fiscal_year_stream_id
from workflow.authorization import PERMISSIONS
from workflow.budget import AdjustmentKind
from workflow.commands import OpenReport
from workflow.projects import FIELD_LABELS
from workflow.roles import Actor, Role
from workflow.schemes import Scheme
from workflow.service import load_admin
from workflow.stages import Stage
from workflow.text import ID_RULE, is_id

router = APIRouter(route_class=QuickRoute, tags=["pages"], include_in_schema=False)
#: The review actions' catch-all paths (…/{action}), included after every other router: the
#: import page's …/import is a path they would take.
actions_router = APIRouter(route_class=QuickRoute, tags=["pages"], include_in_schema=False)

#: The review forms' short paths (``/reports/gusu-rc/2021/submit``) and their commands.
ACTIONS: dict[str, str] = {
    "submit": "submit-report",
    "approve": "approve-report",
    "return": "return-report",
    "sign-off": "sign-off-report",
}

#: Adjustment kinds as the 自评价表 heads their columns.
ADJUSTMENT_KINDS = {
    AdjustmentKind.CARRY_OVER.value: "当年使用上年结余、结转",
    AdjustmentKind.IN_YEAR.value: "当年调整预算数",
    AdjustmentKind.HIGHER_LEVEL.value: "上级指标及其他",
}


#: The project fields a 项目支出 report's page lets the preparer set, with their words.
PROJECT_FIELDS = {field.value: label for field, label in FIELD_LABELS.items()}


def available_commands(actor: Actor, department: str, stage: str) -> set[str]:
    """The page commands the permission table lets the actor's roles issue in this stage
    (the rules still decide when a form is sent)."""
    return set(_commands_of(tuple(actor.roles_for(department)), stage))


@functools.lru_cache(maxsize=256)
def _commands_of(roles: tuple[Role, ...], stage: str) -> frozenset[str]:
    """The page commands ``roles`` may issue in ``stage``: a function of the permission
    table alone, asked by every report page (a twentieth of one, worked out each time)."""
    return frozenset(
        name
        for name, command in PAGE_COMMANDS.items()
        if command is not OpenReport
        and any(Stage(stage) in PERMISSIONS[command].get(role, ()) for role in roles)
    )


def available_actions(can: set[str]) -> set[str]:
    """The review forms to show, by their short names (``submit``, ``sign_off`` …), of the
    page commands ``can`` (:func:`available_commands`)."""
    return {short.replace("-", "_") for short, name in ACTIONS.items() if name in can}


def _pinned(view: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The current revision's return comments by the item they are pinned to."""
    pinned: dict[str, list[dict[str, Any]]] = {}
    for note in view["returns"]:
        if note["revision"] != view["revision"]:
            continue
        for item in note["items"]:
            pinned.setdefault(f"{item['kind']}:{item['id']}", []).append(note)
    return pinned


#: The schemes of the years opened, by store and year: a year's scheme is set by its
#: opening, the one event that sets it and which the year refuses a second time, so a scheme
#: read once is the year's for good; a year not opened yet is read again each time.
_SCHEMES: weakref.WeakKeyDictionary[Any, dict[int, Scheme]] = weakref.WeakKeyDictionary()
_SCHEMES_LOCK = threading.Lock()


def _scheme(app: Services, year: int) -> Scheme | None:
    """The year's evaluation scheme (its sections and grading bands), for the forms: read
    from the year's stream once it is opened (its reminders, which the stream also records,
    are the rest of it, some hundreds of events a year), then kept."""
    with _SCHEMES_LOCK:
        kept = _SCHEMES.setdefault(app.store, {}).get(year)
    if kept is not None:
        return kept
    state, _ = load_admin(app.store, fiscal_year_stream_id(year))
    if not isinstance(state, FiscalYearState) or not state.opened or state.scheme is None:
        return None
    with _SCHEMES_LOCK:
        _SCHEMES.setdefault(app.store, {})[year] = state.scheme
    return state.scheme


#: What a budget line's edit block shows of it (_editing.html.j2's ``line_block``), and what
#: it shows of a line with no lines under it besides: a line over others is summed from
#: them, so a change to one line changes its parents' figures, which their blocks do not
#: show, and the kept blocks are found under what the blocks show.
LINE_SHOWN = ("id", "name", "leaf", "adjustment_items")
LEAF_SHOWN = (*LINE_SHOWN, "initial", "actual")


def _line_shown(line: dict[str, Any]) -> dict[str, Any]:
    return {key: line[key] for key in (LEAF_SHOWN if line["leaf"] else LINE_SHOWN)}


#: The kinds of item the preparer edits one at a time, as ``?edit=line-homes`` and
#: ``…/edit/line/homes`` name them.
EDIT_KINDS = ("line", "indicator", "section")

#: The forms of a budget line's edit block and of an indicator's, by their ids' prefixes
#: (``actual-homes``, ``indicator-score-d04``); a cancelled adjustment's is
#: ``cancel-{line}-{adjustment}``, a section's ``narrative-{section}``.
LINE_FORMS = ("initial", "actual", "adjust", "rename", "remove")
INDICATOR_FORMS = (
    "indicator-actual",
    "indicator-score",
    "indicator-target",
    "indicator-line",
    "indicator-remove",
)


#: The command whose form the preparer's edit blocks hold first: whoever may issue it in the
#: report's stage gets the blocks (the rules still decide each form sent).
EDITING = "record-actual-spending"


def edit_target(value: str | None) -> str | None:
    """The item ``?edit=`` names (``line-homes``, ``indicator-d04``, ``section-1.3``), or
    None for a value no item of any report could be named by."""
    if not value:
        return None
    kind, _, item = value.partition("-")
    return value if kind in EDIT_KINDS and is_id(item) else None


def item_of_form(form_id: str, fields: Mapping[str, str]) -> str | None:
    """The item (as ``?edit=`` names it) whose edit block holds the form ``form_id`` sent
    with ``fields``, or None for a form of no item's block (a new line, the overview, the
    actions …). Each item's form sends the item's id (``line``, ``indicator``,
    ``section``) and is named after it, so both must agree."""
    line, indicator = fields.get("line", ""), fields.get("indicator", "")
    section = fields.get("section", "")
    if is_id(line) and (
        form_id in {f"{prefix}-{line}" for prefix in LINE_FORMS}
        or form_id == f"cancel-{line}-{fields.get('adjustment', '')}"
    ):
        return f"line-{line}"
    if is_id(indicator) and form_id in {f"{prefix}-{indicator}" for prefix in INDICATOR_FORMS}:
        return f"indicator-{indicator}"
    if is_id(section) and form_id == f"narrative-{section}":
        return f"section-{section}"
    return None


def edit_items(
    view: dict[str, Any],
    pinned: dict[str, list[dict[str, Any]]],
    scheme: Scheme | None,
    target: str | None = None,
) -> dict[str, Any]:
    """The items of the preparer's edit blocks (``fragment.each`` of the templates): each
    budget line, indicator and narrative section with the return comments pinned to it,
    and the budget lines the blocks' selects offer. The sections come in the scheme's
    order, then those the scheme does not name in the report's order, each with its title
    in the scheme ("" for one it does not name); a 项目支出 report has none.

    Each item is given as its summary shows it (name, badges, comments), but the item
    ``target`` names (``line-homes``), given whole and marked ``full``: its edit block is
    the one the page shows; ``found`` says whether any item is ``target``."""
    lines = view["budget"]["rows"]
    specs = scheme.sections if scheme else ()

    def edited(kind: str, id_: str) -> bool:
        # Only the item edited is given whole (and built so): the others show summaries.
        return target == f"{kind}-{id_}"

    line_items = []
    for line in lines:
        comments = pinned.get(f"line:{line['id']}", [])
        if edited("line", line["id"]):
            shown = {"line": _line_shown(line), "comments": comments, "full": True}
        else:
            shown = {"line": {"id": line["id"], "name": line["name"]}, "comments": comments}
        line_items.append(shown)

    def indicators() -> list[dict[str, Any]]:
        made = []
        for indicator in view["indicators"]:
            comments = pinned.get(f"indicator:{indicator['id']}", [])
            if edited("indicator", indicator["id"]):
                shown = {"indicator": indicator, "comments": comments, "full": True}
            else:
                shown = {"indicator": _indicator_summary(indicator), "comments": comments}
            made.append(shown)
        return made

    def sections() -> list[dict[str, Any]]:
        written = {section["id"]: section for section in view.get("sections", ())}
        titles: dict[str, str] = {}
        for spec in specs:
            titles.setdefault(spec.id, spec.title)  # the first spec of an id, as it is found
        ids = [spec.id for spec in specs]
        for section in view.get("sections", ()):
            if section["id"] not in ids:
                ids.append(section["id"])
        made = []
        # A 项目支出 report has no narrative: no section to edit (nor to name with ?edit=).
        for section_id in () if view.get("project") else ids:
            section = written.get(section_id)
            about = {
                "section_id": section_id,
                "spec_title": titles.get(section_id, ""),
                "comments": pinned.get(f"section:{section_id}", []),
            }
            if edited("section", section_id):
                shown = {**about, "section": section, "full": True}
            else:
                shown = {**about, "section": {"title": section["title"]} if section else None}
            made.append(shown)
        return made

    # The view's unchanged parts are the very ones the last view had: their items are the
    # lists made last time (``fragment.each`` then knows them by themselves).
    also = (pinned, target, specs, bool(view.get("project")))
    indicator_items = _ROW_LISTS.made(
        "edit_indicators", view["indicators"], also, lambda: KeptList(indicators())
    )
    section_items = _ROW_LISTS.made(
        "edit_sections", view.get("sections", ()), also, lambda: KeptList(sections())
    )
    return {
        "lines": line_items,
        "line_options": [{"id": line["id"], "name": line["name"]} for line in lines],
        "indicators": indicator_items,
        "sections": section_items,
        "found": any("full" in item for item in (*line_items, *indicator_items, *section_items)),
    }


def _indicator_summary(indicator: dict[str, Any]) -> dict[str, Any]:
    """What an indicator's summary shows of it (_editing.html.j2's ``indicator_head``)."""
    return {
        "id": indicator["id"],
        "name": indicator["name"],
        "target": {"raw": indicator["target"]["raw"]},
        "reason_missing": indicator.get("reason_missing", False),
    }


#: The indicator rows of this process's report pages, kept by the view part they show.
_INDICATOR_ROWS = KeptIndicatorRows()


def report_context(view: dict[str, Any]) -> dict[str, Any]:
    """What every page showing a report's 自评价表 needs (the report page, as-of); a
    项目支出 report's fund rows are its table's budget part."""
    project = view.get("project")
    title = (
        f"{view['year']}年度项目支出绩效自评表：{project['name']}"
        if project
        else f"{view['year']}年度部门整体支出绩效自评价表"
    )
    table = evaluation_table(view, title, rows_of_indicators=_INDICATOR_ROWS)
    pinned = _pinned(view)
    return {
        "view": view,
        "table": table,
        "budget_headers": BUDGET_HEADERS,
        "indicator_headers": INDICATOR_HEADERS,
        "pinned": pinned,
        "adjustment_kinds": ADJUSTMENT_KINDS,
        **table_rows(table, view, pinned),
    }


def table_rows(
    table: EvaluationTable, view: dict[str, Any], pinned: dict[str, list[dict[str, Any]]]
) -> dict[str, list[dict[str, Any]]]:
    """The rows of the 自评价表 as ``fragment.each`` takes them (_table_rows.html.j2): what
    each row shows, as plain data to key its rendering on, and the comments pinned to it.

    The indicator rows and the narrative are the lists made last time when the parts they
    come from are the very ones (a view shares its unchanged parts with the view before it)
    and the comments the same: ``fragment.each`` then knows them without writing them out
    (web.fragments), where the narrative's texts are most of a page's data."""
    return {
        "budget_rows": [
            {
                "row": {"id": row.id, "label": row.label, "depth": row.depth, "cells": row.cells},
                "comments": pinned.get(f"line:{row.id}", []),
            }
            for row in table.budget
        ],
        "indicator_rows": _ROW_LISTS.made(
            "indicator_rows",
            table.indicators,
            pinned,
            lambda: KeptList(_indicator_rows(table, pinned)),
        ),
        "narrative": _ROW_LISTS.made(
            "narrative",
            view.get("sections") or (),
            pinned,
            lambda: KeptList(_narrative(view, pinned)),
        ),
    }


def _indicator_rows(
    table: EvaluationTable, pinned: dict[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    return [
        {
            "row": {
                "id": row.id,
                "status": row.status,
                "category": row.category,
                "project": row.project,
                "name": row.name,
                "target": row.target,
                "actual": row.actual,
                "reason": row.reason,
            },
            "comments": pinned.get(f"indicator:{row.id}", []),
        }
        for row in table.indicators
    ]


def _narrative(
    view: dict[str, Any], pinned: dict[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    return [
        {"section": section, "comments": pinned.get(f"section:{section['id']}", [])}
        for section in view.get("sections") or ()
    ]


#: The lists of rows of this process's report pages, kept by the parts they show.
_ROW_LISTS: ByIdentity[KeptList] = ByIdentity(ROWS_KEPT)


def render_report(
    request: Request,
    app: Services,
    caller: Identity,
    department: str,
    year: int,
    *,
    status: int = 200,
    failed: FailedForm | None = None,
    done: str | None = None,
    project: str | None = None,
    edit: str | None = None,
) -> Response:
    """The report page for a report the caller may read (404 otherwise); a 项目支出
    report's with ``project``. A preparer's page shows the full edit block of the item
    ``edit`` names (:func:`edit_target`), or of the item whose form was refused, and the
    others' summaries; an item it does not name is no block at all.

    The page is kept (web.kept_pages) under the report-state row it shows (whose report
    stream names the project), the viewer, what they may do and the item edited; a page
    with a refused form, or whose ``edit`` names no item, is rendered every time and never
    kept.
    """
    assert caller.session is not None
    csrf = caller.session.csrf
    current = None
    if failed is None:
        current = app.reads.current_report(caller.actor, department, year, project)
        can = available_commands(caller.actor, department, current.stage)
        kept = app.pages.get(_page_key(request, current, caller, can, done, edit), csrf)
        if kept is not None:
            return HTMLResponse(kept, status_code=status)
    row, view = app.reads.current_document(caller.actor, department, year, project, current=current)
    if current is None or row.stage != current.stage:
        can = available_commands(caller.actor, department, row.stage)
    editing = EDITING in can
    grading = "grade-indicator" in can
    scheme = _scheme(app, year) if editing or grading else None
    # Rendered with the placeholder for the token, unless it shows a refused form.
    shown = csrf if failed is not None else app.pages.placeholder
    table_context = report_context(view)
    target = item_of_form(failed.form, failed.values) if failed is not None else edit
    edits = edit_items(view, table_context["pinned"], scheme, target) if editing else None
    context = {
        "request": request,
        "identity": Identity(caller.user, replace(caller.session, csrf=shown)),
        "csrf": shown,
        **table_context,
        "can": can,
        "actions": available_actions(can),
        "editing": editing,
        "grading": grading,
        "scheme": scheme,
        "edits": edits,
        "failed": failed,
        "error": failed.message if failed else None,
        "field": failed.field if failed else None,
        "done": done,
        "project_fields": PROJECT_FIELDS,
    }
    page = app.templates.get_template("report.html.j2").render(context)
    if failed is not None or (edit is not None and not (edits and edits["found"])):
        # A refusal, or an item the report does not have (an address typed, a line just
        # removed): never kept, nor a page kept for every such address.
        return HTMLResponse(page.replace(app.pages.placeholder, csrf), status_code=status)
    body = app.pages.keep(_page_key(request, row, caller, can, done, edit), page, csrf)
    return HTMLResponse(body, status_code=status)


def _page_key(
    request: Request,
    row: ReportRow,
    caller: Identity,
    can: set[str],
    done: str | None,
    edit: str | None,
) -> tuple:
    """Everything the report page is rendered from but the CSRF token: the report-state
    row (its report stream, so the department, year and project, and the revision and
    version, which change with every event of the report), the viewer and what they may do,
    the item whose edit block it shows, and the address the request came to (the
    stylesheet's link is made from it). The year's scheme, which the forms also show, is
    fixed when the year is opened."""
    return (
        "report",
        row.report,
        row.revision,
        row.version,
        row.position,
        caller.shown,
        frozenset(can),
        done,
        edit,
        str(request.base_url),
    )


@router.get("/reports/{department}/{year}", response_class=HTMLResponse)
@router.get("/reports/{department}/{year}/projects/{project}", response_class=HTMLResponse)
def report_page(
    department: str,
    year: int,
    request: Request,
    _: SignedIn,
    app: ServicesDep,
    project: ProjectPath,
    done: str | None = None,
    edit: str | None = None,
) -> Response:
    """The report as its 自评价表 (a 项目支出 report's under ``/projects/{project}``), with
    what the caller may do next; for a preparer, the edit block of the item ``edit`` names
    (``line-homes``, ``indicator-d04``, ``section-1.3``; any other value is ignored)."""
    caller = page_identity(request, app)
    name = ACTIONS.get(done or "", done or "")
    return render_report(
        request,
        app,
        caller,
        department,
        year,
        done=DONE.get(name),
        project=project,
        edit=edit_target(edit),
    )


@router.get("/reports/{department}/{year}/edit/{kind}/{item}", response_class=HTMLResponse)
@router.get(
    "/reports/{department}/{year}/projects/{project}/edit/{kind}/{item}",
    response_class=HTMLResponse,
)
def edit_block(
    department: str,
    year: int,
    kind: str,
    item: str,
    request: Request,
    _: SignedIn,
    app: ServicesDep,
    project: ProjectPath,
) -> Response:
    """One item's edit block (``kind`` line, indicator or section), as the report page
    shows it for ``?edit={kind}-{item}``: what the page's script puts in place when the
    item is opened. Found as the page is (404 for a report the caller may not read), and
    only where the page would show it: to a preparer, in a stage they edit, for an item the
    report has (404 otherwise).

    Kept (web.kept_pages) under the report-state row and the item, as the page is: a block
    shows nothing of its viewer, who may see it is decided before it is looked for."""
    caller = page_identity(request, app)
    assert caller.session is not None
    csrf = caller.session.csrf
    current = app.reads.current_report(caller.actor, department, year, project)
    target = edit_target(f"{kind}-{item}")
    # The value as typed, on one line and cut short: a path may carry anything.
    shown = f"{kind[:20]!r} {item[:64]!r}"
    if target is None:
        raise Refused(
            404,
            f"edit block: got {shown}, expected line, indicator or section and {ID_RULE}",
            field="item",
        )
    refused = Refused(
        404,
        f"edit block: got {shown}, expected an item of a report you edit in its stage",
        field="item",
    )
    if EDITING not in available_commands(caller.actor, department, current.stage):
        raise refused
    kept = app.pages.get(_block_key(current, target), csrf)
    if kept is not None:
        return HTMLResponse(kept)
    row, view = app.reads.current_document(caller.actor, department, year, project, current=current)
    if EDITING not in available_commands(caller.actor, department, row.stage):
        raise refused
    edits = edit_items(view, _pinned(view), _scheme(app, year), target)
    listed = {"line": "lines", "indicator": "indicators", "section": "sections"}[kind]
    found = [entry for entry in edits[listed] if entry.get("full")]
    if not found:
        raise refused
    # The page's own call (report.html.j2), so the page and this share the kept block.
    shared: dict[str, Any] = {
        "line": {"adjustment_kinds": ADJUSTMENT_KINDS},
        "indicator": {"line_options": edits["line_options"]},
        "section": {},
    }[kind]
    fragment = app.templates.env.globals["fragment"]
    assert isinstance(fragment, Fragments)
    block = fragment.each(
        f"{kind}_item",
        found,
        base=page_of(department, year, project),
        revision=view["revision"],
        csrf=app.pages.placeholder,
        failed=None,
        **shared,
    )
    return HTMLResponse(app.pages.keep(_block_key(row, target), str(block), csrf))


def _block_key(row: ReportRow, target: str) -> tuple:
    """What an item's edit block is rendered from but the CSRF token: the report-state row
    (the report, its revision and version) and the item."""
    return ("edit", row.report, row.revision, row.version, row.position, target)


async def _fields(request: Request) -> Fields:
    """The form's text fields, each with every value sent (uploads left out)."""
    form = await request.form()
    return {
        key: [value for value in form.getlist(key) if isinstance(value, str)]
        for key in form
        if key != CSRF_FIELD
    }


async def post_command(
    request: Request,
    app: Services,
    caller: Identity,
    department: str,
    year: int,
    name: str,
    *,
    done: str | None = None,
    project: str | None = None,
) -> Response:
    """Run the command a form posted; back to the page with what was done, or the page
    again with the refusal beside the form and what was typed kept."""
    command_type = PAGE_COMMANDS.get(name)
    if command_type is None:
        raise Refused(404, f"command: got {name!r}, expected one of {', '.join(PAGE_COMMANDS)}")
    fields = await _fields(request)
    return await in_quick_lane(
        _posted, request, app, caller, department, year, name, fields, done, project
    )


def _posted(
    request: Request,
    app: Services,
    caller: Identity,
    department: str,
    year: int,
    name: str,
    fields: Fields,
    done: str | None,
    project: str | None,
) -> Response:
    """The command ``name`` run with a posted form's fields; the redirect to the page, or
    the page again with the refusal."""
    command_type = PAGE_COMMANDS[name]
    form_id = (fields.get("form_id") or [name])[-1]
    typed = {key: values[-1] for key, values in fields.items() if values}
    try:
        run_command(app, caller, page_command(command_type, department, year, fields, project))
    except Refused as refused:
        if refused.status == 404 or command_type is OpenReport:
            raise
        # Ticked items are kept one per line, so the page can tick them again.
        typed["items"] = "\n".join(fields.get("items", ()))
        failed = FailedForm(form_id, typed, refused.message, refused.field)
        return render_report(
            request,
            app,
            caller,
            department,
            year,
            status=refused.status,
            failed=failed,
            project=project,
        )
    # Back to the form that was sent, on a page that may be long, with its item's edit
    # block shown (a removed item has none).
    anchor = f"#{quote(form_id, safe='-._')}" if "form_id" in fields else ""
    removed = form_id.startswith(("remove-", "indicator-remove-"))
    item = None if removed else item_of_form(form_id, typed)
    edit = f"&edit={quote(item, safe='-._')}" if item else ""
    page = page_of(department, year, project)
    return RedirectResponse(f"{page}?done={done or name}{edit}{anchor}", status_code=303)


@router.post("/reports/{department}/{year}/commands/{name}")
@router.post("/reports/{department}/{year}/projects/{project}/commands/{name}")
async def report_command(
    department: str,
    year: int,
    name: str,
    request: Request,
    caller: FormCaller,
    app: ServicesDep,
    project: ProjectPath,
) -> Response:
    """Any form of the report page: the command named in the path (``set-initial-budget``)
    with the form's fields."""
    return await post_command(request, app, caller, department, year, name, project=project)


@actions_router.post("/reports/{department}/{year}/projects/{project}/{action}")
@actions_router.post("/reports/{department}/{year}/{action}")
async def report_action(
    department: str,
    year: int,
    action: str,
    request: Request,
    caller: FormCaller,
    app: ServicesDep,
    project: ProjectPath,
) -> Response:
    """Submit, approve, return (with the ticked items) or sign off; back to the page."""
    if action not in ACTIONS:
        raise Refused(404, f"action: got {action!r}, expected one of {', '.join(ACTIONS)}")
    return await post_command(
        request, app, caller, department, year, ACTIONS[action], done=action, project=project
    )
