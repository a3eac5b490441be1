"""The 自评价表 as an XLSX workbook (openpyxl), laid out like the printed form.

One sheet: the budget part (本年度预算资金 and its six figures, with 分值 and 得分 when the
scheme scores), then the indicator part under 分解目标 with category and project cells
merged over their rows, then 总分 and 备注. Finance offices exchange these spreadsheets, so
figures are numbers, not text, formatted with the places the form prints (``0.00``); every
cell is in 宋体, and the sheet prints on A4, fitted to the page's width, with the indicator
heads repeated on every page (docs/decisions/0804).

openpyxl stamps the save time into docProps/core.xml and every zip entry; both are set
to the sign-off time instead, so the same events give byte-identical files.
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from worker.evaluation_table import BUDGET_HEADERS, EvaluationTable, IndicatorRow
from worker.office_zip import FixedTimeZip
from worker.project_form import FUND_HEADERS, INDICATOR_HEADERS, ProjectForm
from workflow.report_file import COMPUTED_CELLS_PROPERTY

SHEET_TITLE = "自评价表"
PROJECT_SHEET_TITLE = "项目支出绩效自评表"

#: The face every cell is set in: 宋体 (SimSun) as the forms print, GB2312 character set;
#: a viewer without it substitutes a CJK serif (Noto Serif CJK SC through fontconfig).
FONT_NAME = "宋体"
_CHARSET = 134

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_RIGHT = Alignment(horizontal="right", vertical="center")


def _font(*, bold: bool = False, size: float = 10.5) -> Font:
    return Font(name=FONT_NAME, charset=_CHARSET, size=size, bold=bold)


_PLAIN = _font()
_BOLD = _font(bold=True)


def number_format(places: int) -> str:
    """The Excel format of a figure with ``places`` decimals: ``0.00`` for two."""
    return "0." + "0" * places if places else "0"


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
    places: int | None = None,
) -> None:
    """Write a bordered cell, merged to (to_row, to_column) when given; a figure with
    ``places`` decimals is right-aligned in that number format."""
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
    cell.font = _BOLD if bold else _PLAIN
    if places is not None and isinstance(value, Decimal):
        cell.alignment = _RIGHT
        cell.number_format = number_format(places)
    else:
        cell.alignment = align


def _figure(text: str) -> CellValue:
    """A printed figure as a number ("" stays blank, "/" stays text)."""
    if not text:
        return None
    try:
        return Decimal(text)
    except ArithmeticError:
        return text


def width_of(table: EvaluationTable) -> int:
    """The sheet's columns: the label and the budget part's figures."""
    return 1 + len(table.budget_headers)


def _title(sheet: Worksheet, table: EvaluationTable) -> int:
    lines = (table.title, f"（{table.year}年度）", f"预算部门名称：{table.department_name}")
    for row, text in enumerate(lines, start=1):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width_of(table))
        cell = _top_left(sheet, row, 1)
        _put(cell, text)
        cell.alignment = _LEFT if row == 3 else _CENTER
        cell.font = _font(bold=row == 1, size=16 if row == 1 else 12)
    return len(lines) + 1


#: A sheet's cells that hold a figure jixiao computed, by coordinate (``F20``), as printed.
Computed = dict[str, str]


def _computed_cell(computed: Computed, sheet: Worksheet, row: int, column: int) -> None:
    value = sheet.cell(row=row, column=column).value
    if value is not None:
        computed[f"{get_column_letter(column)}{row}"] = str(value)


def _budget(sheet: Worksheet, table: EvaluationTable, row: int, computed: Computed) -> int:
    _cell(sheet, row, 1, f"本年度预算资金（{table.unit}）", bold=True)
    for column, header in enumerate(table.budget_headers, start=2):
        _cell(sheet, row, column, header, bold=True)
    rate_column = 1 + len(BUDGET_HEADERS)
    for line in table.budget:
        row += 1
        label = Alignment(horizontal="left", vertical="center", wrap_text=True, indent=line.depth)
        _cell(sheet, row, 1, line.label, align=label)
        *amounts, rate = line.values
        for column, amount in enumerate(amounts, start=2):
            _cell(sheet, row, column, amount, places=table.amount_places)
        # Under 预算执行率（%） the cell holds the per cent figure, formatted without a sign.
        rate_value: CellValue = line.cells[-1] if rate is None else rate
        _cell(sheet, row, rate_column, rate_value, places=table.rate_places)
        if table.scored:
            for column, text in enumerate(line.score, start=rate_column + 1):
                _cell(sheet, row, column, _figure(text), places=2)
            if line.points_computed:
                _computed_cell(computed, sheet, row, rate_column + 2)
    return row + 1


def _indicator_row(
    sheet: Worksheet,
    row: int,
    indicator: IndicatorRow,
    scored: bool,
    reason_column: int,
    last: int,
    computed: Computed,
) -> None:
    """One indicator: 一级 and 二级 merged over their rows, 三级, target, actual, 分值 and
    得分 in columns 6 and 7 when ``scored`` (those jixiao computed listed in ``computed``),
    the reason from ``reason_column`` to ``last``."""
    if indicator.category_span:
        _cell(sheet, row, 1, indicator.category, to_row=row + indicator.category_span - 1)
    if indicator.project is None:
        _cell(sheet, row, 2, indicator.name, to_column=3, align=_LEFT)
    else:
        if indicator.project_span:
            bottom = row + indicator.project_span - 1
            _cell(sheet, row, 2, indicator.project, to_row=bottom, align=_LEFT)
        _cell(sheet, row, 3, indicator.name, align=_LEFT)
    _cell(sheet, row, 4, indicator.target)
    _cell(sheet, row, 5, indicator.actual)
    if scored:
        _cell(sheet, row, 6, _figure(indicator.weight), places=2)
        _cell(sheet, row, 7, _figure(indicator.points), places=2)
        for column, role in ((6, "weight"), (7, "points")):
            if role in indicator.computed:
                _computed_cell(computed, sheet, row, column)
    _cell(sheet, row, reason_column, indicator.reason, to_column=last)


def _indicators(sheet: Worksheet, table: EvaluationTable, row: int, computed: Computed) -> int:
    last = width_of(table)
    *values, reason = table.value_headers
    reason_column = 4 + len(values)
    _cell(sheet, row, 1, "分解目标", to_column=3, bold=True)
    for column, header in enumerate(values, start=4):
        _cell(sheet, row, column, header, to_row=row + 1, bold=True)
    _cell(sheet, row, reason_column, reason, to_row=row + 1, to_column=last, bold=True)
    headings = table.headings
    for column, heading in enumerate((headings.level1, headings.level2, headings.level3), 1):
        _cell(sheet, row + 1, column, heading, bold=True)
    # The indicator heads repeat at the top of every printed page.
    sheet.print_title_rows = f"{row}:{row + 1}"
    row += 2
    for indicator in table.indicators:
        _indicator_row(sheet, row, indicator, table.scored, reason_column, last, computed)
        row += 1
    if table.total_score is not None:
        _cell(sheet, row, 1, "总分", to_column=5, bold=True)
        for column, text in enumerate(table.total_score, start=6):
            _cell(sheet, row, column, _figure(text), places=2)
        _cell(sheet, row, reason_column, None, to_column=last)
        row += 1
    _cell(sheet, row, 1, "备注", bold=True)
    _cell(sheet, row, 2, "\n".join(table.notes), to_column=last, align=_LEFT)
    return row + 1


#: Column widths (characters): the label, then the budget figures (adjustment head widest).
_WIDTHS = (24, 12, 16, 12, 12, 12, 12)
_SCORE_WIDTH = 9


def _page_setup(sheet: Worksheet) -> None:
    """A4 portrait, fitted to one page wide (as many tall as needed), centred."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_PORTRAIT
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.6
    sheet.page_margins.top = sheet.page_margins.bottom = 0.75


def _workbook(title: str, widths: tuple[int, ...]) -> tuple[Workbook, Worksheet]:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    # openpyxl has no public setter for the workbook's default face (font 0, which unstyled
    # cells use) nor for the Normal style's (which Excel sizes columns by): both are set
    # before any cell is styled, so no Calibri is left in the file.
    private = cast(Any, workbook)
    private._fonts = IndexedList([_PLAIN])
    private._named_styles["Normal"].font = _PLAIN
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    return workbook, sheet


def _saved(
    workbook: Workbook, sheet: Worksheet, title: str, moment: datetime, computed: Computed
) -> bytes:
    _page_setup(sheet)
    if computed:
        listed = json.dumps({sheet.title: computed}, ensure_ascii=False, sort_keys=True)
        # openpyxl's stubs do not declare the custom properties (openpyxl >= 3.1 has them).
        properties = cast(Any, workbook).custom_doc_props
        properties.append(StringProperty(name=COMPUTED_CELLS_PROPERTY, value=listed))
    naive = moment.replace(tzinfo=None)
    workbook.properties.creator = "jixiao"
    workbook.properties.title = title
    workbook.properties.created = naive
    workbook.properties.modified = naive
    buffer = io.BytesIO()
    ExcelWriter(workbook, FixedTimeZip(buffer, naive)).save()
    return buffer.getvalue()


def render_xlsx(table: EvaluationTable, moment: datetime) -> bytes:
    """The 自评价表 as XLSX bytes, every timestamp in the file set to ``moment`` (UTC)."""
    widths = _WIDTHS + (_SCORE_WIDTH,) * (width_of(table) - len(_WIDTHS))
    workbook, sheet = _workbook(SHEET_TITLE, widths)
    computed: Computed = {}
    row = _budget(sheet, table, _title(sheet, table), computed)
    _indicators(sheet, table, row, computed)
    return _saved(workbook, sheet, table.title, moment, computed)


#: The project form's eight columns: 一级 (and the row labels), 二级 (the fund rows' names),
#: then the six fund figures, or 三级 and the indicator values, 分值, 得分 and the reasons.
_PROJECT_WIDTHS = (14, 20, 20, 12, 12, 9, 9, 20)


def _project_head(sheet: Worksheet, form: ProjectForm) -> int:
    for row, text in enumerate((form.title, f"（{form.year}年度）"), start=1):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=8)
        cell = _top_left(sheet, row, 1)
        _put(cell, text)
        cell.alignment = _CENTER
        cell.font = _font(bold=row == 1, size=16 if row == 1 else 12)
    _cell(sheet, 3, 1, "项目名称", to_column=2, bold=True)
    _cell(sheet, 3, 3, form.name, to_column=8, align=_LEFT)
    _cell(sheet, 4, 1, "主管部门", to_column=2, bold=True)
    _cell(sheet, 4, 3, form.supervisor, to_column=4, align=_LEFT)
    _cell(sheet, 4, 5, "实施单位", to_column=6, bold=True)
    _cell(sheet, 4, 7, form.implementer, to_column=8, align=_LEFT)
    return 5


def _project_funds(sheet: Worksheet, form: ProjectForm, row: int, computed: Computed) -> int:
    """项目资金 down column A, each fund row's name in B and its six figures in C to H: the
    national form's grid, which jixiao's own import reads back."""
    last = row + len(form.funds)
    _cell(sheet, row, 1, f"项目资金（{form.unit}）", to_row=last, bold=True)
    _cell(sheet, row, 2, None)
    for column, header in enumerate(FUND_HEADERS, start=3):
        _cell(sheet, row, column, header, bold=True)
    for fund in form.funds:
        row += 1
        label = Alignment(horizontal="left", vertical="center", wrap_text=True, indent=fund.depth)
        _cell(sheet, row, 2, fund.label, align=label)
        initial, full_year, actual, rate = fund.values
        weight, points = fund.cells[3], fund.cells[5]
        figures: tuple[tuple[CellValue, int], ...] = (
            (initial, form.amount_places),
            (full_year, form.amount_places),
            (actual, form.amount_places),
            (_figure(weight), 2),
            (fund.cells[4] if rate is None else rate, form.rate_places),
            (_figure(points), 2),
        )
        for column, (value, places) in enumerate(figures, start=3):
            _cell(sheet, row, column, value, places=places)
        if fund.points_computed:
            _computed_cell(computed, sheet, row, 8)
    row += 1
    _cell(sheet, row, 1, "年度总体目标", to_row=row + 1, bold=True)
    _cell(sheet, row, 2, "预期目标", to_column=4, bold=True)
    _cell(sheet, row, 5, "实际完成情况", to_column=8, bold=True)
    _cell(sheet, row + 1, 2, form.goal, to_column=4, align=_LEFT)
    _cell(sheet, row + 1, 5, form.achieved, to_column=8, align=_LEFT)
    return row + 2


def _project_indicators(sheet: Worksheet, form: ProjectForm, row: int, computed: Computed) -> int:
    headings = form.headings
    heads = (headings.level1, headings.level2, headings.level3, *INDICATOR_HEADERS)
    for column, header in enumerate(heads, start=1):
        _cell(sheet, row, column, header, bold=True)
    sheet.print_title_rows = f"{row}:{row}"
    row += 1
    for indicator in form.indicators:
        # The national form always has its 分值 and 得分 columns (blank when unscored).
        _indicator_row(sheet, row, indicator, True, 8, 8, computed)
        row += 1
    _cell(sheet, row, 1, "总分", to_column=5, bold=True)
    _cell(sheet, row, 6, _figure(form.total_score[0]), places=2)
    _cell(sheet, row, 7, _figure(form.total_score[1]), places=2)
    _cell(sheet, row, 8, None)
    for label, text in form.closing:
        row += 1
        _cell(sheet, row, 1, label, bold=True)
        _cell(sheet, row, 2, text, to_column=8, align=_LEFT)
    row += 1
    _cell(sheet, row, 1, "项目负责人", bold=True)
    _cell(sheet, row, 2, form.project_lead, to_column=3, align=_LEFT)
    _cell(sheet, row, 4, "财务负责人", to_column=5, bold=True)
    _cell(sheet, row, 6, form.finance_lead, to_column=8, align=_LEFT)
    return row + 1


def render_project_xlsx(form: ProjectForm, moment: datetime) -> bytes:
    """A 项目支出 report's 项目支出绩效自评表 as XLSX bytes, laid out as the national form,
    every timestamp in the file set to ``moment`` (UTC)."""
    workbook, sheet = _workbook(PROJECT_SHEET_TITLE, _PROJECT_WIDTHS)
    computed: Computed = {}
    row = _project_funds(sheet, form, _project_head(sheet, form), computed)
    _project_indicators(sheet, form, row, computed)
    return _saved(workbook, sheet, form.title, moment, computed)
