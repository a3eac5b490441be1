"""Reading a 自评价表 spreadsheet into a report document, by one of the layouts of
imports/sheet_layouts.py (data files: docs/layouts.md).

The sheet has a title block (the year in 「（2021年度）」, the department after the layout's
words such as 「预算部门名称：」, a code before the name allowed), a budget part and an
indicator part. The layout is the one given (``--layout``), else the one whose header words
the sheet has, chosen by how many header cells each places; two alike are a refusal.
Every cell goes through the text rules, and every non-empty cell of the two parts is placed
or named (imports/sheet_region.py). Printed figures the form computes are compared, never
recorded: their disagreements are listed beside the reading.
"""

from __future__ import annotations

import io
import re
from typing import Any

from imports import sheet_budget, sheet_indicators
from imports.sheet_budget import IMPORTED_REASON
from imports.sheet_cells import Sheet, SheetReading
from imports.sheet_headers import Header
from imports.sheet_layouts import Layout, all_layouts, layout_named
from imports.sheet_project import read_project
from imports.sheet_region import check_placed, check_text
from workflow.administration import split_code

__all__ = ["IMPORTED_REASON", "MAX_WORKBOOK_BYTES", "SheetReading", "read_sheet"]

#: The largest 自评价表 workbook (.xlsx, as stored: compressed).
MAX_WORKBOOK_BYTES = 16 * 1024 * 1024

_YEAR = re.compile(r"（\s*(\d{4})\s*年度\s*）")
_PROJECT_LABEL = re.compile(r"^项目名称\s*([：:]|$)")


def load_book(data: bytes, source: str) -> Any:
    """The workbook ``data`` (the file ``source``) loaded, once its archive keeps the limits
    of imports/sheet_bounds.py; ValueError in one line naming the file otherwise."""
    from openpyxl import load_workbook

    from imports.sheet_bounds import check_workbook

    if len(data) > MAX_WORKBOOK_BYTES:
        raise ValueError(
            f"{source}: {len(data):,} bytes, expected a 自评价表 (.xlsx) of at most "
            f"{MAX_WORKBOOK_BYTES:,} bytes"
        )
    # Sizes and cell counts are checked on the archive before openpyxl builds any cell.
    check_workbook(data, source)
    try:
        return load_workbook(io.BytesIO(data), data_only=True)
    except Exception as error:
        # A damaged workbook fails anywhere in zip, XML or openpyxl, each with its own type.
        reason = str(error) or type(error).__name__
        raise ValueError(
            f"{source}: cannot be read as a workbook ({reason}), expected an .xlsx file saved by "
            "Excel, WPS or LibreOffice"
        ) from None


def read_sheet(
    data: bytes,
    source: str,
    department: str,
    year: int,
    layout: str | None = None,
    project: str | None = None,
) -> SheetReading:
    """Read the first sheet of the workbook ``data`` (the file ``source``, as messages name
    it) as the 自评价表 of ``department``'s report for ``year``, in the layout named
    ``layout`` or the one the sheet's headers match; with ``project``, as the 项目支出
    report of that project code, its 项目名称, 年度总体目标, 评价结论 … read as well.

    The workbook must keep the limits of imports/sheet_bounds.py (checked before it is
    loaded). A sheet no layout reads, or two read alike, raises ValueError with one line
    naming the sheet; problems with cells are listed in the reading, each naming its cell.
    """
    workbook = load_book(data, source)
    if project is not None:
        _one_project_sheet(workbook, source)
    return read_worksheet(workbook.worksheets[0], source, department, year, layout, project)


def read_worksheet(
    worksheet: Any,
    source: str,
    department: str,
    year: int,
    layout: str | None = None,
    project: str | None = None,
) -> SheetReading:
    """Read one sheet of a loaded workbook, as :func:`read_sheet` reads its first."""
    candidates = [layout_named(layout)] if layout else list(all_layouts().values())
    sheet = Sheet(worksheet)
    chosen, budget, indicators = _choose(sheet, candidates, source, forced=layout is not None)
    reading = SheetReading({"department": department, "year": year}, layout=chosen.name)
    check_text(sheet, chosen, reading)
    _title_block(sheet, chosen, budget.row, year, reading)
    budget_end = sheet_budget.read_budget(sheet, chosen, budget, indicators.row, reading)
    indicator_end = sheet_indicators.read_indicators(sheet, chosen, indicators, reading)
    closing = indicator_end <= sheet.max_row and (indicator_end, min(indicators.columns.values()))
    if closing and closing in reading.placed:
        indicator_end += 1  # the 合计 / 总分 row is part of the table
    if project is not None:
        outside = [
            range(1, budget.row),
            range(budget_end, indicators.row),
            range(indicator_end, sheet.max_row + 1),
        ]
        read_project(sheet, outside, project, reading)
    check_placed(sheet, chosen, [(budget, budget_end), (indicators, indicator_end)], reading)
    return reading


def filled_sheets(workbook: Any) -> list[Any]:
    """The sheets of ``workbook`` with any cell filled in, in order."""
    return [
        sheet
        for sheet in workbook.worksheets
        if any(cell.value not in (None, "") for row in sheet.iter_rows() for cell in row)
    ]


def names_a_project(worksheet: Any) -> bool:
    """Whether a sheet is a project's form: a cell labelled 项目名称 (alone, or before its
    value: ``项目名称：某项目``)."""
    return any(
        isinstance(cell.value, str) and _PROJECT_LABEL.match(cell.value.strip())
        for row in worksheet.iter_rows()
        for cell in row
    )


def _one_project_sheet(workbook: Any, source: str) -> None:
    """With one project named, a workbook is that project's form: other sheets with cells
    filled in would otherwise be left unread without a word."""
    filled = [sheet.title for sheet in filled_sheets(workbook)]
    if len(filled) > 1:
        raise ValueError(
            f"{source}: {len(filled)} sheets filled in ({', '.join(filled)}), expected one "
            "项目支出绩效自评表 (a workbook of several reports is imported as one change with "
            "`jixiao report import BOOK.xlsx -d DEPT -y YEAR -p CODE …`)"
        )


def _placed(header: Header) -> int:
    """How many header cells a part's header places: how well the sheet fits the layout."""
    return len(header.cells) - len(header.unknown)


def _match(sheet: Sheet, layout: Layout) -> tuple[Header, Header] | tuple[str, int]:
    """The two parts' headers in ``layout``, or what the sheet lacks for it and how many
    budget header cells it placed."""
    budget = sheet_budget.find_budget(sheet, layout)
    if budget is None:
        words = layout.budget.columns
        return (
            f"a budget header row with {words['initial'][0]} and {words['actual'][0]}"
            f"{' and ' + words['full_year'][0] if 'full_year' in words else ''}"
            f"{' and ' + words['adjustments'][0] if 'adjustments' in words else ''}",
            0,
        )
    indicators = sheet_indicators.find_indicators(sheet, layout, after=budget.row)
    if indicators is None:
        words = layout.indicators.columns
        needed = [words[role][0] for role in ("category", "name", "target") if role in words]
        return (
            f"an indicator header row below the budget (row {budget.row}) with {', '.join(needed)}",
            _placed(budget),
        )
    return budget, indicators


def _choose(
    sheet: Sheet, candidates: list[Layout], source: str, *, forced: bool
) -> tuple[Layout, Header, Header]:
    """The layout the sheet is read by: the one given, or the best match of all."""
    matches = []
    missing = ""
    partial = (0, "")
    for layout in candidates:
        found = _match(sheet, layout)
        if isinstance(found[0], str):
            missing, fit = found
            if fit > partial[0]:
                words = missing.rpartition(" with ")[2]
                partial = (
                    fit,
                    f"has the budget part of layout {layout.name} but no indicator part below "
                    f"it, expected an indicator header row with {words}",
                )
            continue
        budget, indicators = found
        matches.append((_placed(budget) + _placed(indicators), layout, budget, indicators))
    if not matches:
        if forced:
            raise ValueError(
                f"{source}: sheet {sheet.title!r} is not in layout {candidates[0].name}, "
                f"expected {missing} (jixiao admin layout show {candidates[0].name})"
            )
        names = ", ".join(layout.name for layout in candidates)
        if partial[1]:
            raise ValueError(f"{source}: sheet {sheet.title!r} {partial[1]}")
        raise ValueError(
            f"{source}: sheet {sheet.title!r} has no layout jixiao reads, expected the header "
            f"words of one of {names} (jixiao admin layout show NAME)"
        )
    matches.sort(key=lambda match: -match[0])
    if len(matches) > 1 and matches[0][0] == matches[1][0]:
        alike = " and ".join(match[1].name for match in matches if match[0] == matches[0][0])
        raise ValueError(
            f"{source}: sheet {sheet.title!r} matches layouts {alike} alike, expected "
            "--layout NAME to say which"
        )
    _, layout, budget, indicators = matches[0]
    return layout, budget, indicators


def _title_block(
    sheet: Sheet, layout: Layout, header_row: int, year: int, reading: SheetReading
) -> None:
    """Check the year and take the department's name from the rows above the budget part."""
    label = re.compile(rf"^(?:{'|'.join(map(re.escape, layout.department))})\s*[：:]\s*(\S.*)$")
    for row in range(1, header_row):
        for column in range(1, sheet.max_column + 1):
            if not sheet.starts_here(row, column):
                continue
            text = sheet.text(row, column)
            if (found := _YEAR.search(text)) and int(found[1]) != year:
                reading.problem_at(
                    (row, column),
                    f"{sheet.ref(row, column)} 年度: got {found[1]!r}, expected {year} "
                    "(the --year given)",
                )
            if found := label.search(text):
                named = found[1].strip()
                # 219001-某某镇人民政府: the code is the finance system's, the name the report's;
                # the report's opening checks it names the registered department.
                reading.document["department_name"] = split_code(named)[1]
                reading.department_cell = (sheet.ref(row, column), named)
                reading.cells["report"] = f"{sheet.ref(row, column)} 预算部门"
