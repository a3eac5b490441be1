"""`/api/v1` reads: who am I, my inbox, the reports I may read, a year's overview, one report,
its trail, the report as of a moment and the changes between two."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from projections.audit_trail import audit_trail
from projections.history import report_as_of, report_diff
from projections.inboxes import inbox
from projections.report_state import report_document
from projections.summaries import readable_report_ids, visible_overview, visible_reports
from web.dependencies import ApiCaller, ServicesDep
from web.errors import Refused, not_found
from web.reading import parse_moment, parse_time, require_stage

router = APIRouter(prefix="/api/v1", tags=["reads"])

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
    items = inbox(app.reads.caught_up(), caller.user_id)
    return [
        {
            **{name: getattr(item, name) for name in item.__slots__ if name != "waited"},
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
    return [
        {
            "report": r.report,
            "department": r.department,
            "name": r.department_name,
            "year": r.year,
            "revision": r.revision,
            "stage": r.stage,
            **r.figures,
            "last_actor": r.last_actor,
            "last_activity": r.last_activity,
        }
        for r in rows
    ]


@router.get("/years/{year}/overview")
def overview(
    year: int, caller: ApiCaller, app: ServicesDep, stage: str | None = None
) -> list[dict[str, Any]]:
    """Every department of a year the caller follows; figures only of reports they may read."""
    require_stage(stage, with_new=True)
    rows = visible_overview(app.reads.caught_up(), caller.actor, year, stage=stage)
    return [asdict(row) for row in rows]


@router.get("/reports/{department}/{year}")
def report(
    department: str,
    year: int,
    caller: ApiCaller,
    app: ServicesDep,
    revision: Annotated[int | None, Query(ge=1)] = None,
) -> dict[str, Any]:
    """The report's view: stage, every typed and computed figure, indicators, narrative,
    notices, approvals, signatures, returns; the latest revision unless one is asked for."""
    app.reads.readable(caller.actor, department, year)
    view = report_document(app.store.engine, department, year, revision)
    if view is None:
        raise not_found(department, f"{year} revision {revision}")
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
def report_trail(
    department: str,
    year: int,
    caller: ApiCaller,
    app: ServicesDep,
    by: str | None = None,
    since: str | None = None,
    until: str | None = None,
    item: str | None = None,
    limit: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> list[dict[str, Any]]:
    """Every change to the report: when, who, in which role, the item, before and after, why."""
    app.reads.readable(caller.actor, department, year)
    return _trail(app, caller, department, year, by, since, until, item, limit)


def _trail(app, caller, department, year, by, since, until, item, limit) -> list[dict[str, Any]]:
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
    entries = audit_trail(
        engine,
        department=department,
        year=year,
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
def as_of(
    department: str, year: int, moment: str, caller: ApiCaller, app: ServicesDep
) -> dict[str, Any]:
    """The report exactly as it was at a moment: a time (UTC unless it says) or a log position."""
    app.reads.readable(caller.actor, department, year)
    when = parse_moment(moment, "moment", app.store.head_position())
    found = report_as_of(app.store, department, year, when)
    view = found.view()
    if view is None:
        raise Refused(
            422,
            f"moment: got {moment!r}, expected a moment after report {department}/{year} "
            "was opened",
            "moment",
        )
    return {
        "version": found.version,
        "position": found.position,
        "recorded_at": found.recorded_at,
        "view": view,
    }


@router.get("/reports/{department}/{year}/diff")
def diff(
    department: str, year: int, since: str, until: str, caller: ApiCaller, app: ServicesDep
) -> dict[str, Any]:
    """Every field of the report that changed between two moments (times or positions)."""
    app.reads.readable(caller.actor, department, year)
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
    found = report_diff(app.store, department, year, first, second)
    if found.before.version > found.after.version:  # a position against a time, reversed
        raise reversed_
    return {
        "since": {"version": found.before.version, "position": found.before.position},
        "until": {"version": found.after.version, "position": found.after.position},
        "changes": [{"path": c.path, "before": c.before, "after": c.after} for c in found.changes],
    }
