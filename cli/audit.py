"""`jixiao audit`: who changed what and when, the report at any moment, the chain's integrity."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.context import (
    USAGE,
    caught_up_projections,
    open_store,
    reader,
    require_everything,
    require_readable,
)
from cli.failures import fail, reported_errors
from cli.moments import check_position, parse_moment, parse_time
from cli.options import (
    DepartmentOption,
    JsonOption,
    OptionalDepartmentOption,
    OptionalYearOption,
    YearOption,
)
from cli.output import print_json, print_table, print_view, shown

if TYPE_CHECKING:
    from events.store import EventStore
    from projections.audit_trail import AuditEntry

app = typer.Typer(
    help="Auditing: the trail of changes, as-of and diff, replay, verify.", no_args_is_help=True
)

#: The kinds of item `audit trail --item KIND:ID` filters on.
ITEM_KINDS = ("line", "indicator", "section")
#: The largest whole number the log's databases hold (a --limit beyond it cannot be asked).
_MAX_INTEGER = 2**63 - 1


def _require_report(store: EventStore, department: str, year: int) -> None:
    """Refuse a department and year with no report stream (no event at all)."""
    from workflow.administration import DEPARTMENT_CODE
    from workflow.commands import report_stream_id
    from workflow.errors import InvalidValue

    with reported_errors():
        if not DEPARTMENT_CODE.match(department):
            raise InvalidValue("report department", department, "a department code")
        version = store.stream_version(report_stream_id(department, year))
    if version == 0:
        raise fail(
            f"report {department}/{year}: no such report, expected a department whose {year} "
            f"report was opened (see `jixiao report list -y {year}`)"
        )


def _require_positions(store: EventStore, **moments: tuple[str, datetime | int]) -> None:
    """Refuse any log position past the head of the log (times may lie in the future)."""
    with reported_errors():
        head = store.head_position()
    for field, (text, moment) in moments.items():
        check_position(moment, text, head, field=field)


def _later(first: datetime | int, second: datetime | int) -> bool:
    """Whether ``first`` is after ``second``, both being times or both positions."""
    if isinstance(first, int) and isinstance(second, int):
        return first > second
    if isinstance(first, datetime) and isinstance(second, datetime):
        return first > second
    return False  # a position against a time: told by the versions they reach


def _reversed(since: str, until: str) -> typer.Exit:
    return fail(
        f"since: got {since!r}, later than until {until!r}; expected the earlier moment first",
        USAGE,
    )


_ANCHOR = re.compile(r"(\d{1,18}):([0-9a-f]{64})")


def _anchor(text: str) -> tuple[int, str]:
    found = _ANCHOR.fullmatch(text.strip().lower())
    if found is None or int(found.group(1)) < 1:
        raise fail(
            f"--expect: got {text!r}, expected POSITION:HASH as `jixiao audit verify` prints "
            "them (a position from 1 and the 64 hex digits of its hash)",
            USAGE,
        )
    return int(found.group(1)), found.group(2)


@app.command()
def verify(
    expect: Annotated[
        list[str] | None,
        typer.Option(
            "--expect",
            help="POSITION:HASH noted earlier (e.g. at sign-off): the log must still hold "
            "that event. Repeatable.",
        ),
    ] = None,
    chain_only: Annotated[
        bool,
        typer.Option(
            "--chain-only",
            help="Only walk the hash chain (and check anchors): skip the snapshots and read "
            "models, which take a fold of the whole log.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Walk the hash chain, then compare every snapshot and every read model with a fold
    of the log; name the first edited, missing or moved event, and the first snapshot
    (stream and version) and read-model row (table and key) that differ.

    The chain cannot tell a log whose last events were removed (and its head moved back)
    from a shorter one: note the head's position and hash this prints, and check them
    later with --expect. Exits 1 if the chain is broken, an anchor is not held, or a
    snapshot or read model does not match the log.

    Example: jixiao audit verify --expect 157:4c2f…(64 hex digits)
    """
    from cli.progress import progress_bar
    from events.verify import check_anchor
    from projections.integrity import LogVerification, verify_log

    anchors = [_anchor(text) for text in expect or ()]
    store = open_store()
    with reported_errors():
        if chain_only:
            found = LogVerification(store.verify())
        else:
            with progress_bar("verifying the log", store.head_position()) as advance:
                found = verify_log(store, progress=advance)
        report = found.chain
        problems = [
            problem
            for position, digest in anchors
            if (
                problem := check_anchor(
                    position, digest, store.hash_at(position), report.head_position
                )
            )
        ]
    ok = found.ok and not problems
    if as_json:
        data: dict[str, Any] = {
            "ok": ok,
            "checked": report.checked,
            "head_position": report.head_position,
            "head_hash": report.head_hash,
            "first_bad_position": report.first_bad_position,
            "problem": report.problem,
            "anchors": [{"position": position, "hash": digest} for position, digest in anchors],
            "anchor_problems": problems,
        }
        if not chain_only:
            data["snapshots"] = {
                "checked": found.snapshots_checked,
                "mismatched": found.bad_snapshots,
            }
            data["read_models"] = {
                "compared": found.read_models,
                "skipped": found.skipped,
                "problem": found.read_model_problem,
            }
        print_json(data)
    else:
        typer.echo(str(report))
        if not chain_only:
            typer.echo(found.snapshot_verdict())
            typer.echo(found.read_model_verdict())
            for reason in found.skipped:
                typer.echo(reason)
        if anchors and not problems:
            typer.echo(f"anchors held: {', '.join(str(position) for position, _ in anchors)}")
        for problem in problems:
            typer.echo(problem)
    if not ok:
        raise typer.Exit(1)


@app.command()
def trail(
    department: OptionalDepartmentOption = None,
    year: OptionalYearOption = None,
    user: Annotated[
        str | None, typer.Option("--by", help="Only changes made by this user.")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="From this time (inclusive), e.g. 2022-03-01.")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Up to this time (exclusive).")] = None,
    item: Annotated[
        str | None, typer.Option(help="Only one item: line:ID, indicator:ID or section:ID.")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many rows.", min=1)] = None,
    as_json: JsonOption = False,
) -> None:
    """Every change: when, who, in which role, the item, the value before and after, why.

    Each event listed is checked against the log first (its hash, and its link to the
    event before it): an edited or removed one is refused, naming its position.

    Example: jixiao audit trail -d gusu-rc -y 2021 --item line:homes
    """
    from projections.audit_trail import checked_audit_trail
    from projections.summaries import readable_report_ids

    item_kind = item_id = None
    if item is not None:
        item_kind, _, item_id = item.partition(":")
        if item_kind not in ITEM_KINDS or not item_id:
            raise fail(f"--item: got {item!r}, expected line:ID, indicator:ID or section:ID", USAGE)
    if department is not None and year is None:
        raise fail(
            f"--year: missing for department {department!r}, expected the report's year "
            "(-y or JIXIAO_YEAR)",
            USAGE,
        )
    if limit is not None and limit > _MAX_INTEGER:
        raise fail(f"--limit: got {limit}, expected a whole number from 1 to {_MAX_INTEGER}", USAGE)
    since_at, until_at = parse_time(since, field="--since"), parse_time(until, field="--until")
    if since_at is not None and until_at is not None and since_at >= until_at:
        raise fail(
            f"--until: got {until!r}, expected a time after --since {since!r} "
            "(--since is inclusive, --until exclusive)",
            USAGE,
        )
    store = caught_up_projections()
    actor = reader(store)
    if department is not None and year is not None:
        _require_report(store, department, year)
        require_readable(store, actor, department, year)
    with reported_errors():
        entries = checked_audit_trail(
            store,
            department=department,
            year=year,
            user=user,
            since=since_at,
            until=until_at,
            item_kind=item_kind,
            item_id=item_id,
            limit=limit,
            reports=readable_report_ids(store.engine, actor),
        )
    if as_json:
        print_json([_entry_data(e) for e in entries])
        return
    print_table(
        f"audit trail ({len(entries)} changes)",
        ["time (UTC)", "who", "role", "event", "item", "before", "after", "comment", "position"],
        [
            [
                e.recorded_at.strftime("%Y-%m-%d %H:%M:%S"),
                e.actor,
                e.role,
                e.event_type,
                f"{e.item_kind} {e.item_label} {e.field}".strip(),
                e.before_raw,
                e.after_raw,
                _comment(e),
                e.position,
            ]
            for e in entries
        ],
    )


def _entry_data(entry: AuditEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in entry.__slots__}


def _comment(entry: AuditEntry) -> str | None:
    """The comment or reason, and an adjustment's basis document when it names one."""
    recorded = entry.after_value if entry.event_type == "AdjustmentRecorded" else None
    document = recorded.get("document") if isinstance(recorded, dict) else None
    if not document:
        return entry.comment
    return f"{entry.comment}; document: {document}" if entry.comment else f"document: {document}"


@app.command("as-of")
def as_of(
    department: DepartmentOption,
    year: YearOption,
    moment: Annotated[
        str, typer.Argument(help="A time (2022-03-01T09:00, UTC) or a log position.")
    ],
    as_json: JsonOption = False,
) -> None:
    """Show the report exactly as it was at a past moment.

    Example: jixiao audit as-of -d gusu-rc -y 2021 2022-03-01T09:00
    """
    from projections.history import report_as_of

    when = parse_moment(moment)
    store = open_store()
    actor = reader(store)
    _require_report(store, department, year)
    require_readable(store, actor, department, year)
    _require_positions(store, moment=(moment, when))
    with reported_errors():
        found = report_as_of(store, department, year, when)
    view = found.view()
    if view is None:
        raise fail(
            f"report {department}/{year} at {moment}: not opened yet, expected a later moment"
        )
    if as_json:
        print_json(
            {
                "version": found.version,
                "position": found.position,
                "recorded_at": found.recorded_at,
                "view": view,
            }
        )
        return
    print_view(
        view,
        f"{view['department_name']} {view['year']} as of {moment}: version {found.version} "
        f"(position {found.position}, {found.recorded_at:%Y-%m-%d %H:%M:%S} UTC) · revision "
        f"{view['revision']} · stage {view['stage']} · "
        f"预算调整率 {view['budget']['adjustment_rate']}%",
    )


@app.command()
def diff(
    department: DepartmentOption,
    year: YearOption,
    since: Annotated[str, typer.Argument(help="The earlier moment: a time or a log position.")],
    until: Annotated[str, typer.Argument(help="The later moment: a time or a log position.")],
    as_json: JsonOption = False,
) -> None:
    """List every field of the report that changed between two moments.

    Example: jixiao audit diff -d gusu-rc -y 2021 2022-03-01 2022-04-01
    """
    from projections.history import report_diff

    first, second = parse_moment(since, field="since"), parse_moment(until, field="until")
    store = open_store()
    actor = reader(store)
    _require_report(store, department, year)
    require_readable(store, actor, department, year)
    _require_positions(store, since=(since, first), until=(until, second))
    if _later(first, second):
        raise _reversed(since, until)
    with reported_errors():
        found = report_diff(store, department, year, first, second)
    if found.before.version > found.after.version:  # a position against a time, reversed
        raise _reversed(since, until)
    if as_json:
        print_json(
            {
                "since": {"version": found.before.version, "position": found.before.position},
                "until": {"version": found.after.version, "position": found.after.position},
                "changes": [
                    {"path": c.path, "before": c.before, "after": c.after} for c in found.changes
                ],
            }
        )
        return
    typer.echo(
        f"{len(found.changes)} field(s) changed between version {found.before.version} and {found.after.version}"
    )
    for change in found.changes:
        typer.echo(f"  {shown(change)}")


@app.command()
def replay(
    year: Annotated[int, typer.Argument(help="The fiscal year to replay.")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the change log (JSON and CSV).")
    ] = Path("."),
    force: Annotated[
        bool, typer.Option("--force", help="Replace the change log files if they exist.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Replay every event of a fiscal year, verifying the chain; write its change log.

    Writes <out>/changes-<year>.json (chain verdict, change log, per-report timelines) and
    <out>/changes-<year>.csv, new files unless --force (never over the database). Every
    stored snapshot of the year's reports is compared with its events (as-of, diff and
    artifact start from them). Exits 1 if the chain is broken (the log stops before it)
    or a snapshot does not match.

    Example: jixiao audit replay 2021 -o audit-2021/
    """
    from cli.context import database_files
    from cli.files import check_output, output_file
    from cli.progress import progress_bar
    from projections.replay import replay_year, write_csv, write_json
    from workflow.administration import fiscal_year_stream_id

    store = open_store()
    require_everything(reader(store), "replay a year")
    with reported_errors():
        opened = store.stream_version(fiscal_year_stream_id(year))
    if not opened:
        raise fail(
            f"year: got {year}, expected a fiscal year that was opened "
            "(`jixiao admin year open`); nothing written"
        )
    _output_folder(out)
    json_path, csv_path = out / f"changes-{year}.json", out / f"changes-{year}.csv"
    protected = database_files()
    with reported_errors():  # refused before the replay, which may take minutes
        for path in (json_path, csv_path):
            check_output(path, "--out", force=force, protected=protected)
    with reported_errors(), progress_bar(f"replaying {year}", store.head_position()) as advance:
        result = replay_year(store, year, progress=lambda done, _head: advance(done))
    try:
        with output_file(json_path, "--out", force=force, protected=protected) as handle:
            write_json(result, handle)
        # With a byte-order mark, Excel opens the file as UTF-8 instead of the system's code
        # page (GBK on Chinese Windows), where every name would come out garbled.
        with output_file(
            csv_path, "--out", force=force, protected=protected, encoding="utf-8-sig", newline=""
        ) as handle:
            write_csv(result, handle)
    except ValueError as error:  # a file that appeared since the check
        raise fail(str(error)) from None
    except OSError as error:
        raise fail(
            f"--out: got {str(out)!r}, expected a folder the change log can be written to "
            f"({error.strerror or error})"
        ) from None
    summary = {
        "year": year,
        "chain_ok": result.chain.ok,
        "checked": result.chain.checked,
        "first_bad_position": result.chain.first_bad_position,
        "snapshots_checked": result.snapshots_checked,
        "snapshots_mismatched": len(result.bad_snapshots),
        "changes": len(result.changes),
        "reports": len(result.timelines),
        "json": str(json_path),
        "csv": str(csv_path),
    }
    if as_json:
        print_json(summary)
    else:
        typer.echo(
            f"{year}: {summary['changes']} changes in {summary['reports']} report(s); {result.chain}"
        )
        typer.echo(result.snapshot_verdict())
        typer.echo(f"wrote {json_path} and {csv_path}")
    if not result.ok:
        raise typer.Exit(1)


def _output_folder(out: Path) -> None:
    """Make sure ``out`` is a folder (created if missing); refuse a file or an uncreatable path."""
    if out.exists() and not out.is_dir():
        raise fail(f"--out: got {str(out)!r}, expected a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise fail(
            f"--out: got {str(out)!r}, expected a folder (cannot create it: "
            f"{error.strerror or error})"
        ) from None


@app.command()
def artifact(
    path: Annotated[Path, typer.Argument(help="A rendered report file (HTML, PDF or XLSX).")],
    as_json: JsonOption = False,
) -> None:
    """Prove a published file matches its events: find the ReportRendered that recorded it
    by its SHA-256, check every file of that rendering, and render the log again.

    The file given is judged by its own digest. The rendering's other files are checked
    where the worker wrote them, else beside the given file; one found nowhere is shown as
    "not found" and fails nothing. Exits 1 if any file found or any re-rendering differs.

    Example: jixiao audit artifact reports/gusu-rc-2021-r1-t2cd7051760.pdf
    """
    from cli.files import MAX_ARTIFACT_BYTES, regular_file
    from worker.verify import UnknownArtifact, verify_file

    with reported_errors():
        regular_file(path, "path", "a rendered report file (HTML, PDF or XLSX)", MAX_ARTIFACT_BYTES)
    store = open_store()
    actor = reader(store)
    try:
        with reported_errors():
            found = verify_file(store, path)
    except UnknownArtifact as error:
        raise fail(f"{path}: {error}") from None
    department, _, year = found.report.removeprefix("report:").rpartition(":")
    require_readable(store, actor, department, int(year))
    checks: list[dict[str, Any]] = [
        {
            "format": c.artifact.format,
            "path": c.artifact.path,
            "sha256": c.artifact.sha256,
            "file_matches": c.file_matches,
            "rerender_matches": c.rerender_matches,
            "checked_path": c.checked_path,
            "problems": list(c.problems),
        }
        for c in found.checks
    ]
    if as_json:
        print_json(
            {"report": found.report, "revision": found.revision, "ok": found.ok, "checks": checks}
        )
    else:
        typer.echo(f"{path} was rendered from {found.report} revision {found.revision}")
        for check in checks:
            again = {
                True: "re-rendered identically",
                False: "re-rendering differs",
                None: "older template",
            }
            state = {True: "ok", False: "DIFFERS", None: "not found"}[check["file_matches"]]
            if check["checked_path"] == str(path):
                state += " (this file)"
            typer.echo(f"  {check['format']:5} {state}; {again[check['rerender_matches']]}")
            for problem in check["problems"]:
                typer.echo(f"    {shown(problem)}")
    if not found.ok:
        raise typer.Exit(1)
