"""Options shared by many commands, read from the command line or the environment."""

from __future__ import annotations

from typing import Annotated, Any

import typer

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="JIXIAO_DB",
        help="Database URL: sqlite:///PATH (default sqlite:///jixiao.db) or "
        "postgresql://USER@HOST/DB.",
        show_default=False,
    ),
]
UserOption = Annotated[
    str | None,
    typer.Option("--user", "-u", envvar="JIXIAO_USER", help="Your user id.", show_default=False),
]
TokenOption = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar="JIXIAO_TOKEN",
        help="Your secret token (prefer the JIXIAO_TOKEN variable: options show in `ps`).",
        show_default=False,
    ),
]
ServerOption = Annotated[
    str | None,
    typer.Option(
        "--server",
        envvar="JIXIAO_SERVER",
        help="A jixiao server's URL, e.g. https://jixiao.example.gov.cn: every report, review "
        "and audit command goes to it (with --user and --token), never to a database.",
        show_default=False,
    ),
]
BrokerOption = Annotated[
    str | None,
    typer.Option(
        "--broker",
        envvar="JIXIAO_BROKER",
        help="Celery broker URL, e.g. redis://127.0.0.1:6379/0 (default: the embedded one).",
        show_default=False,
    ),
]


def _department(help_text: str) -> Any:
    return typer.Option(
        "--department", "-d", envvar="JIXIAO_DEPARTMENT", help=help_text, show_default=False
    )


def _year() -> Any:
    return typer.Option(
        "--year",
        "-y",
        envvar="JIXIAO_YEAR",
        help="Fiscal year, e.g. 2021.",
        min=2000,
        max=2100,
        show_default=False,
    )


DepartmentOption = Annotated[str, _department("Department code, e.g. gusu-rc.")]
YearOption = Annotated[int, _year()]
#: For commands where one report is optional (a filter): -d with -y, or neither.
OptionalDepartmentOption = Annotated[
    str | None, _department("One department's report (with --year), e.g. gusu-rc.")
]
OptionalYearOption = Annotated[int | None, _year()]
RevisionOption = Annotated[
    int | None,
    typer.Option(
        "--revision",
        help="The revision you reviewed; refused if the report has moved to another.",
        show_default=False,
        min=1,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
ProjectOption = Annotated[
    str | None,
    typer.Option(
        "--project",
        "-p",
        envvar="JIXIAO_PROJECT",
        help="A 项目支出 report's project code, e.g. homes (none: the 部门整体 report).",
        show_default=False,
    ),
]
