"""jixiao's own scored 自评价表 read back: the 分值 and 得分 it computed and printed are read
as nothing typed, so the report comes back with the same typed values; a figure changed by
hand since is typed (decision 0750)."""

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
from workflow.report_file import COMPUTED_CELLS_PROPERTY, document_commands, parse_document
from workflow.service import execute_all, load_report


def _scored_export() -> bytes:
    world = make_world("national-10-90")
    execute_all(world.store, world.preparer, document_commands(seed_document()), now=NOW)
    view = report_view(load_report(world.store, DEPARTMENT_CODE, YEAR).state)
    return render_xlsx(evaluation_table(view, "自评价表"), NOW)


def _edited(data: bytes, **cells: object) -> bytes:
    workbook = load_workbook(BytesIO(data))
    sheet = workbook.active
    assert sheet is not None
    for coordinate, value in cells.items():
        sheet[coordinate] = value
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def _read(data: bytes) -> dict:
    reading = read_sheet(data, "自评价表.xlsx", DEPARTMENT_CODE, YEAR)
    assert reading.problems == []
    return parse_document(reading.document, source="自评价表.xlsx").model_dump(exclude_none=True)


def test_the_figures_jixiao_computed_come_back_as_nothing_typed() -> None:
    document = _read(_scored_export())
    original = seed_document().model_dump(exclude_none=True)
    assert [i.get("weight") for i in document["indicators"]] == [None] * 34
    assert [i.get("score") for i in document["indicators"]] == [None] * 34
    assert "execution_score" not in document["budget"]
    assert [(i["name"], i["target"], i.get("actual")) for i in document["indicators"]] == [
        (i["name"], i["target"], i.get("actual")) for i in original["indicators"]
    ]


def test_a_figure_changed_by_hand_since_is_typed() -> None:
    data = _scored_export()
    workbook = load_workbook(BytesIO(data))
    assert COMPUTED_CELLS_PROPERTY in [p.name for p in workbook.custom_doc_props]
    sheet = workbook.active
    assert sheet is not None
    (row,) = (r[0].row for r in sheet.iter_rows() if r[1].value == "预算调整率")
    document = _read(_edited(data, **{f"F{row}": 3, f"G{row}": 1}))
    (changed,) = (i for i in document["indicators"] if i["name"] == "预算调整率")
    assert (changed["weight"], changed["score"]) == ("3", "1")
    assert sum(1 for i in document["indicators"] if "weight" in i) == 1


def test_another_workbook_s_figures_are_all_typed() -> None:
    workbook = load_workbook(BytesIO(_scored_export()))
    workbook.custom_doc_props = type(workbook.custom_doc_props)()
    out = BytesIO()
    workbook.save(out)
    document = _read(out.getvalue())
    assert [i.get("weight") for i in document["indicators"]] == ["2.65"] * 34
