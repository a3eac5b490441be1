"""The 自评价表 as an XLSX workbook (openpyxl), laid out like the printed form.

One sheet, seven columns: the budget part (本年度预算资金 and its six figures), then the
indicator part under 分解目标 with category and project cells merged over their rows,
then 备注. Finance offices exchange these spreadsheets, so figures are numbers, not text.

openpyxl stamps the save time into docProps/core.xml and every zip entry; both are set
to the sign-off time instead, so the same events give byte-identical files.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from worker.evaluation_table import BUDGET_HEADERS, INDICATOR_HEADERS, EvaluationTable

SHEET_TITLE = "自评价表"
COLUMNS = 7
_WIDTHS = (26, 12, 16, 12, 12, 12, 12)

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_BOLD = Font(bold=True)


class _FixedTimeZip(zipfile.ZipFile):
    """A zip writer that stamps every entry with one time and fixed attributes."""

    def __init__(self, file: io.BytesIO, moment: datetime) -> None:
        super().__init__(file, "w", zipfile.ZIP_DEFLATED)
        self._date_time = moment.timetuple()[:6]

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self._date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 3
        info.external_attr = 0o644 << 16
        return info

    def writestr(self, zinfo_or_arcname, data, *args, **kwargs) -> None:
        """Write ``data`` under a name, with the fixed time."""
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = self._info(zinfo_or_arcname)
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename, arcname=None, *args, **kwargs) -> None:
        """Add a file openpyxl wrote to disk (a worksheet), with the fixed time, not its mtime."""
        self.writestr(arcname or Path(filename).name, Path(filename).read_bytes())


#: What the table puts in a cell: text, a figure, or nothing.
CellValue = str | Decimal | None


def _top_left(sheet: Worksheet, row: int, column: int) -> Cell:
    """The cell at (row, column), which must be the first of any merged range it is in (the
    others hold no value)."""
    cell = sheet.cell(row=row, column=column)
    if not isinstance(cell, Cell):
        raise ValueError(f"cell {cell.coordinate}: inside a merged range, expected its first cell")
    return cell


def _put(cell: Cell, value: CellValue) -> None:
    """Set a cell's value; text is always text, even when it starts with "=" (a line named
    "=HYPERLINK(…)" must not become a formula that Excel or WPS runs)."""
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"


def _cell(
    sheet: Worksheet,
    row: int,
    column: int,
    value: CellValue,
    *,
    to_column: int | None = None,
    to_row: int | None = None,
    align: Alignment = _CENTER,
    bold: bool = False,
) -> None:
    """Write a bordered cell, merged to (to_row, to_column) when given."""
    last_row, last_column = to_row or row, to_column or column
    if (last_row, last_column) != (row, column):
        sheet.merge_cells(
            start_row=row, start_column=column, end_row=last_row, end_column=last_column
        )
    for r in range(row, last_row + 1):
        for c in range(column, last_column + 1):
            sheet.cell(row=r, column=c).border = _BORDER
    cell = _top_left(sheet, row, column)
    _put(cell, value)
    cell.alignment = align
    if bold:
        cell.font = _BOLD


def _percent_format(value: Decimal) -> str:
    exponent = value.normalize().as_tuple().exponent
    if not isinstance(exponent, int):  # 'n', 'N' or 'F': not a finite number
        raise ValueError(f"rate: got {value}, expected a finite number")
    places = max(0, -exponent)
    return "0%" if places == 0 else "0." + "0" * places + "%"


def _title(sheet: Worksheet, table: EvaluationTable) -> int:
    lines = (table.title, f"（{table.year}年度）", f"预算部门名称：{table.department_name}")
    for row, text in enumerate(lines, start=1):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=COLUMNS)
        cell = _top_left(sheet, row, 1)
        _put(cell, text)
        cell.alignment = _LEFT if row == 3 else _CENTER
        cell.font = Font(bold=row == 1, size=14 if row == 1 else 11)
    return len(lines) + 1


def _budget(sheet: Worksheet, table: EvaluationTable, row: int) -> int:
    _cell(sheet, row, 1, f"本年度预算资金（{table.unit}）", bold=True)
    for column, header in enumerate(BUDGET_HEADERS, start=2):
        _cell(sheet, row, column, header, bold=True)
    for line in table.budget:
        row += 1
        label = Alignment(horizontal="left", vertical="center", wrap_text=True, indent=line.depth)
        _cell(sheet, row, 1, line.label, align=label)
        *amounts, rate = line.values
        for column, amount in enumerate(amounts, start=2):
            _cell(sheet, row, column, amount)
        if rate is None:
            _cell(sheet, row, COLUMNS, line.cells[-1])
        else:
            _cell(sheet, row, COLUMNS, rate / 100)
            sheet.cell(row=row, column=COLUMNS).number_format = _percent_format(rate / 100)
    return row + 1


def _indicators(sheet: Worksheet, table: EvaluationTable, row: int) -> int:
    _cell(sheet, row, 1, "分解目标", to_column=3, bold=True)
    target, actual, reason = INDICATOR_HEADERS
    _cell(sheet, row, 4, target, to_row=row + 1, bold=True)
    _cell(sheet, row, 5, actual, to_row=row + 1, bold=True)
    _cell(sheet, row, 6, reason, to_row=row + 1, to_column=7, bold=True)
    _cell(sheet, row + 1, 1, "类别", bold=True)
    _cell(sheet, row + 1, 2, "指标名称", to_column=3, bold=True)
    row += 2
    for indicator in table.indicators:
        if indicator.category_span:
            _cell(sheet, row, 1, indicator.category, to_row=row + indicator.category_span - 1)
        if indicator.project is None:
            _cell(sheet, row, 2, indicator.name, to_column=3, align=_LEFT)
        else:
            if indicator.project_span:
                last = row + indicator.project_span - 1
                _cell(sheet, row, 2, indicator.project, to_row=last, align=_LEFT)
            _cell(sheet, row, 3, indicator.name, align=_LEFT)
        _cell(sheet, row, 4, indicator.target)
        _cell(sheet, row, 5, indicator.actual)
        _cell(sheet, row, 6, indicator.reason, to_column=7)
        row += 1
    _cell(sheet, row, 1, "备注", bold=True)
    _cell(sheet, row, 2, "\n".join(table.notes), to_column=COLUMNS, align=_LEFT)
    return row + 1


def render_xlsx(table: EvaluationTable, moment: datetime) -> bytes:
    """The 自评价表 as XLSX bytes, every timestamp in the file set to ``moment`` (UTC)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = SHEET_TITLE
    for column, width in enumerate(_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    row = _budget(sheet, table, _title(sheet, table))
    _indicators(sheet, table, row)
    naive = moment.replace(tzinfo=None)
    workbook.properties.creator = "jixiao"
    workbook.properties.title = table.title
    workbook.properties.created = naive
    workbook.properties.modified = naive
    buffer = io.BytesIO()
    ExcelWriter(workbook, _FixedTimeZip(buffer, naive)).save()
    return buffer.getvalue()
