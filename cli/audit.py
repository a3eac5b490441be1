"""`jixiao audit`: who changed what and when, the report at any moment, the chain's integrity."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.backend import TrailQuery, backend
from cli.context import USAGE
from cli.failures import fail, reported_errors
from cli.moments import parse_moment, parse_time
from cli.options import (
    DepartmentOption,
    JsonOption,
    OptionalDepartmentOption,
    OptionalYearOption,
    ProjectOption,
    YearOption,
)
from cli.output import print_json, print_table, print_view, shown

if TYPE_CHECKING:
    from projections.history import FieldChange
    from projections.verification import LogVerification

app = typer.Typer(
    help="Auditing: the trail of changes, as-of and diff, replay, verify.", no_args_is_help=True
)

#: The kinds of item `audit trail --item KIND:ID` filters on.
ITEM_KINDS = ("line", "indicator", "section")
#: The largest whole number the log's databases hold (a --limit beyond it cannot be asked).
_MAX_INTEGER = 2**63 - 1


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
    anchors = [_anchor(text) for text in expect or ()]
    data = backend().verify(anchors, chain_only)
    if as_json:
        print_json(data)
    else:
        found = _verification(data)
        typer.echo(str(found.chain))
        if not chain_only:
            typer.echo(found.snapshot_verdict())
            typer.echo(found.read_model_verdict())
            for reason in found.skipped:
                typer.echo(reason)
        problems = data["anchor_problems"]
        if anchors and not problems:
            typer.echo(f"anchors held: {', '.join(str(position) for position, _ in anchors)}")
        for problem in problems:
            typer.echo(problem)
    if not data["ok"]:
        raise typer.Exit(1)


def _verification(data: dict[str, Any]) -> LogVerification:
    """`audit verify --json`'s data as the verification it reports."""
    from events.verify import ChainReport
    from projections.verification import LogVerification

    chain = ChainReport(
        ok=data["problem"] is None and data["first_bad_position"] is None,
        checked=data["checked"],
        head_position=data["head_position"],
        first_bad_position=data["first_bad_position"],
        problem=data["problem"],
        head_hash=data["head_hash"],
    )
    snapshots = data.get("snapshots") or {"checked": 0, "mismatched": []}
    models = data.get("read_models") or {"compared": {}, "skipped": [], "problem": None}
    return LogVerification(
        chain,
        snapshots_checked=snapshots["checked"],
        bad_snapshots=snapshots["mismatched"],
        read_models=models["compared"],
        skipped=models["skipped"],
        read_model_problem=models["problem"],
    )


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
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every change: when, who, in which role, the item, the value before and after, why.

    Each event listed is checked against the log first (its hash, and its link to the
    event before it): an edited or removed one is refused, naming its position.

    Example: jixiao audit trail -d gusu-rc -y 2021 --item line:homes
    """
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
    if project is not None and department is None:
        raise fail(
            f"--department: missing for project {project!r}, expected the department and year "
            "of its report (-d and -y)",
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
    entries = backend().trail(
        TrailQuery(
            department=department,
            year=year,
            project=project,
            by=user,
            since=since,
            since_at=since_at,
            until=until,
            until_at=until_at,
            item=item,
            item_kind=item_kind,
            item_id=item_id,
            limit=limit,
        )
    )
    if as_json:
        print_json(entries)
        return
    print_table(
        f"audit trail ({len(entries)} changes)",
        ["time (UTC)", "who", "role", "event", "item", "before", "after", "comment", "position"],
        [
            [
                e["recorded_at"].strftime("%Y-%m-%d %H:%M:%S"),
                e["actor"],
                e["role"],
                e["event_type"],
                f"{e['item_kind']} {e['item_label']} {e['field']}".strip(),
                e["before_raw"],
                e["after_raw"],
                _comment(e),
                e["position"],
            ]
            for e in entries
        ],
    )


def _comment(entry: dict[str, Any]) -> str | None:
    """The comment or reason, and an adjustment's basis document when it names one."""
    comment = entry["comment"]
    recorded = entry["after_value"] if entry["event_type"] == "AdjustmentRecorded" else None
    document = recorded.get("document") if isinstance(recorded, dict) else None
    if not document:
        return comment
    return f"{comment}; document: {document}" if comment else f"document: {document}"


@app.command("as-of")
def as_of(
    department: DepartmentOption,
    year: YearOption,
    moment: Annotated[
        str, typer.Argument(help="A time (2022-03-01T09:00, UTC) or a log position.")
    ],
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the report exactly as it was at a past moment.

    Example: jixiao audit as-of -d gusu-rc -y 2021 2022-03-01T09:00
    """
    when = parse_moment(moment)
    found = backend().as_of(department, year, moment, when, project)
    if as_json:
        print_json(found)
        return
    view = found["view"]
    print_view(
        view,
        f"{view['department_name']} {view['year']} as of {moment}: version {found['version']} "
        f"(position {found['position']}, {found['recorded_at']:%Y-%m-%d %H:%M:%S} UTC) · revision "
        f"{view['revision']} · stage {view['stage']} · "
        f"预算调整率 {view['budget']['adjustment_rate']}%",
    )


@app.command()
def diff(
    department: DepartmentOption,
    year: YearOption,
    since: Annotated[str, typer.Argument(help="The earlier moment: a time or a log position.")],
    until: Annotated[str, typer.Argument(help="The later moment: a time or a log position.")],
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """List every field of the report that changed between two moments.

    Example: jixiao audit diff -d gusu-rc -y 2021 2022-03-01 2022-04-01
    """
    first, second = parse_moment(since, field="since"), parse_moment(until, field="until")
    found = backend().diff(department, year, (since, first), (until, second), project)
    if as_json:
        print_json(found)
        return
    changes = found["changes"]
    typer.echo(
        f"{len(changes)} field(s) changed between version {found['since']['version']} and "
        f"{found['until']['version']}"
    )
    for change in changes:
        typer.echo(f"  {shown(_change(change))}")


def _change(change: dict[str, Any]) -> FieldChange:
    from projections.history import FieldChange

    return FieldChange(change["path"], change["before"], change["after"])


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
    from projections.snapshots import snapshot_verdict

    json_path, csv_path = out / f"changes-{year}.json", out / f"changes-{year}.csv"
    protected = database_files()

    def prepare() -> None:
        _output_folder(out)
        with reported_errors():  # refused before the replay, which may take minutes
            for path in (json_path, csv_path):
                check_output(path, "--out", force=force, protected=protected)

    result = backend().replay(year, prepare)
    try:
        with output_file(json_path, "--out", force=force, protected=protected) as handle:
            result.write_json(handle)
        # With a byte-order mark, Excel opens the file as UTF-8 instead of the system's code
        # page (GBK on Chinese Windows), where every name would come out garbled.
        with output_file(
            csv_path, "--out", force=force, protected=protected, encoding="utf-8-sig", newline=""
        ) as handle:
            result.write_csv(handle)
    except ValueError as error:  # a file that appeared since the check
        raise fail(str(error)) from None
    except OSError as error:
        raise fail(
            f"--out: got {str(out)!r}, expected a folder the change log can be written to "
            f"({error.strerror or error})"
        ) from None
    data = result.data
    snapshots = data["snapshots"]
    summary = {
        "year": year,
        "chain_ok": result.chain.ok,
        "checked": result.chain.checked,
        "first_bad_position": result.chain.first_bad_position,
        "snapshots_checked": snapshots["checked"],
        "snapshots_mismatched": len(snapshots["mismatched"]),
        "changes": len(data["changes"]),
        "reports": len(data["timelines"]),
        "json": str(json_path),
        "csv": str(csv_path),
    }
    if as_json:
        print_json(summary)
    else:
        typer.echo(
            f"{year}: {summary['changes']} changes in {summary['reports']} report(s); {result.chain}"
        )
        typer.echo(snapshot_verdict(snapshots["checked"], snapshots["mismatched"]))
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
    path: Annotated[Path, typer.Argument(help="A rendered report file (HTML, PDF, XLSX or DOCX).")],
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

    with reported_errors():
        regular_file(
            path, "path", "a rendered report file (HTML, PDF, XLSX or DOCX)", MAX_ARTIFACT_BYTES
        )
    found = backend().artifact(path)
    checks = found["checks"]
    if as_json:
        print_json(found)
    else:
        typer.echo(f"{path} was rendered from {found['report']} revision {found['revision']}")
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
    if not found["ok"]:
        raise typer.Exit(1)
