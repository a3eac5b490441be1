"""`jixiao review`: submit, approve, return, grade, sign off, publish, reopen; the inbox."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.context import run
from cli.options import DepartmentOption, JsonOption, ProjectOption, RevisionOption, YearOption

app = typer.Typer(
    help="The review flow: submit, approve, return, sign off, reopen.", no_args_is_help=True
)

Comment = Annotated[str, typer.Option("--comment", "-m", help="Your comment.")]


@app.command()
def submit(
    department: DepartmentOption,
    year: YearOption,
    revision: RevisionOption = None,
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Submit the draft for review; failing checks are all listed and nothing is recorded.

    Figures of the narrative that nearly agree with an indicator's actual are printed as
    notices after the submission: reviewers see them too, and they block nothing.

    Example: jixiao review submit -d gusu-rc -y 2021
    """
    from workflow.commands import SubmitReport

    run(
        SubmitReport(department=department, year=year, project_code=project, revision=revision),
        as_json=as_json,
    )


@app.command()
def approve(
    department: DepartmentOption,
    year: YearOption,
    comment: Comment = "",
    revision: RevisionOption = None,
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Approve at your level: the department head first, then finance.

    Example: jixiao review approve -d gusu-rc -y 2021 -m 同意
    """
    from workflow.commands import ApproveReport

    command = ApproveReport(
        department=department, year=year, project_code=project, revision=revision, comment=comment
    )
    run(command, as_json=as_json)


@app.command("return")
def return_report(
    department: DepartmentOption,
    year: YearOption,
    comment: Annotated[str, typer.Option("--comment", "-m", help="What to change, and why.")],
    item: Annotated[
        list[str] | None,
        typer.Option(help="Pin the comment to line:ID, indicator:ID or section:ID; repeat it."),
    ] = None,
    revision: RevisionOption = None,
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Return the report to the preparer (退回修改) with a comment.

    Example: jixiao review return -d gusu-rc -y 2021 -m "请补充偏差原因" --item indicator:d04
    """
    from workflow.commands import ReturnReport

    command = ReturnReport(
        department=department,
        year=year,
        project_code=project,
        revision=revision,
        comment=comment,
        items=tuple(item or ()),
    )
    run(command, as_json=as_json)


@app.command()
def grade(
    department: DepartmentOption,
    year: YearOption,
    indicator: Annotated[str, typer.Argument(help="The qualitative indicator's id.")],
    band: Annotated[str, typer.Argument(help="One of the scheme's bands, e.g. 优.")],
    revision: RevisionOption = None,
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Grade a qualitative indicator into one of the scheme's bands (scored schemes).

    Example: jixiao review grade -d gusu-rc -y 2021 a01 优
    """
    from workflow.commands import GradeIndicator

    command = GradeIndicator(
        department=department,
        year=year,
        project_code=project,
        revision=revision,
        indicator=indicator,
        band=band,
    )
    run(command, as_json=as_json)


@app.command("sign-off")
def sign_off(
    department: DepartmentOption,
    year: YearOption,
    revision: RevisionOption = None,
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Sign off the finance-approved revision (会签); the last signature queues the rendering.

    Example: jixiao review sign-off -d gusu-rc -y 2021
    """
    from workflow.commands import SignOffReport

    run(
        SignOffReport(department=department, year=year, project_code=project, revision=revision),
        as_json=as_json,
    )


@app.command()
def publish(
    department: DepartmentOption,
    year: YearOption,
    channel: Annotated[str, typer.Option(help="Where it was published (信息公开).")] = "",
    revision: RevisionOption = None,
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record that the rendered report was published.

    Example: jixiao review publish -d gusu-rc -y 2021 --channel 区政府信息公开网
    """
    from workflow.commands import PublishReport

    command = PublishReport(
        department=department, year=year, project_code=project, revision=revision, channel=channel
    )
    run(command, as_json=as_json)


@app.command()
def reopen(
    department: DepartmentOption,
    year: YearOption,
    reason: Annotated[str, typer.Option(help="Why the signed-off report must change.")],
    revision: RevisionOption = None,
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Reopen a signed-off report (finance): revision N+1 starts, revision N stays intact.

    Example: jixiao review reopen -d gusu-rc -y 2021 --reason "审计发现项目支出分类错误"
    """
    from workflow.commands import ReopenReport

    command = ReopenReport(
        department=department, year=year, project_code=project, revision=revision, reason=reason
    )
    run(command, as_json=as_json)


@app.command()
def inbox(as_json: JsonOption = False) -> None:
    """List the reports waiting for you: what to do, since when, and the deadline.

    Example: JIXIAO_USER=li.si jixiao review inbox
    """
    from cli.backend import backend
    from cli.context import credentials
    from cli.output import print_json, print_table

    caller = credentials()
    items = backend().inbox()
    if as_json:
        print_json(items)
        return
    if not items:
        typer.echo(f"nothing waits for {caller.user_id}")
        return
    reminded = any(i.get("reminder") for i in items)
    print_table(
        f"waiting for {caller.user_id}",
        [
            "report",
            "department",
            "revision",
            "action",
            "as",
            "waiting since",
            "days",
            "deadline",
            *(["reminder"] if reminded else []),
            "note",
        ],
        [
            [
                i["report"],
                i["department_name"],
                i["revision"],
                i["action"],
                i["role"],
                f"{i['waiting_since']:%Y-%m-%d %H:%M}",
                i["waited"].days,
                f"{i['deadline']}{' (overdue)' if i['overdue'] else ''}",
                *([i.get("reminder") or ""] if reminded else []),
                i["note"],
            ]
            for i in items
        ],
    )


def review_comments(view: dict) -> list[dict]:
    """Every return and reopen of the report, oldest first, each with its pinned items and
    whether it is still open: the last return of the current revision while the draft has
    not been submitted again, or the reopen that started the current draft (until it is
    submitted). Built from the report's view, so it reads the same through a server."""
    current, draft = view["revision"], view["stage"] == "draft"
    returns, reopenings = view.get("returns", []), view.get("reopenings", [])
    returned_now = [n for n in returns if n["revision"] == current]
    comments = []
    for revision in sorted({n["revision"] for n in (*returns, *reopenings)}):
        for reopening in (r for r in reopenings if r["revision"] == revision):
            comments.append(
                {
                    "revision": revision,
                    "kind": "reopen",
                    "by": reopening["by"],
                    "role": "finance_reviewer",
                    "from_stage": None,
                    "comment": reopening["reason"],
                    "items": [],
                    "open": draft and revision == current and not returned_now,
                }
            )
        for note in (n for n in returns if n["revision"] == revision):
            comments.append(
                {
                    "revision": revision,
                    "kind": "return",
                    "by": note["by"],
                    "role": note["role"],
                    "from_stage": note["from_stage"],
                    "comment": note["comment"],
                    "items": [f"{i['kind']}:{i['id']}" for i in note["items"]],
                    "open": draft and bool(returned_now) and note is returned_now[-1],
                }
            )
    return comments


def comment_line(comment: dict) -> str:
    """A comment in one line: who, what, and the items it is pinned to."""
    from workflow.labels import ROLE_LABELS

    role = ROLE_LABELS.get(comment["role"], comment["role"])
    verb = "退回" if comment["kind"] == "return" else "重新打开"
    pinned = f" [{', '.join(comment['items'])}]" if comment["items"] else ""
    return (
        f"第 {comment['revision']} 版 {role} {comment['by']} {verb}：{comment['comment']}{pinned}"
    )


@app.command()
def comments(
    department: DepartmentOption,
    year: YearOption,
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """List every return and reopen of a report, with the items each comment is pinned to,
    open or resolved (a return is resolved once the draft is submitted again).

    Example: jixiao review comments -d gusu-rc -y 2021
    """
    from cli.backend import backend
    from cli.output import print_json, print_table
    from workflow.streams import report_label

    found = review_comments(backend().view(department, year, None, project))
    which = report_label(department, year, project)
    if as_json:
        print_json(found)
        return
    if not found:
        typer.echo(f"no returns or reopens on {which}")
        return
    print_table(
        f"{which}: returns and reopens",
        ["revision", "kind", "by", "as", "comment", "items", "status"],
        [
            [
                c["revision"],
                c["kind"],
                c["by"],
                c["role"],
                c["comment"],
                "\n".join(c["items"]),
                "open" if c["open"] else "resolved",
            ]
            for c in found
        ],
    )
