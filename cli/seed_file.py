"""The bundled seed report (姑苏区红十字会 2021): a report file shipped with the package.

The file is the one source of the seed: the demo imports it, and the tests and benches read
their seed commands from it through the report-file reader, as any import would.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workflow.commands import ReportCommand
    from workflow.report_file import ReportDocument

#: The seed report in the jixiao-report format, shipped with the package.
SEED_FILE = Path(str(resources.files("cli") / "data" / "gusu-redcross-2021.yaml"))

#: The seed's fiscal year is opened under this scheme, with this submission deadline (a
#: report file holds the report, not the year's settings).
SCHEME = "default"
DEADLINE = date(2022, 6, 30)


@cache
def seed_document() -> ReportDocument:
    """The bundled seed report, read and checked like any report file."""
    from cli.files import read_document
    from workflow.report_file import parse_document

    return parse_document(read_document(SEED_FILE), source=SEED_FILE.name)


def seed_commands(department: str | None = None, year: int | None = None) -> list[ReportCommand]:
    """The preparer's commands that enter the whole seed report, from OpenReport to the last
    indicator actual (not the submission), for ``department`` and ``year`` (the file's own
    when not given)."""
    from workflow.report_file import document_commands

    document = seed_document()
    changes = {"department": department, "year": year}
    document = document.model_copy(update={k: v for k, v in changes.items() if v is not None})
    return [command for _, command in document_commands(document)]


#: A 项目支出 report of the seed department, in the same format: the project 博爱家园建设.
PROJECT_FILE = Path(str(resources.files("cli") / "data" / "gusu-redcross-2021-homes.yaml"))


@cache
def project_document() -> ReportDocument:
    """The bundled 项目支出 report, read and checked like any report file."""
    from cli.files import read_document
    from workflow.report_file import parse_document

    return parse_document(read_document(PROJECT_FILE), source=PROJECT_FILE.name)


def project_commands() -> list[ReportCommand]:
    """The preparer's commands that enter the bundled 项目支出 report (not its submission)."""
    from workflow.report_file import document_commands

    return [command for _, command in document_commands(project_document())]
