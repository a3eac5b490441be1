"""Reading a 自评价表 spreadsheet into a report document, whichever region's layout it has.

The sheet has a title block (the year in 「（2021年度）」, the department after
「预算部门名称：」), a budget part and an indicator part. Each part's layout is recognised
from its header cells, never from an option: the budget part in imports/sheet_budget.py (the
seed's adjustment columns, or 年初 / 全年预算 / 全年执行数), the indicator part in
imports/sheet_indicators.py (the seed's 分解目标, or a flat 一级 / 二级 / 三级指标 list). Cell
access shared by both lives in imports/sheet_cells.py. Merged cells are read as their top-left
value. Computed columns (合计, 执行率, 得分) are never imported.
"""

from __future__ import annotations

import io
import re

from imports import sheet_budget, sheet_indicators
from imports.sheet_budget import IMPORTED_REASON
from imports.sheet_cells import Sheet, SheetReading

__all__ = ["IMPORTED_REASON", "MAX_WORKBOOK_BYTES", "SheetReading", "read_sheet"]

#: The largest 自评价表 workbook (.xlsx, as stored: compressed).
MAX_WORKBOOK_BYTES = 16 * 1024 * 1024

_YEAR = re.compile(r"（\s*(\d{4})\s*年度\s*）")
_DEPARTMENT = re.compile(r"预算部门名称[：:]\s*(\S.*)$")


def read_sheet(data: bytes, source: str, department: str, year: int) -> SheetReading:
    """Read the first sheet of the workbook ``data`` (the file ``source``, as messages name
    it) as the 自评价表 of ``department``'s report for ``year``.

    The workbook must keep the limits of imports/sheet_bounds.py (checked before it is
    loaded). A sheet whose budget or indicator part has no header row of a known layout
    raises ValueError with one line naming the sheet and the headers expected; problems
    with cells are listed in the reading, each naming its cell.
    """
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
        workbook = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as error:
        # A damaged workbook fails anywhere in zip, XML or openpyxl, each with its own type.
        reason = str(error) or type(error).__name__
        raise ValueError(
            f"{source}: cannot be read as a workbook ({reason}), expected an .xlsx file saved by "
            "Excel, WPS or LibreOffice"
        ) from None
    sheet = Sheet(workbook.worksheets[0])
    budget = sheet_budget.find_budget(sheet)
    if budget is None:
        raise ValueError(
            f"{source}: sheet {sheet.title!r} has no layout jixiao reads, expected "
            f"{sheet_budget.EXPECTED}"
        )
    found = sheet_indicators.find_indicators(sheet, after=budget.row)
    if found is None:
        raise ValueError(
            f"{source}: sheet {sheet.title!r} has no indicator part below the budget (row "
            f"{budget.row}), expected {sheet_indicators.EXPECTED}"
        )
    indicators, flat = found
    reading = SheetReading({"department": department, "year": year})
    _title_block(sheet, budget.row, year, reading)
    sheet_budget.read_budget(sheet, budget, indicators.row, reading)
    sheet_indicators.read_indicators(sheet, indicators, flat, reading)
    return reading


def _title_block(sheet: Sheet, header_row: int, year: int, reading: SheetReading) -> None:
    """Check the year and take the department's name from the rows above the budget part."""
    for row in range(1, header_row):
        for column in range(1, sheet.max_column + 1):
            if not sheet.starts_here(row, column):
                continue
            text = sheet.text(row, column)
            if (found := _YEAR.search(text)) and int(found[1]) != year:
                reading.problems.append(
                    f"{sheet.ref(row, column)} 年度: got {found[1]!r}, expected {year} "
                    "(the --year given)"
                )
            if found := _DEPARTMENT.search(text):
                reading.document["department_name"] = found[1]
