"""`jixiao audit`: who changed what and when, the report at any moment, the chain's integrity."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.context import caught_up_projections, open_store
from cli.failures import fail, reported_errors
from cli.moments import parse_moment, parse_time
from cli.options import JsonOption, YearOption
from cli.output import print_json, print_table, print_view

if TYPE_CHECKING:
    from projections.audit_trail import AuditEntry

app = typer.Typer(
    help="Auditing: the trail of changes, as-of and diff, replay, verify.", no_args_is_help=True
)

OptionalDepartment = Annotated[
    str | None, typer.Option("--department", "-d", help="One department's report (with --year).")
]
OptionalYear = Annotated[int | None, typer.Option("--year", "-y", help="Fiscal year.")]


@app.command()
def verify(as_json: JsonOption = False) -> None:
    """Walk the hash chain and name the first edited, missing or moved event.

    Exits 1 if the chain is broken.

    Example: jixiao audit verify --json
    """
    store = open_store()
    with reported_errors():
        report = store.verify()
    if as_json:
        print_json(
            {
                "ok": report.ok,
                "checked": report.checked,
                "head_position": report.head_position,
                "first_bad_position": report.first_bad_position,
                "problem": report.problem,
            }
        )
    else:
        typer.echo(str(report))
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def trail(
    department: OptionalDepartment = None,
    year: OptionalYear = None,
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

    Example: jixiao audit trail -d gusu-rc -y 2021 --item line:homes
    """
    from projections.audit_trail import audit_trail

    item_kind = item_id = None
    if item is not None:
        item_kind, _, item_id = item.partition(":")
        if not item_id:
            raise fail(f"--item: got {item!r}, expected line:ID, indicator:ID or section:ID")
    if department is not None and year is None:
        raise fail(f"--year: missing for department {department!r}, expected the report's year")
    since_at, until_at = parse_time(since, field="--since"), parse_time(until, field="--until")
    store = caught_up_projections()
    with reported_errors():
        entries = audit_trail(
            store.engine,
            department=department,
            year=year,
            user=user,
            since=since_at,
            until=until_at,
            item_kind=item_kind,
            item_id=item_id,
            limit=limit,
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
                e.comment,
                e.position,
            ]
            for e in entries
        ],
    )


def _entry_data(entry: AuditEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in entry.__slots__}


@app.command("as-of")
def as_of(
    department: Annotated[str, typer.Option("--department", "-d", help="Department code.")],
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
    department: Annotated[str, typer.Option("--department", "-d", help="Department code.")],
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
    with reported_errors():
        found = report_diff(store, department, year, first, second)
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
        typer.echo(f"  {change}")


@app.command()
def replay(
    year: Annotated[int, typer.Argument(help="The fiscal year to replay.")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the change log (JSON and CSV).")
    ] = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Replay every event of a fiscal year, verifying the chain; write its change log.

    Writes <out>/changes-<year>.json (chain verdict, change log, per-report timelines) and
    <out>/changes-<year>.csv. Exits 1 if the chain is broken (the log stops before it).

    Example: jixiao audit replay 2021 -o audit-2021/
    """
    from cli.progress import progress_bar
    from projections.replay import replay_year, write_csv, write_json

    store = open_store()
    with reported_errors():
        out.mkdir(parents=True, exist_ok=True)
        with progress_bar(f"replaying {year}", store.head_position()) as advance:
            result = replay_year(store, year, progress=lambda done, _head: advance(done))
        json_path, csv_path = out / f"changes-{year}.json", out / f"changes-{year}.csv"
        with json_path.open("w", encoding="utf-8") as handle:
            write_json(result, handle)
        # With a byte-order mark, Excel opens the file as UTF-8 instead of the system's code
        # page (GBK on Chinese Windows), where every name would come out garbled.
        with csv_path.open("w", encoding="utf-8-sig", newline="") as handle:
            write_csv(result, handle)
    summary = {
        "year": year,
        "chain_ok": result.chain.ok,
        "checked": result.chain.checked,
        "first_bad_position": result.chain.first_bad_position,
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
        typer.echo(f"wrote {json_path} and {csv_path}")
    if not result.chain.ok:
        raise typer.Exit(1)


@app.command()
def artifact(
    path: Annotated[Path, typer.Argument(help="A rendered report file (HTML, PDF or XLSX).")],
    as_json: JsonOption = False,
) -> None:
    """Prove a published file matches its events: find the ReportRendered that recorded it
    by its SHA-256, check every file of that rendering, and render the log again.

    Exits 1 if any file or re-rendering differs.

    Example: jixiao audit artifact reports/gusu-rc-2021-r1-t2cd7051760.pdf
    """
    from worker.verify import UnknownArtifact, verify_file

    store = open_store()
    try:
        with reported_errors():
            found = verify_file(store, path)
    except UnknownArtifact as error:
        raise fail(f"{path}: {error}") from None
    checks = [
        {
            "format": c.artifact.format,
            "path": c.artifact.path,
            "sha256": c.artifact.sha256,
            "file_matches": c.file_matches,
            "rerender_matches": c.rerender_matches,
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
            state = "ok" if check["file_matches"] else "DIFFERS"
            typer.echo(f"  {check['format']:5} {state}; {again[check['rerender_matches']]}")
            for problem in check["problems"]:
                typer.echo(f"    {problem}")
    if not found.ok:
        raise typer.Exit(1)
