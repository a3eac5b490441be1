"""The auditor's pages: the trail with filters (item, person, dates), a report as of a moment,
the changes between two moments, the year's replay to download, the chain's verification and
the check of a rendered file. Every report shown is one the caller may read; a filter or a
moment the server cannot use is refused in one line beside its form, with what was typed kept.
"""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from events.verify import check_anchor
from projections.audit_trail import audit_trail
from projections.history import report_as_of, report_diff
from projections.integrity import verify_log
from projections.replay import replay_year, write_csv, write_json
from projections.report_state import report_document
from projections.summaries import readable_report_ids
from web.dependencies import CSRF_FIELD, PageCaller, ProjectPath, Services, ServicesDep, same
from web.errors import Refused
from web.identity import Identity
from web.lanes import QuickRoute, in_long_lane, long_lane
from web.reading import parse_moment, parse_time
from web.routers.pages_reports import report_context
from worker.verify import UnknownArtifact, verify_file
from workflow.administration import FiscalYearState, fiscal_year_stream_id
from workflow.service import load_admin
from workflow.streams import report_label, report_stream_parts
from workflow.visibility import reads_everything

router = APIRouter(route_class=QuickRoute, tags=["pages"], include_in_schema=False)

ITEM_KINDS = ("line", "indicator", "section")
#: Rows a trail page shows unless asked for fewer.
TRAIL_LIMIT = 500
#: The largest rendered file the artifact check takes from a browser.
MAX_ARTIFACT_UPLOAD = 256 * 1024 * 1024


def _page(
    request: Request,
    app: Services,
    caller: Identity,
    template: str,
    status: int = 200,
    **context: Any,
) -> Response:
    assert caller.session is not None
    return app.templates.TemplateResponse(
        request,
        template,
        {"identity": caller, "csrf": caller.session.csrf, **context},
        status_code=status,
    )


def _blank(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def _trail_filters(query: dict[str, str]) -> dict[str, Any]:
    """The trail's filters from the query; Refused (422, naming the field) otherwise."""
    item = _blank(query.get("item"))
    kind = item_id = None
    if item is not None:
        kind, _, item_id = item.partition(":")
        if kind not in ITEM_KINDS or not item_id:
            raise Refused(
                422, f"item: got {item!r}, expected line:ID, indicator:ID or section:ID", "item"
            )
    since, until = _blank(query.get("since")), _blank(query.get("until"))
    since_at, until_at = parse_time(since, "since"), parse_time(until, "until")
    if since_at is not None and until_at is not None and since_at >= until_at:
        raise Refused(
            422,
            f"until: got {until!r}, expected a time after since {since!r} "
            "(since is inclusive, until exclusive)",
            "until",
        )
    limit_text = _blank(query.get("limit"))
    limit = TRAIL_LIMIT
    if limit_text is not None:
        if not limit_text.isascii() or not limit_text.isdigit() or not int(limit_text) >= 1:
            raise Refused(
                422, f"limit: got {limit_text!r}, expected a whole number from 1", "limit"
            )
        limit = min(int(limit_text), 100_000)
    year_text = _blank(query.get("year"))
    year = None
    if year_text is not None:
        if not year_text.isascii() or not year_text.isdigit() or not 2000 <= int(year_text) <= 2100:
            raise Refused(
                422, f"year: got {year_text!r}, expected a year from 2000 to 2100", "year"
            )
        year = int(year_text)
    return {
        "user": _blank(query.get("by")),
        "since": since_at,
        "until": until_at,
        "item_kind": kind,
        "item_id": item_id,
        "limit": limit,
        "year": year,
    }


def _trail(
    request: Request,
    app: Services,
    caller: Identity,
    department: str | None,
    year: int | None,
    project: str | None = None,
) -> Response:
    query = dict(request.query_params)
    view = None
    if department is not None and year is not None:
        app.reads.readable(caller.actor, department, year, project)
        view = report_document(app.store.engine, department, year, project=project)
    context: dict[str, Any] = {
        "query": query,
        "department": department,
        "year": year,
        "project": project,
    }
    context["view"] = view
    try:
        filters = _trail_filters(query)
    except Refused as refused:
        return _page(
            request,
            app,
            caller,
            "trail.html.j2",
            status=refused.status,
            entries=[],
            error=refused.message,
            field=refused.field,
            **context,
        )
    if department is not None:
        filters["year"] = year
    engine = app.reads.caught_up()
    entries = audit_trail(
        engine,
        department=department,
        project=project,
        reports=readable_report_ids(engine, caller.actor),
        **filters,
    )
    return _page(
        request,
        app,
        caller,
        "trail.html.j2",
        entries=entries,
        limited=len(entries) == filters["limit"],
        **context,
    )


@router.get("/trail", response_class=HTMLResponse)
@long_lane
def trail_page(request: Request, caller: PageCaller, app: ServicesDep) -> Response:
    """Every change to the reports the caller may read, filtered."""
    return _trail(request, app, caller, None, None)


@router.get("/reports/{department}/{year}/trail", response_class=HTMLResponse)
@router.get("/reports/{department}/{year}/projects/{project}/trail", response_class=HTMLResponse)
def report_trail_page(
    department: str,
    year: int,
    request: Request,
    caller: PageCaller,
    app: ServicesDep,
    project: ProjectPath,
) -> Response:
    """Every change to one report, filtered."""
    return _trail(request, app, caller, department, year, project)


@router.get("/reports/{department}/{year}/as-of", response_class=HTMLResponse)
@router.get("/reports/{department}/{year}/projects/{project}/as-of", response_class=HTMLResponse)
def as_of_page(
    department: str,
    year: int,
    request: Request,
    caller: PageCaller,
    app: ServicesDep,
    project: ProjectPath,
    moment: str | None = None,
) -> Response:
    """The report exactly as it was at a moment (a time, UTC unless it says, or a log
    position)."""
    app.reads.readable(caller.actor, department, year, project)
    context: dict[str, Any] = {
        "department": department,
        "year": year,
        "project": project,
        "moment": moment or "",
    }
    if not _blank(moment):
        return _page(request, app, caller, "as_of.html.j2", **context)
    assert moment is not None
    try:
        when = parse_moment(moment.strip(), "moment", app.store.head_position())
        found = report_as_of(app.store, department, year, when, project)
        view = found.view()
        if view is None:
            raise Refused(
                422,
                f"moment: got {moment!r}, expected a moment after report "
                f"{report_label(department, year, project)} was opened",
                "moment",
            )
    except Refused as refused:
        return _page(
            request,
            app,
            caller,
            "as_of.html.j2",
            status=refused.status,
            error=refused.message,
            field=refused.field,
            **context,
        )
    return _page(
        request,
        app,
        caller,
        "as_of.html.j2",
        found=found,
        **report_context(view),
        pin=False,
        **context,
    )


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


@router.get("/reports/{department}/{year}/diff", response_class=HTMLResponse)
@router.get("/reports/{department}/{year}/projects/{project}/diff", response_class=HTMLResponse)
def diff_page(
    department: str,
    year: int,
    request: Request,
    caller: PageCaller,
    app: ServicesDep,
    project: ProjectPath,
    since: str | None = None,
    until: str | None = None,
) -> Response:
    """Every field of the report that changed between two moments."""
    app.reads.readable(caller.actor, department, year, project)
    context: dict[str, Any] = {
        "department": department,
        "year": year,
        "project": project,
        "since": since or "",
        "until": until or "",
    }
    if not _blank(since) or not _blank(until):
        return _page(request, app, caller, "diff.html.j2", **context)
    assert since is not None and until is not None
    try:
        head = app.store.head_position()
        first = parse_moment(since.strip(), "since", head)
        second = parse_moment(until.strip(), "until", head)
        reversed_ = Refused(
            422,
            f"since: got {since!r}, later than until {until!r}; expected the earlier moment first",
            "since",
        )
        if type(first) is type(second) and first > second:  # type: ignore[operator]
            raise reversed_
        found = report_diff(app.store, department, year, first, second, project)
        if found.before.version > found.after.version:
            raise reversed_
    except Refused as refused:
        return _page(
            request,
            app,
            caller,
            "diff.html.j2",
            status=refused.status,
            error=refused.message,
            field=refused.field,
            **context,
        )
    changes = [
        {"path": c.path, "before": _shown(c.before), "after": _shown(c.after)}
        for c in found.changes
    ]
    return _page(request, app, caller, "diff.html.j2", found=found, changes=changes, **context)


@router.get("/audit", response_class=HTMLResponse)
def audit_home(request: Request, caller: PageCaller, app: ServicesDep) -> Response:
    """The auditor's tools: the trail, the year's replay, the chain, a rendered file."""
    return _page(request, app, caller, "audit.html.j2", everything=reads_everything(caller.actor))


def _opened_year(app: Services, text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 2000 <= int(text) <= 2100:
        raise Refused(422, f"year: got {text!r}, expected a year from 2000 to 2100", "year")
    state, _ = load_admin(app.store, fiscal_year_stream_id(int(text)))
    if not (isinstance(state, FiscalYearState) and state.opened):
        raise Refused(
            404,
            f"year: got {text}, expected a fiscal year that was opened (jixiao admin year open)",
            "year",
        )
    return int(text)


@router.get("/audit/replay")
def replay_form(year: str = "", format: str = "json") -> Response:
    """The replay form's answer: the file's own address, so the download has its name."""
    return RedirectResponse(f"/audit/replay/changes-{quote(year.strip())}.{quote(format)}", 303)


@router.get("/audit/replay/{name}")
@long_lane
def replay_download(name: str, caller: PageCaller, app: ServicesDep) -> Response:
    """``changes-<year>.json`` or ``.csv``: the year's change log as ``jixiao audit replay``
    writes it (the chain verified and every snapshot of the year compared on the way)."""
    stem, dot, suffix = name.partition(".")
    if not stem.startswith("changes-") or suffix not in ("json", "csv") or not dot:
        raise Refused(
            404, f"file: got {name!r}, expected changes-YEAR.json or changes-YEAR.csv", "file"
        )
    if not reads_everything(caller.actor):
        raise Refused(
            403,
            f"replay: user {caller.user_id} reads only some departments' reports, expected an "
            "auditor or administrator of every department (a replay holds the whole year)",
        )
    year = _opened_year(app, stem.removeprefix("changes-"))
    result = replay_year(app.store, year)
    out = io.StringIO()
    if suffix == "json":
        write_json(result, out)
        data, media = out.getvalue().encode("utf-8"), "application/json"
    else:
        write_csv(result, out)
        # With a byte-order mark, Excel opens the file as UTF-8, as the CLI writes it.
        data, media = out.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8"
    return Response(
        data,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="changes-{year}.{suffix}"',
            "X-Chain-OK": "1" if result.chain.ok else "0",
        },
    )


async def _checked_form(request: Request, caller: Identity, max_part_size: int) -> Any:
    form = await request.form(max_part_size=max_part_size)
    assert caller.session is not None
    given = form.get(CSRF_FIELD)
    if not isinstance(given, str) or not same(given, caller.session.csrf):
        raise Refused(
            403,
            f"{CSRF_FIELD}: missing or wrong, expected the token of the form you were shown "
            "(reload the page and try again)",
            field=CSRF_FIELD,
        )
    return form


@router.post("/audit/verify", response_class=HTMLResponse)
async def verify_page(request: Request, caller: PageCaller, app: ServicesDep) -> Response:
    """Walk the hash chain, compare every snapshot and read model with the log, check the
    anchors given; the verdict lines ``jixiao audit verify`` prints."""
    form = await _checked_form(request, caller, 1024 * 1024)
    typed = form.get("expect")
    # A walk of the whole log: in the long lane (web.lanes), not on the event loop, where
    # it would hold up every other request of the process.
    return await in_long_lane(
        _verified, request, app, caller, typed if isinstance(typed, str) else ""
    )


def _verified(request: Request, app: Services, caller: Identity, anchors_text: str) -> Response:
    """The verification's page, with the anchors typed checked too."""
    anchors = []
    for line in anchors_text.split():
        position, _, digest = line.strip().lower().partition(":")
        if not position.isdigit() or int(position) < 1 or len(digest) != 64:
            return _page(
                request,
                app,
                caller,
                "audit.html.j2",
                status=422,
                error=f"expect: got {line!r}, expected POSITION:HASH as the verification "
                "prints them (a position from 1 and the 64 hex digits of its hash)",
                field="expect",
                expect=anchors_text,
                everything=reads_everything(caller.actor),
            )
        anchors.append((int(position), digest))
    found = verify_log(app.store)
    report = found.chain
    problems = [
        problem
        for position, digest in anchors
        if (
            problem := check_anchor(
                position, digest, app.store.hash_at(position), report.head_position
            )
        )
    ]
    lines = [str(report), found.snapshot_verdict(), found.read_model_verdict(), *found.skipped]
    if anchors and not problems:
        lines.append(f"anchors held: {', '.join(str(position) for position, _ in anchors)}")
    lines.extend(problems)
    return _page(
        request,
        app,
        caller,
        "audit.html.j2",
        verdict={"ok": found.ok and not problems, "lines": lines, "head": report},
        expect=anchors_text,
        everything=reads_everything(caller.actor),
    )


@router.post("/audit/artifact", response_class=HTMLResponse)
async def artifact_page(request: Request, caller: PageCaller, app: ServicesDep) -> Response:
    """Which report, revision and format a rendered file is, and whether it matches its
    events (its digest, the rendering's other files, rendering the log again)."""
    form = await _checked_form(request, caller, 1024 * 1024)
    sent = form.get("file")
    everything = reads_everything(caller.actor)
    if not isinstance(sent, UploadFile) or not sent.filename:
        return _page(
            request,
            app,
            caller,
            "audit.html.j2",
            status=422,
            error="file: missing, expected a rendered report file (HTML, PDF, XLSX or DOCX)",
            field="file",
            everything=everything,
        )
    name = sent.filename.replace("\\", "/").rsplit("/", 1)[-1] or "upload"
    with tempfile.TemporaryDirectory(prefix="jixiao-artifact-") as folder:
        path = Path(folder) / name
        size = 0
        with path.open("wb") as handle:
            while chunk := await sent.read(1 << 20):
                size += len(chunk)
                if size > MAX_ARTIFACT_UPLOAD:
                    return _page(
                        request,
                        app,
                        caller,
                        "audit.html.j2",
                        status=413,
                        error=f"file: got {name!r}, more than {MAX_ARTIFACT_UPLOAD:,} bytes; "
                        "expected a rendered report file",
                        field="file",
                        everything=everything,
                    )
                handle.write(chunk)
        # Rendering the log again takes seconds: in the long lane, off the event loop.
        return await in_long_lane(_artifact_checked, request, app, caller, name, path, everything)


def _artifact_checked(
    request: Request, app: Services, caller: Identity, name: str, path: Path, everything: bool
) -> Response:
    """The page of the checks of an uploaded file (kept at ``path`` until this returns)."""
    folder = str(path.parent)

    def not_found(message: str) -> Response:
        return _page(
            request,
            app,
            caller,
            "audit.html.j2",
            status=404,
            error=f"{name}: {message}",
            field="file",
            everything=everything,
        )

    try:
        found = verify_file(app.store, path)
    except UnknownArtifact as error:
        return not_found(str(error))
    parts = report_stream_parts(found.report)
    assert parts is not None  # a rendering is recorded on a report stream
    try:
        app.reads.readable(caller.actor, *parts)
    except Refused:
        # A file of a report the caller may not read says nothing more than an unknown one.
        return not_found("no rendering of a report you may read has this SHA-256")
    checks = [
        {
            "format": c.artifact.format,
            "sha256": c.artifact.sha256,
            "this_file": c.checked_path == str(path),
            "file_matches": c.file_matches,
            "rerender_matches": c.rerender_matches,
            "problems": [p.replace(folder, "…") for p in c.problems],
        }
        for c in found.checks
    ]
    return _page(
        request,
        app,
        caller,
        "audit.html.j2",
        artifact={
            "name": name,
            "report": found.report,
            "department": parts[0],
            "year": parts[1],
            "project": parts[2],
            "revision": found.revision,
            "ok": found.ok,
            "checks": checks,
        },
        everything=everything,
    )
