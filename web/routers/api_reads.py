"""`/api/v1` reads: who am I, my inbox, the reports I may read, a year's overview, one report
and its report file, its trail, the report as of a moment and the changes between two (each
also under `/api/v1/reports/{department}/{year}/projects/{project}` for a department's
项目支出 report); the log's verification, a year's replay and a rendered file's check."""

from __future__ import annotations

import io
import re
import tempfile
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from events.verify import check_anchor
from projections.audit_trail import checked_audit_trail
from projections.history import report_as_of, report_diff
from projections.inboxes import inbox
from projections.integrity import LogVerification, verify_log
from projections.replay import replay_year, write_csv
from projections.report_state import report_document
from projections.summaries import readable_report_ids, visible_overview, visible_reports
from web.dependencies import ApiCaller, ProjectPath, Services, ServicesDep
from web.errors import Refused, not_found
from web.identity import Identity
from web.lanes import QuickRoute, in_long_lane, long_lane
from web.reading import parse_moment, parse_time, require_stage
from workflow.administration import fiscal_year_stream_id
from workflow.report_file import state_document
from workflow.streams import report_label, report_stream_parts
from workflow.visibility import reads_everything

router = APIRouter(route_class=QuickRoute, prefix="/api/v1", tags=["reads"])

ITEM_KINDS = ("line", "indicator", "section")


@router.get("/me")
def me(caller: ApiCaller) -> dict[str, Any]:
    """The caller: user id, name and the roles they hold."""
    return {
        "user": caller.user_id,
        "name": caller.user.name,
        "grants": [grant.describe() for grant in caller.user.grants],
    }


@router.get("/inbox")
def my_inbox(caller: ApiCaller, app: ServicesDep) -> list[dict[str, Any]]:
    """The reports waiting for the caller: what to do, in which role, since when, by when."""
    items = inbox(app.reads.caught_up_for(caller.actor), caller.user_id)
    return [
        {
            **{name: getattr(item, name) for name in item.__slots__},
            "project": item.project,
            # Seconds, as `jixiao review inbox --json` gives them (not an ISO 8601 duration).
            "waited": item.waited.total_seconds(),
            "waited_days": item.waited.days,
        }
        for item in items
    ]


@router.get("/reports")
def reports(
    caller: ApiCaller,
    app: ServicesDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    stage: str | None = None,
) -> list[dict[str, Any]]:
    """The reports the caller may read (latest revisions), with stage and headline figures."""
    require_stage(stage, with_new=False)
    rows = visible_reports(app.reads.caught_up(), caller.actor, year=year, stage=stage)
    return [r.listed() for r in rows]


@router.get("/years/{year}/overview")
def overview(
    year: int, caller: ApiCaller, app: ServicesDep, stage: str | None = None
) -> list[dict[str, Any]]:
    """Every department of a year the caller follows; figures only of reports they may read."""
    require_stage(stage, with_new=True)
    rows = visible_overview(app.reads.caught_up(), caller.actor, year, stage=stage)
    return [asdict(row) for row in rows]


@router.get("/reports/{department}/{year}")
@router.get("/reports/{department}/{year}/projects/{project}")
def report(
    department: str,
    year: int,
    caller: ApiCaller,
    app: ServicesDep,
    project: ProjectPath,
    revision: Annotated[int | None, Query(ge=1)] = None,
) -> dict[str, Any]:
    """The report's view (a 项目支出 report's under ``/projects/{project}``): stage, every
    typed and computed figure, indicators, narrative or project texts, notices, approvals,
    signatures, returns; the latest revision unless one is asked for."""
    app.reads.readable(caller.actor, department, year, project)
    view = report_document(app.store.engine, department, year, revision, project)
    if view is None:
        raise not_found(department, f"{year} revision {revision}", project)
    return view


def _item(item: str | None) -> tuple[str | None, str | None]:
    if item is None:
        return None, None
    kind, _, item_id = item.partition(":")
    if kind not in ITEM_KINDS or not item_id:
        raise Refused(
            422, f"item: got {item!r}, expected line:ID, indicator:ID or section:ID", "item"
        )
    return kind, item_id


@router.get("/trail")
@long_lane
def trail(
    caller: ApiCaller,
    app: ServicesDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    by: str | None = None,
    since: str | None = None,
    until: str | None = None,
    item: str | None = None,
    limit: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> list[dict[str, Any]]:
    """Every change to the reports the caller may read, filtered like a report's trail."""
    return _trail(app, caller, None, year, by, since, until, item, limit)


@router.get("/reports/{department}/{year}/trail")
@router.get("/reports/{department}/{year}/projects/{project}/trail")
def report_trail(
    department: str,
    year: int,
    caller: ApiCaller,
    app: ServicesDep,
    project: ProjectPath,
    by: str | None = None,
    since: str | None = None,
    until: str | None = None,
    item: str | None = None,
    limit: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> list[dict[str, Any]]:
    """Every change to the report: when, who, in which role, the item, before and after, why."""
    app.reads.readable(caller.actor, department, year, project)
    return _trail(app, caller, department, year, by, since, until, item, limit, project)


def _trail(
    app, caller, department, year, by, since, until, item, limit, project=None
) -> list[dict[str, Any]]:
    kind, item_id = _item(item)
    since_at, until_at = parse_time(since, "since"), parse_time(until, "until")
    if since_at is not None and until_at is not None and since_at >= until_at:
        raise Refused(
            422,
            f"until: got {until!r}, expected a time after since {since!r} "
            "(since is inclusive, until exclusive)",
            "until",
        )
    engine = app.reads.caught_up()
    # Every entry shown is checked against the log first (its hash, its link to the event
    # before it), as `jixiao audit trail` does: an edited or removed one is refused.
    entries = checked_audit_trail(
        app.store,
        department=department,
        year=year,
        project=project,
        user=by,
        since=since_at,
        until=until_at,
        item_kind=kind,
        item_id=item_id,
        limit=limit,
        reports=readable_report_ids(engine, caller.actor),
    )
    return [{name: getattr(e, name) for name in e.__slots__} for e in entries]


@router.get("/reports/{department}/{year}/as-of")
@router.get("/reports/{department}/{year}/projects/{project}/as-of")
def as_of(
    department: str,
    year: int,
    moment: str,
    caller: ApiCaller,
    app: ServicesDep,
    project: ProjectPath,
) -> dict[str, Any]:
    """The report exactly as it was at a moment: a time (UTC unless it says) or a log position."""
    app.reads.readable(caller.actor, department, year, project)
    when = parse_moment(moment, "moment", app.store.head_position())
    found = report_as_of(app.store, department, year, when, project)
    view = found.view()
    if view is None:
        raise Refused(
            422,
            f"report {report_label(department, year, project)} at {moment}: not opened yet, "
            "expected a later moment",
            "moment",
        )
    return {
        "version": found.version,
        "position": found.position,
        "recorded_at": found.recorded_at,
        "view": view,
    }


@router.get("/reports/{department}/{year}/diff")
@router.get("/reports/{department}/{year}/projects/{project}/diff")
def diff(
    department: str,
    year: int,
    since: str,
    until: str,
    caller: ApiCaller,
    app: ServicesDep,
    project: ProjectPath,
) -> dict[str, Any]:
    """Every field of the report that changed between two moments (times or positions)."""
    app.reads.readable(caller.actor, department, year, project)
    head = app.store.head_position()
    first, second = parse_moment(since, "since", head), parse_moment(until, "until", head)
    reversed_ = Refused(
        422,
        f"since: got {since!r}, later than until {until!r}; expected the earlier moment first",
        "since",
    )
    if (isinstance(first, int) and isinstance(second, int) and first > second) or (
        isinstance(first, datetime) and isinstance(second, datetime) and first > second
    ):
        raise reversed_
    found = report_diff(app.store, department, year, first, second, project)
    if found.before.version > found.after.version:  # a position against a time, reversed
        raise reversed_
    return {
        "since": {"version": found.before.version, "position": found.before.position},
        "until": {"version": found.after.version, "position": found.after.position},
        "changes": [{"path": c.path, "before": c.before, "after": c.after} for c in found.changes],
    }


@router.get("/reports/{department}/{year}/file")
@router.get("/reports/{department}/{year}/projects/{project}/file")
def report_file(
    department: str, year: int, caller: ApiCaller, app: ServicesDep, project: ProjectPath
) -> dict[str, Any]:
    """The report's content as a jixiao-report file (docs/report-format.md), every cell as
    typed: what `jixiao report export` writes, and `jixiao report import` reads back."""
    app.reads.readable(caller.actor, department, year, project)
    return state_document(app.folds.current(department, year, project).state)


_ANCHOR = re.compile(r"(\d{1,18}):([0-9a-f]{64})")


def _anchor(text: str) -> tuple[int, str]:
    found = _ANCHOR.fullmatch(text.strip().lower())
    if found is None or int(found.group(1)) < 1:
        raise Refused(
            422,
            f"expect: got {text!r}, expected POSITION:HASH as the verification gives them "
            "(a position from 1 and the 64 hex digits of its hash)",
            "expect",
        )
    return int(found.group(1)), found.group(2)


@router.get("/verify")
@long_lane
def verify(
    caller: ApiCaller,
    app: ServicesDep,
    expect: Annotated[list[str] | None, Query()] = None,
    chain_only: bool = False,
) -> dict[str, Any]:
    """Walk the hash chain, then (unless ``chain_only``) compare every snapshot and read model
    with a fold of the log; each ``expect=POSITION:HASH`` noted earlier must still be held.
    It shows no report's content: any signed-in caller may ask (docs/decisions/0601)."""
    anchors = [_anchor(text) for text in expect or ()]
    found = LogVerification(app.store.verify()) if chain_only else verify_log(app.store)
    head = found.chain.head_position
    problems = [
        problem
        for position, digest in anchors
        if (problem := check_anchor(position, digest, app.store.hash_at(position), head))
    ]
    return found.as_data(anchors, problems, chain_only=chain_only)


@router.get("/years/{year}/replay")
@long_lane
def replay(year: int, caller: ApiCaller, app: ServicesDep) -> dict[str, Any]:
    """Every event of a fiscal year replayed from the log, the chain and the year's snapshots
    verified on the way: ``replay`` as `jixiao audit replay` writes its JSON file, ``csv``
    the text of its CSV file. For auditors and administrators of every department."""
    actor = caller.actor
    if not reads_everything(actor):
        held = ", ".join(g.describe() for g in actor.grants) or "none"
        expected = "expected auditor@* or admin@* to replay a year"
        raise Refused(403, f"user {actor.user_id} role: got {held}, {expected}")
    if not 2000 <= year <= 2100 or not app.store.stream_version(fiscal_year_stream_id(year)):
        raise Refused(
            422,
            f"year: got {year}, expected a fiscal year that was opened (`jixiao admin year open`)",
            "year",
        )
    result = replay_year(app.store, year)
    csv_text = io.StringIO(newline="")
    write_csv(result, csv_text)
    return {
        "replay": result.as_data(),
        "head_hash": result.chain.head_hash,
        "csv": csv_text.getvalue(),
    }


#: The largest rendered file the server checks (a report's PDF is a few megabytes).
MAX_ARTIFACT_BYTES = 64 * 1024 * 1024


@router.post("/artifacts/check")
async def artifact(
    request: Request, caller: ApiCaller, app: ServicesDep, name: str = "artifact"
) -> dict[str, Any]:
    """Prove a rendered file (the request's body) matches its events: find the
    ReportRendered that recorded it by its SHA-256, check the rendering's other files where
    the worker wrote them, and render the log again. ``name`` is how the caller calls the
    file; the answer names it so."""
    content = bytearray()
    async for chunk in request.stream():
        content += chunk
        if len(content) > MAX_ARTIFACT_BYTES:
            raise Refused(
                413, f"{name}: larger than {MAX_ARTIFACT_BYTES} bytes, expected a rendered report"
            )
    return await in_long_lane(_check_artifact, app, caller, name, bytes(content))


def _check_artifact(app: Services, caller: Identity, name: str, content: bytes) -> dict[str, Any]:
    # Imported here: rendering again loads the PDF engine, which no other request needs.
    from worker.verify import UnknownArtifact, verify_file

    with tempfile.TemporaryDirectory(prefix="jixiao-artifact-") as folder:
        given = Path(folder) / (Path(name).name or "artifact")
        given.write_bytes(content)
        try:
            found = verify_file(app.store, given)
        except UnknownArtifact as error:
            raise Refused(404, f"{name}: {error}") from None
        parts = report_stream_parts(found.report)
        assert parts is not None  # a rendering is recorded on a report stream
        app.reads.readable(caller.actor, *parts)
        return {
            "report": found.report,
            "revision": found.revision,
            "ok": found.ok,
            "checks": [
                {
                    "format": c.artifact.format,
                    "path": c.artifact.path,
                    "sha256": c.artifact.sha256,
                    "file_matches": c.file_matches,
                    "rerender_matches": c.rerender_matches,
                    "checked_path": name if c.checked_path == str(given) else c.checked_path,
                    "problems": list(c.problems),
                }
                for c in found.checks
            ],
        }
