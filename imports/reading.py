"""Importing a whole report from a file, for every face: read the file into the commands that
enter it (:func:`read_import`), then check them under every rule or record them as one
change (:func:`record_import`). ``jixiao report import`` and the server's upload page both
go through here, so a file gets the same problems, in the same words, in both."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from events.model import RecordedEvent
from events.protocol import EventStoreProtocol
from workflow.administration import DepartmentState, department_stream_id
from workflow.commands import OpenReport, ReportCommand
from workflow.errors import DocumentRejected
from workflow.report_file import ReportDocument, document_commands, parse_document
from workflow.roles import Actor
from workflow.service import execute_all_as, load_admin
from workflow.streams import report_label

if TYPE_CHECKING:
    from imports.sheet_cells import SheetReading

#: The largest report file (YAML, JSON) read; a report at the scheme's limits takes a few
#: megabytes.
MAX_REPORT_FILE_BYTES = 16 * 1024 * 1024

#: What an import reads, for messages.
EXPECTED_FILE = "a report file (.yaml, .yml, .json) or a 自评价表 (.xlsx)"


def is_workbook(source: str) -> bool:
    """Whether a file name is a 自评价表 workbook (by its extension, as the CLI decides)."""
    return source.lower().endswith(".xlsx")


@dataclass(frozen=True)
class ImportFile:
    """A file read for import: its document, the commands that enter it, each paired with
    its place in the file (a cell for a workbook), and the problems of cells found before
    any rule is applied (a workbook's)."""

    source: str
    document: ReportDocument
    located: list[tuple[str, ReportCommand]]
    problems: list[str] = field(default_factory=list)
    #: A workbook's printed figures that disagree with jixiao's own: listed, never
    #: recorded, never a refusal (the typed figures are what is recorded).
    disagreements: list[str] = field(default_factory=list)
    #: The layout a workbook was read by ('' for a report file).
    layout: str = ""

    @property
    def report(self) -> str:
        """``department/year`` of the report the file enters (``/project`` for a 项目支出
        report's)."""
        project = self.document.project
        return report_label(
            self.document.department, self.document.year, project.code if project else None
        )

    def by_command(self) -> dict[str, int]:
        """How many of each command the file would record, in the order first met."""
        return dict(Counter(type(command).__name__ for _, command in self.located))


def read_import(
    data: bytes,
    source: str,
    *,
    department: str | None = None,
    year: int | None = None,
    layout: str | None = None,
    project: str | None = None,
) -> ImportFile:
    """Read the bytes of the file named ``source``: a 自评价表 (``.xlsx``, which names no
    department code: ``department`` and ``year`` say whose report it is, and ``project``
    the project code of a 项目支出 report; ``layout`` names the layout to read it by, else
    the sheet's headers choose) or a report file.

    Raises ValueError (one line naming the file) when the file cannot be read at all, and
    DocumentRejected listing every problem when its document does not hold together.
    """
    if is_workbook(source):
        from imports.spreadsheet import read_sheet

        if department is None or year is None:
            raise ValueError(
                f"{source}: a spreadsheet names no department code, expected the "
                "department and year of the report it is for"
            )
        return _sheet_import(read_sheet(data, source, department, year, layout, project), source)
    if layout is not None:
        raise ValueError(
            f"--layout: got {layout!r} for {source}, expected it only with a 自评价表 (.xlsx)"
        )
    if project is not None:
        raise ValueError(
            f"--project: got {project!r} for {source}, expected it only with a 自评价表 "
            "(.xlsx): a report file names its project itself (project.code)"
        )
    from imports.documents import parse_report_file

    if len(data) > MAX_REPORT_FILE_BYTES:
        raise ValueError(
            f"{source}: {len(data):,} bytes, expected {EXPECTED_FILE} of at most "
            f"{MAX_REPORT_FILE_BYTES:,} bytes"
        )
    document = parse_document(parse_report_file(data, source), source=source)
    return ImportFile(source, document, document_commands(document))


def _sheet_import(reading: SheetReading, source: str) -> ImportFile:
    """The import of one sheet's reading: its document, the commands by cell, its problems."""
    document = parse_document(reading.document, source=source)
    located = [(reading.place(where), c) for where, c in document_commands(document)]
    if reading.department_cell is not None:
        # The department the sheet names must be the one the report is for.
        located = [
            (where, replace(c, named=reading.department_cell[1]))
            if isinstance(c, OpenReport)
            else (where, c)
            for where, c in located
        ]
    return ImportFile(
        source,
        document,
        located,
        list(reading.problems),
        list(reading.disagreements),
        reading.layout,
    )


def read_workbook(
    data: bytes,
    source: str,
    *,
    department: str,
    year: int,
    projects: Sequence[str],
    layout: str | None = None,
) -> list[ImportFile]:
    """Read a workbook of several sheets filled in: each sheet naming a 项目名称 is the
    项目支出 report of the next code of ``projects``, in sheet order, and at most one other
    sheet is the department's 部门整体 report (first in the list, if any). ValueError in one
    line when the sheets and the codes do not pair up."""
    from imports.spreadsheet import filled_sheets, load_book, names_a_project, read_worksheet

    sheets = filled_sheets(load_book(data, source))
    named = [sheet for sheet in sheets if names_a_project(sheet)]
    overall = [sheet for sheet in sheets if not names_a_project(sheet)]
    if len(named) != len(projects):
        titles = ", ".join(sheet.title for sheet in named) or "none"
        raise ValueError(
            f"{source}: {len(named)} project sheets ({titles}), expected as many -p CODE as "
            f"project sheets, in their order (got {len(projects)}: {', '.join(projects)})"
        )
    if len(overall) > 1:
        titles = ", ".join(sheet.title for sheet in overall)
        raise ValueError(
            f"{source}: {len(overall)} sheets without 项目名称 ({titles}), expected at most one: "
            "the department's 部门整体 report"
        )
    readings = [read_worksheet(sheet, source, department, year, layout) for sheet in overall]
    readings += [
        read_worksheet(sheet, source, department, year, layout, code)
        for sheet, code in zip(named, projects, strict=True)
    ]
    return [_sheet_import(reading, source) for reading in readings]


def record_import(
    store: EventStoreProtocol,
    actor: Actor,
    found: ImportFile,
    *,
    check: bool = False,
    department_field: str = "department",
    progress: Callable[[int], None] | None = None,
) -> list[RecordedEvent]:
    """Decide every command of ``found`` as ``actor``: all recorded as one change, or none.

    With ``check`` every rule is applied the same way and nothing is recorded (the CLI's
    ``--check``, the upload page's preview). Raises DocumentRejected listing every problem,
    the workbook's cells' first; for a department nobody registered, only that, naming
    ``department_field``.
    """
    try:
        events = execute_all_as(
            store,
            actor,
            found.located,
            source=found.source,
            dry_run=check or bool(found.problems),
            progress=progress,
        )
    except DocumentRejected as rejected:
        code = found.document.department
        state, _ = load_admin(store, department_stream_id(code))
        if not (isinstance(state, DepartmentState) and state.registered):
            raise DocumentRejected(
                found.source,
                [
                    f"{department_field}: got {code!r}, expected a registered department code "
                    "(jixiao admin department add)"
                ],
            ) from None
        raise DocumentRejected(found.source, [*found.problems, *rejected.problems]) from None
    if found.problems:
        raise DocumentRejected(found.source, found.problems)
    return events
