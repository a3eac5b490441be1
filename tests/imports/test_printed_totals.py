"""A form's printed 总分 against jixiao's own: the indicators' column, with or without the
budget's 分值 and 得分 (forms differ), and figures printed rounded may add up to a little more
or less than the total they were rounded from; anything further is listed."""

from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook

from cli.seed_file import seed_document
from imports.spreadsheet import read_sheet
from projections.report_view import report_view
from tests.seed import DEPARTMENT_CODE, YEAR
from tests.workflow.world import NOW, make_world
from worker.evaluation_table import evaluation_table
from worker.xlsx import render_xlsx
from workflow.report_file import document_commands
from workflow.service import execute_all, load_report


def _scored_export() -> bytes:
    """The seed report entered under the national scheme and exported as its 自评价表: 10
    points on 预算执行率, 90 over 34 indicators printed 2.65 each, 总分 100."""
    world = make_world("national-10-90")
    execute_all(world.store, world.preparer, document_commands(seed_document()), now=NOW)
    view = report_view(load_report(world.store, DEPARTMENT_CODE, YEAR).state)
    return render_xlsx(evaluation_table(view, "自评价表"), NOW)


def _total_row(data: bytes, weight: object) -> bytes:
    """``data`` with its 总分 row's printed 分值 replaced by ``weight``."""
    workbook = load_workbook(BytesIO(data))
    sheet = workbook.active
    assert sheet is not None
    (row,) = (r for r in sheet.iter_rows() if r[0].value == "总分")
    (cell,) = (c for c in row if c.value == 100)
    cell.value = weight
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_jixiaos_own_scored_form_agrees_with_itself() -> None:
    reading = read_sheet(_scored_export(), "自评价表.xlsx", DEPARTMENT_CODE, YEAR)
    assert reading.problems == []
    assert reading.disagreements == []


def test_a_printed_total_beyond_the_rounding_of_its_column_is_listed() -> None:
    data = _total_row(_scored_export(), 101)
    reading = read_sheet(data, "自评价表.xlsx", DEPARTMENT_CODE, YEAR)
    (line,) = reading.disagreements
    assert line.endswith(
        "(总分) 分值: printed '101', jixiao computes 90.1 = the sum of the column or "
        "100.1 = the sum of the column and the budget's"
    )
