"""`jixiao report`: opening, importing, exporting, showing and editing a report."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from cli.backend import backend
from cli.context import print_recorded, run
from cli.failures import fail, reported_errors
from cli.options import DepartmentOption, JsonOption, ProjectOption, YearOption
from cli.output import print_json, print_table, print_view, shown

app = typer.Typer(
    help="A department's report: open, import, export, show, edit.", no_args_is_help=True
)
line_app = typer.Typer(
    help="Budget lines: add, rename, remove, 年初预算数, adjustments, 实际支出数.",
    no_args_is_help=True,
)
indicator_app = typer.Typer(
    help="Performance indicators: add, adjust targets, record actuals and 得分, point at a "
    "budget line, remove.",
    no_args_is_help=True,
)
app.add_typer(line_app, name="line")
app.add_typer(indicator_app, name="indicator")

#: For commands whose value arguments may start with a minus (``-4.8``, ``-5%``): click
#: would take them for short options. Unknown options are then left as arguments; the
#: command's own options (-d, -y, --json …) are parsed as usual.
NEGATIVE_VALUES = {"ignore_unknown_options": True}

Amount = Annotated[str, typer.Argument(help="The amount as typed, e.g. 12.5 or -4.8.")]
LineId = Annotated[str, typer.Argument(help="The line's id, e.g. publicity.")]
IndicatorId = Annotated[str, typer.Argument(help="The indicator's id, e.g. d04.")]
Reason = Annotated[str, typer.Option("--reason", help="Why (kept in the audit trail).")]


@app.command("open")
def open_report(
    department: DepartmentOption,
    year: YearOption,
    project: ProjectOption = None,
    name: Annotated[
        str | None, typer.Option("--name", help="With -p: the 项目名称.", show_default=False)
    ] = None,
    supervisor: Annotated[
        str | None,
        typer.Option(help="With -p: the 主管部门 (default: the department).", show_default=False),
    ] = None,
    implementer: Annotated[
        str | None,
        typer.Option(help="With -p: the 实施单位 (default: the department).", show_default=False),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Open the department's report for a fiscal year (revision 1, draft): its 部门整体支出
    report, or with -p CODE --name NAME one of its 项目支出 reports.

    Example: jixiao report open -d gusu-rc -y 2021 -p homes --name 博爱家园建设
    """
    from workflow.commands import OpenReport

    command = OpenReport(
        department=department,
        year=year,
        project_code=project,
        project_name=name,
        supervisor=supervisor,
        implementer=implementer,
    )
    run(command, as_json=as_json)


@app.command("project")
def project_field(
    department: DepartmentOption,
    year: YearOption,
    field: Annotated[
        str,
        typer.Argument(
            help="name, supervisor, implementer, goal (预期目标), achieved (实际完成情况), "
            "conclusion (评价结论), problems (存在问题), improvements (改进措施), project_lead "
            "(项目负责人) or finance_lead (财务负责人); or the form's words."
        ),
    ],
    text: Annotated[str, typer.Argument(help="The text as on the form (blank: clear it).")],
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Set a text or name of a 项目支出 report (-p CODE): 项目名称, 主管部门, 实施单位,
    年度总体目标, 评价结论, 存在问题, 改进措施, 项目负责人, 财务负责人.

    Example: jixiao report project -d gusu-rc -y 2021 -p homes goal 新建红十字博爱家园 4 家以上
    """
    from workflow.commands import SetProjectField

    command = SetProjectField(
        department=department, year=year, project_code=project, field=field, text=text
    )
    run(command, as_json=as_json)


@app.command("import")
def import_report(
    path: Annotated[
        Path,
        typer.Argument(help="A jixiao-report file (.yaml, .yml, .json) or a 自评价表 (.xlsx)."),
    ],
    department: Annotated[
        str | None,
        typer.Option(
            "--department", "-d", envvar="JIXIAO_DEPARTMENT", help="For .xlsx: the department."
        ),
    ] = None,
    year: Annotated[
        int | None,
        typer.Option("--year", "-y", envvar="JIXIAO_YEAR", help="For .xlsx: the fiscal year."),
    ] = None,
    check: Annotated[
        bool,
        typer.Option("--check", help="Check every rule and list the problems; record nothing."),
    ] = False,
    layout: Annotated[
        str | None,
        typer.Option(
            "--layout",
            help="For .xlsx: read it by this layout (jixiao admin layout list); else its headers choose.",
        ),
    ] = None,
    project: Annotated[
        list[str] | None,
        typer.Option(
            "--project",
            "-p",
            help="For .xlsx: the 项目支出 report of this project code (its 项目名称, 年度总体目标 … "
            "read from the sheet); once per project sheet, in sheet order, for a workbook of "
            "several.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Record a whole report from a file, as your own changes: every rule applies.

    With -p, a workbook's sheets naming a 项目名称 are the projects' 项目支出 reports (one
    -p CODE each, in sheet order) and one other sheet, if any, the 部门整体 report: all of
    them are recorded as one change, or none.

    A file with any problem is rejected whole and every problem is listed by its place
    (for a spreadsheet, by cell). A report file is described in docs/report-format.md; a
    .xlsx is read by a layout (docs/layouts.md, jixiao admin layout list): the one --layout
    names, else the one its headers match. Printed figures that disagree with jixiao's
    (合计, 执行率) are listed; the typed ones are recorded.

    Example: jixiao report import gusu-redcross-2021.yaml
    """
    from cli.files import MAX_TEXT_BYTES, file_bytes, regular_file
    from cli.progress import progress_bar
    from imports.reading import EXPECTED_FILE, is_workbook, read_import, read_workbook

    source = str(path)
    checking_json = check and as_json
    workbook = is_workbook(source)
    limit = MAX_TEXT_BYTES
    if workbook:
        # Only a workbook needs the spreadsheet reader, and with it openpyxl (0.17 s).
        from imports.spreadsheet import MAX_WORKBOOK_BYTES

        limit = MAX_WORKBOOK_BYTES
    with reported_errors():
        # Missing, special (a FIFO, /dev/zero) or oversized: refused before a byte is read.
        regular_file(path, "path", EXPECTED_FILE, limit)
    with reported_errors(), _check_as_json(checking_json, source):
        if workbook and (department is None or year is None):
            raise fail(f"{path}: a spreadsheet names no department code, expected -d and -y", 2)
        expected = "a 自评价表 (.xlsx)" if workbook else "a report file (.yaml, .yml, .json)"
        data = file_bytes(path, "path", expected, limit)
        if workbook and project:
            assert department is not None and year is not None
            files = read_workbook(
                data, source, department=department, year=year, projects=project, layout=layout
            )
        else:
            files = [
                read_import(
                    data,
                    source,
                    department=department,
                    year=year,
                    layout=layout,
                    project=project[0] if project else None,
                )
            ]
    if len(files) > 1:
        _import_reports(files, source, check=check, as_json=as_json)
        return
    (found,) = files
    importer = backend()
    with (
        reported_errors(),
        _check_as_json(checking_json, source),
        progress_bar(f"checking {path.name}", len(found.located)) as advance,
    ):
        summary = importer.import_commands(
            found.located,
            source=source,
            department_field="--department" if workbook else "department",
            dry_run=check,
            earlier_problems=found.problems,
            progress=advance,
        )
    located = found.located
    if checking_json:
        print_json(
            {
                "file": source,
                "ok": True,
                "problems": [],
                "report": found.report,
                "commands": len(located),
                "by_command": found.by_command(),
                "layout": found.layout or None,
                "disagreements": found.disagreements,
            }
        )
    elif check:
        read_by = f" (layout {found.layout})" if found.layout else ""
        typer.echo(f"{path}: no problems{read_by}; {len(located)} commands would be recorded")
        _print_disagreements(found.disagreements)
    else:
        print_recorded(summary, as_json)
        if not as_json:
            _print_disagreements(found.disagreements)


def _import_reports(files: list, source: str, *, check: bool, as_json: bool) -> None:
    """Record (or with ``check`` check) a workbook's several reports as one change."""
    problems = [problem for found in files for problem in found.problems]
    disagreements = [line for found in files for line in found.disagreements]
    with reported_errors(), _check_as_json(check and as_json, source):
        summary = backend().import_reports(
            [found.located for found in files],
            source=source,
            dry_run=check,
            earlier_problems=problems,
        )
    reports = [found.report for found in files]
    commands = sum(len(found.located) for found in files)
    if check and as_json:
        print_json(
            {
                "file": source,
                "ok": True,
                "problems": [],
                "reports": reports,
                "commands": commands,
                "layouts": [found.layout for found in files],
                "disagreements": disagreements,
            }
        )
        return
    if check:
        typer.echo(
            f"{source}: no problems; {commands} commands would be recorded on "
            f"{len(reports)} reports as one change: {', '.join(reports)}"
        )
    else:
        print_recorded(summary, as_json)
    if not as_json:
        _print_disagreements(disagreements)


def _print_disagreements(disagreements: list[str]) -> None:
    """The printed figures that are not jixiao's: listed, recorded as typed all the same."""
    if not disagreements:
        return
    count = len(disagreements)
    typer.echo(
        f"{count} printed figure{'s' if count > 1 else ''} disagree{'s' if count == 1 else ''} "
        "with jixiao's (the typed figures are recorded, the printed ones are not):"
    )
    for line in disagreements:
        typer.echo(f"  - {line}")


@contextmanager
def _check_as_json(enabled: bool, source: str) -> Iterator[None]:
    """Under ``--check --json``, a file's problems as JSON on stdout (exit 1), not as text."""
    from workflow.errors import DocumentRejected

    if not enabled:
        yield
        return
    try:
        yield
    except (DocumentRejected, ValueError) as error:
        problems = list(getattr(error, "problems", None) or [" ".join(str(error).split())])
        print_json({"file": source, "ok": False, "problems": problems})
        count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
        raise fail(f"{source}: {count} (listed in the JSON), expected none") from None


@app.command("export")
def export_report(
    department: DepartmentOption,
    year: YearOption,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Write to this .yaml or .json file (a new one unless --force)."
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace the --out file if it exists (never the database)."),
    ] = False,
    project: ProjectOption = None,
) -> None:
    """Write the report's content as a jixiao-report file, every cell as typed.

    An existing --out file is replaced only with --force; the database file (and its
    -wal, -shm and -journal files) never, even with --force.

    Example: jixiao report export -d gusu-rc -y 2021 -o gusu-2021.yaml
    """
    from cli.context import database_files
    from cli.files import check_output, dump_yaml, write_document

    if out is not None:
        with reported_errors():  # refused before the store (or the server) is even asked
            check_output(out, "--out", force=force, protected=database_files())
    document = backend().report_file(department, year, project)
    if out is None:
        typer.echo(dump_yaml(document), nl=False)
        return
    with reported_errors():
        write_document(document, out, force=force, protected=database_files())
    typer.echo(f"wrote {out}")


@app.command("show")
def show(
    department: DepartmentOption,
    year: YearOption,
    revision: Annotated[
        int | None, typer.Option(help="An earlier revision (default: the latest).", min=1)
    ] = None,
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the report: stage, the budget table with every computed figure, the indicators;
    with -p, one of the department's 项目支出 reports.

    Example: jixiao report show -d gusu-rc -y 2021 --json
    """
    from cli.review import comment_line, review_comments

    view = backend().view(department, year, revision, project)
    if as_json:
        print_json(view)
        return
    # What the preparer must answer comes first: the open return (or reopen), pinned items.
    for comment in review_comments(view):
        if comment["open"]:
            typer.echo(f"open comment: {shown(comment_line(comment))}")
    print_view(view)


def _standing_name(row: dict, *, indented: bool) -> str:
    """A department's name, or a 项目支出 report's project code and name: under its
    department's row (``indented``) or with the department's name."""
    project = row.get("project")
    if not project:
        return str(row["name"])
    named = (
        f"项目 {project} {row['project_name']}" if row.get("project_name") else f"项目 {project}"
    )
    return f"  {named}" if indented else f"{row['name']} {named}"


def print_standings(title: str, data: list[dict], *, with_year: bool) -> None:
    """Reports (or departments) with their stage and headline figures, as a table; a note
    column (a failed render) when any row has a note, a reminder column (the most urgent
    deadline reminder sent) when any row has one. A department's 项目支出 reports follow
    its row (the overview's ``projects``), or are named by their code (a list of reports)."""
    data = [row for d in data for row in (d, *d.get("projects", ()))]
    columns = ["department", *(["year"] if with_year else []), "rev", "stage"]
    figures = ["total", "actual", "execution_rate", "adjustment_rate", "score", "grade"]
    noted = any(d.get("note") for d in data)
    reminded = any(d.get("reminder") for d in data)
    print_table(
        title,
        [
            *columns,
            *("total", "actual", "执行率%", "调整率%", "score", "grade", "last activity"),
            *(["reminder"] if reminded else []),
            *(["note"] if noted else []),
        ],
        [
            [
                _standing_name(d, indented=not with_year),
                *([d["year"]] if with_year else []),
                d["revision"],
                d["stage"],
                *(d.get(key) for key in figures),
                f"{d['last_activity']:%Y-%m-%d %H:%M} {d['last_actor']}"
                if d["last_activity"]
                else "",
                *([d.get("reminder") or ""] if reminded else []),
                *([d.get("note") or ""] if noted else []),
            ]
            for d in data
        ],
    )


def _require_stage(stage: str | None, *, listed_with_reports: bool) -> None:
    """Refuse a --stage no report can be in (``new``: not opened, only in the overview)."""
    from workflow.stages import Stage

    known = [str(s) for s in Stage if not (listed_with_reports and s is Stage.NEW)]
    if stage is not None and stage not in known:
        raise fail(f"--stage: got {stage!r}, expected one of {', '.join(known)}")


@app.command("list")
def list_reports(
    year: Annotated[int | None, typer.Option("--year", "-y", help="Only this fiscal year.")] = None,
    stage: Annotated[str | None, typer.Option(help="Only reports in this stage.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List the reports you may read (latest revisions) with their stage and headline figures.

    Example: jixiao report list -y 2021 --stage submitted
    """
    _require_stage(stage, listed_with_reports=True)
    data = backend().reports(year, stage)
    if as_json:
        print_json(data)
    else:
        print_standings("reports", data, with_year=True)


@app.command()
def overview(
    year: Annotated[int, typer.Argument(help="The fiscal year.")],
    stage: Annotated[str | None, typer.Option(help="Only departments in this stage.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Every department of a fiscal year: stage, totals, rates, score, grade, last activity.

    You see the departments your roles cover, and the figures of the reports you may read
    (another department's report before it is first submitted shows its stage only).

    Example: jixiao report overview 2021
    """
    _require_stage(stage, listed_with_reports=False)
    data = backend().overview(year, stage)
    if as_json:
        print_json(data)
    else:
        print_standings(f"{year} overview", data, with_year=False)


@app.command("functions")
def functions(
    department: DepartmentOption,
    year: YearOption,
    items: Annotated[list[str], typer.Argument(help="The functions, in order.")],
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Set the numbered list of 主要职能 (replaces the list).

    Example: jixiao report functions -d gusu-rc -y 2021 "宣传贯彻……" "开展备灾救灾工作……"
    """
    from workflow.commands import SetFunctions

    run(
        SetFunctions(
            department=department, year=year, project_code=project, functions=tuple(items)
        ),
        as_json=as_json,
    )


def _rank_counts(values: list[str]) -> tuple[tuple[str, int], ...]:
    counts = []
    for value in values:
        rank, _, count = value.partition("=")
        if not rank or not count.isdigit():
            raise fail(f"--in-post: got {value!r}, expected RANK=COUNT such as 科员=2")
        counts.append((rank, int(count)))
    return tuple(counts)


@app.command("staffing")
def staffing(
    department: DepartmentOption,
    year: YearOption,
    establishment: Annotated[int, typer.Option(help="编制: the approved headcount.", min=0)],
    in_post: Annotated[
        list[str], typer.Option("--in-post", help="在职 by rank as RANK=COUNT; repeat it.")
    ],
    unit: Annotated[
        list[str] | None, typer.Option("--unit", help="An internal unit (内设机构); repeat it.")
    ] = None,
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Set internal units, 编制 and 在职 staff by rank.

    Example: jixiao report staffing -d gusu-rc -y 2021 --establishment 4 --in-post 正科=1 --in-post 科员=2
    """
    from workflow.commands import SetStaffing

    command = SetStaffing(
        department=department,
        year=year,
        project_code=project,
        internal_units=tuple(unit or ()),
        establishment=establishment,
        in_post=_rank_counts(in_post),
    )
    run(command, as_json=as_json)


@app.command("net-assets", context_settings=NEGATIVE_VALUES)
def net_assets(
    department: DepartmentOption,
    year: YearOption,
    amount: Amount,
    unit: Annotated[str, typer.Option(help="元 or 万元.")] = "元",
    as_of: Annotated[str | None, typer.Option(help="The balance date, YYYY-MM-DD.")] = None,
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Set 净资产 with its own unit.

    Example: jixiao report net-assets -d gusu-rc -y 2021 24904.73 --unit 元 --as-of 2021-12-31
    """
    from datetime import date

    from workflow.commands import SetNetAssets

    try:
        when = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise fail(f"--as-of: got {as_of!r}, expected a date YYYY-MM-DD") from None
    command = SetNetAssets(
        department=department, year=year, project_code=project, amount=amount, unit=unit, as_of=when
    )
    run(command, as_json=as_json)


@app.command("narrative")
def narrative(
    department: DepartmentOption,
    year: YearOption,
    section: Annotated[str, typer.Argument(help="Section id: 1.3, 1.3.2, 2.1, 3.1 …")],
    text: Annotated[str | None, typer.Option(help="The section's text.")] = None,
    text_file: Annotated[
        Path | None, typer.Option("--file", help="Read the text from this UTF-8 file.")
    ] = None,
    title: Annotated[str | None, typer.Option(help="The heading (default: the scheme's).")] = None,
    figure: Annotated[
        list[str] | None,
        typer.Option(
            help="A headline figure KEY=LABEL=VALUE, e.g. donations=接收社会捐赠款物=156.86 万元."
        ),
    ] = None,
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write a narrative section with its headline figures.

    Example: jixiao report narrative -d gusu-rc -y 2021 3.1 --file problems.txt
    """
    from workflow.commands import EditNarrative

    if (text is None) == (text_file is None):
        raise fail("text: expected exactly one of --text or --file", 2)
    if text_file is not None:
        from cli.files import read_file

        with reported_errors():
            text = read_file(text_file, "--file", "UTF-8 text")
    figures = []
    for item in figure or ():
        parts = item.split("=", 2)
        if len(parts) != 3 or not all(parts):
            raise fail(f"--figure: got {item!r}, expected KEY=LABEL=VALUE")
        figures.append((parts[0], parts[1], parts[2]))
    command = EditNarrative(
        department=department,
        year=year,
        project_code=project,
        section=section,
        title=title,
        text=text or "",
        figures=tuple(figures),
    )
    run(command, as_json=as_json)


@line_app.command("add")
def line_add(
    department: DepartmentOption,
    year: YearOption,
    line: LineId,
    name: Annotated[str, typer.Argument(help="The line's name, e.g. 红十字人道宣传工作.")],
    parent: Annotated[
        str | None, typer.Option(help="The parent line's id (none: the root).")
    ] = None,
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a budget line under a parent (the first line, without one, is 预算资金总额).

    Example: jixiao report line add -d gusu-rc -y 2021 publicity 红十字人道宣传工作 --parent project
    """
    from workflow.commands import AddBudgetLine

    command = AddBudgetLine(
        department=department, year=year, project_code=project, line=line, name=name, parent=parent
    )
    run(command, as_json=as_json)


@line_app.command("rename")
def line_rename(
    department: DepartmentOption,
    year: YearOption,
    line: LineId,
    name: Annotated[str, typer.Argument(help="The new name, e.g. 志愿队伍建设.")],
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why (optional; kept in the audit trail).")
    ] = None,
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Rename a budget line, the root included; the id stays, so figures and indicators follow.

    Example: jixiao report line rename -d gusu-rc -y 2021 volunteers 志愿队伍建设 --reason 与指标表一致
    """
    from workflow.commands import RenameBudgetLine

    command = RenameBudgetLine(
        department=department, year=year, project_code=project, line=line, name=name, reason=reason
    )
    run(command, as_json=as_json)


@line_app.command("remove")
def line_remove(
    department: DepartmentOption,
    year: YearOption,
    line: LineId,
    reason: Reason,
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Remove a line entered by mistake, with its figures: only a line without child lines
    that no indicator measures (point those elsewhere with `report indicator line`).

    Example: jixiao report line remove -d gusu-rc -y 2021 capacity --reason 重复录入
    """
    from workflow.commands import RemoveBudgetLine

    command = RemoveBudgetLine(
        department=department, year=year, project_code=project, line=line, reason=reason
    )
    run(command, as_json=as_json)


@line_app.command("initial", context_settings=NEGATIVE_VALUES)
def line_initial(
    department: DepartmentOption,
    year: YearOption,
    line: LineId,
    amount: Amount,
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Set a line's 年初预算数.

    Example: jixiao report line initial -d gusu-rc -y 2021 publicity 12.5
    """
    from workflow.commands import SetInitialBudget

    run(
        SetInitialBudget(
            department=department, year=year, project_code=project, line=line, amount=amount
        ),
        as_json=as_json,
    )


@line_app.command("actual", context_settings=NEGATIVE_VALUES)
def line_actual(
    department: DepartmentOption,
    year: YearOption,
    line: LineId,
    amount: Amount,
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Set a line's 实际支出数.

    Example: jixiao report line actual -d gusu-rc -y 2021 publicity 12.5
    """
    from workflow.commands import RecordActualSpending

    command = RecordActualSpending(
        department=department, year=year, project_code=project, line=line, amount=amount
    )
    run(command, as_json=as_json)


@line_app.command("adjust", context_settings=NEGATIVE_VALUES)
def line_adjust(
    department: DepartmentOption,
    year: YearOption,
    line: LineId,
    amount: Amount,
    kind: Annotated[str, typer.Option(help="carry_over, in_year or higher_level.")],
    reason: Reason,
    document: Annotated[str, typer.Option(help="The approving document's reference.")] = "",
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record one adjustment (may be negative): carry-over, in-year, or higher-level money.

    Example: jixiao report line adjust -d gusu-rc -y 2021 homes -4.8 --kind in_year --reason 压缩预算
    """
    from workflow.commands import RecordAdjustment

    command = RecordAdjustment(
        department=department,
        year=year,
        project_code=project,
        line=line,
        amount=amount,
        kind=kind,
        reason=reason,
        document=document,
    )
    run(command, as_json=as_json)


@line_app.command("cancel-adjustment")
def line_cancel_adjustment(
    department: DepartmentOption,
    year: YearOption,
    line: LineId,
    adjustment: Annotated[
        str, typer.Argument(help="The adjustment's id, e.g. adj-3 (see report show).")
    ],
    reason: Reason,
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Cancel a recorded adjustment; it stays in the history, marked cancelled.

    Example: jixiao report line cancel-adjustment -d gusu-rc -y 2021 homes adj-3 --reason 重复录入
    """
    from workflow.commands import CancelAdjustment

    command = CancelAdjustment(
        department=department,
        year=year,
        project_code=project,
        line=line,
        adjustment=adjustment,
        reason=reason,
    )
    run(command, as_json=as_json)


@indicator_app.command("add")
def indicator_add(
    department: DepartmentOption,
    year: YearOption,
    indicator: IndicatorId,
    category: Annotated[str, typer.Option(help="一级指标: 部门管理, 部门履职及效果 …")],
    name: Annotated[str, typer.Option(help="指标名称.")],
    target: Annotated[
        str, typer.Option(help="指标目标值 as typed: 2 场, ≥10 人, 100%及以下, 规范 …")
    ],
    level2: Annotated[
        str | None,
        typer.Option("--level2", help="二级指标 (数量指标, or the 部门整体 form's project name)."),
    ] = None,
    line: Annotated[str | None, typer.Option(help="The budget line it measures.")] = None,
    lower_is_better: Annotated[
        bool, typer.Option(help="A bare target is a ceiling (e.g. 预算调整率 0%).")
    ] = False,
    weight: Annotated[
        str | None, typer.Option(help="Its 分值 (weight), under a scored scheme.")
    ] = None,
    nature: Annotated[
        str | None,
        typer.Option(
            help="指标性质: =, ≥, ≤, >, <, 定性 or 定量 (full-width forms too); --target is "
            "then the 指标值 alone, e.g. 90."
        ),
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option(help="度量单位 of a bare --target: %, 百分比, 万元, 次, 人 …"),
    ] = None,
    core: Annotated[bool, typer.Option("--core", help="是否核心指标: a core indicator.")] = False,
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a performance indicator with its target as typed, whole (≥90%) or in the
    form's cells (--nature ≥ --target 90 --unit %).

    Example: jixiao report indicator add -d gusu-rc -y 2021 d01 --category 部门履职及效果 --name 开展大型活动 --target "2 场"
    """
    from workflow.commands import AddIndicator

    command = AddIndicator(
        department=department,
        year=year,
        project_code=project,
        indicator=indicator,
        category=category,
        name=name,
        target=target,
        project=level2,
        budget_line=line,
        lower_is_better=lower_is_better,
        weight=weight,
        nature=nature,
        unit=unit,
        core=core,
    )
    run(command, as_json=as_json)


@indicator_app.command("adjust-target", context_settings=NEGATIVE_VALUES)
def indicator_adjust_target(
    department: DepartmentOption,
    year: YearOption,
    indicator: IndicatorId,
    target: Annotated[
        str,
        typer.Argument(
            help="调整指标值 as typed; a bare number takes the indicator's 指标性质 and 度量单位."
        ),
    ],
    reason: Reason,
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change an indicator's target during the year (调整指标值); the 年初指标值 is kept.

    Example: jixiao report indicator adjust-target -d gusu-rc -y 2021 d03 2500 --reason 年中追加培训任务
    """
    from workflow.commands import AdjustIndicatorTarget

    command = AdjustIndicatorTarget(
        department=department,
        year=year,
        project_code=project,
        indicator=indicator,
        target=target,
        reason=reason,
    )
    run(command, as_json=as_json)


Score = Annotated[str, typer.Argument(help='得分 as typed, e.g. 9 or 9.5分; "" clears it.')]


@indicator_app.command("score")
def indicator_score(
    department: DepartmentOption,
    year: YearOption,
    indicator: IndicatorId,
    score: Score,
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Type an indicator's 得分 as the form has it; jixiao shows the rule's figure beside it
    and refuses one above its 分值 or outside the band the scheme allows.

    Example: jixiao report indicator score -d gusu-rc -y 2021 d01 9
    """
    from workflow.commands import SetIndicatorScore

    command = SetIndicatorScore(
        department=department, year=year, project_code=project, indicator=indicator, score=score
    )
    run(command, as_json=as_json)


@app.command("execution-score")
def execution_score(
    department: DepartmentOption,
    year: YearOption,
    score: Score,
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Type the 得分 of budget execution (预算执行率) as the form has it; jixiao computes
    执行率 × 分值 beside it.

    Example: jixiao report execution-score -d gusu-rc -y 2021 10
    """
    from workflow.commands import SetExecutionScore

    command = SetExecutionScore(department=department, year=year, project_code=project, score=score)
    run(command, as_json=as_json)


@indicator_app.command("actual", context_settings=NEGATIVE_VALUES)
def indicator_actual(
    department: DepartmentOption,
    year: YearOption,
    indicator: IndicatorId,
    actual: Annotated[str, typer.Argument(help="指标完成值 as typed: 3 场, 100%, 规范 …")],
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason",
            help="偏差原因分析 (…… for none). Left out, the reason on record is kept; "
            '--reason "" clears it.',
        ),
    ] = None,
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record an indicator's 指标完成值 and 偏差原因分析.

    Example: jixiao report indicator actual -d gusu-rc -y 2021 d01 "3 场" --reason 实际工作需要
    """
    from workflow.commands import RecordIndicatorActual

    command = RecordIndicatorActual(
        department=department,
        year=year,
        project_code=project,
        indicator=indicator,
        actual=actual,
        deviation_reason=reason,
    )
    run(command, as_json=as_json)


@indicator_app.command("line")
def indicator_line(
    department: DepartmentOption,
    year: YearOption,
    indicator: IndicatorId,
    line: Annotated[
        str | None, typer.Argument(help="The budget line it measures from now on, e.g. homes.")
    ] = None,
    detach: Annotated[
        bool, typer.Option("--detach", help="Measure no budget line (instead of LINE).")
    ] = False,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why (optional; kept in the audit trail).")
    ] = None,
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Point an indicator at another budget line, or at none with --detach; the indicator
    keeps its target, actual and history (a line it measures cannot be removed).

    Example: jixiao report indicator line -d gusu-rc -y 2021 d11 volunteers --reason 项目合并
    """
    from workflow.commands import SetIndicatorLine

    if line is not None and detach:
        raise fail(f"line: got {line!r} and --detach, expected one of them", 2)
    if line is None and not detach:
        raise fail("line: missing, expected a LINE id or --detach", 2)
    command = SetIndicatorLine(
        department=department,
        year=year,
        project_code=project,
        indicator=indicator,
        line=line,
        reason=reason,
    )
    run(command, as_json=as_json)


@indicator_app.command("remove")
def indicator_remove(
    department: DepartmentOption,
    year: YearOption,
    indicator: IndicatorId,
    reason: Reason,
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Remove an indicator entered by mistake.

    Example: jixiao report indicator remove -d gusu-rc -y 2021 d09 --reason 重复录入
    """
    from workflow.commands import RemoveIndicator

    command = RemoveIndicator(
        department=department, year=year, project_code=project, indicator=indicator, reason=reason
    )
    run(command, as_json=as_json)
