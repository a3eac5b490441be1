"""What the rendered documents print as a filed form: scored columns, amounts to their
places, names and local time, the sign block, the XLSX set-up and the DOCX.

The seed signed off under the scored national scheme is rendered in memory
(:func:`worker.render.render_documents`); the seed rendered by a real render is read in
tests/worker/test_rendering.py.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import docx
import openpyxl
import pytest
from docx.oxml.ns import qn

from imports.spreadsheet import read_sheet
from projections.report_view import report_view
from tests.seed import BUDGET_LINES, INDICATORS
from tests.worker.html_reading import read_tables
from tests.workflow.report_builders import state_at
from worker.document import Provenance
from worker.render import render_documents
from worker.settings import document_timezone, indicator_headings, load_settings
from workflow.stages import Stage

NAMES = (("li.si", "李四"), ("wang.wu", "王五"), ("zhang.san", "张三"))

#: 2026-12-05 17:59 UTC: 2026-12-06 01:59 in Beijing, the next day.
SIGNED_AT = datetime(2026, 12, 5, 17, 59, 30, tzinfo=UTC)


def provenance(timezone: str = "Asia/Shanghai") -> Provenance:
    return Provenance(
        "report:gusu-rc:2021", 1, SIGNED_AT, ("li.si", "wang.wu"), "t0", NAMES, timezone
    )


@cache
def scored_view() -> dict[str, Any]:
    return report_view(state_at(Stage.SIGNED_OFF, "national-10-90"))


@cache
def scored() -> dict[str, bytes]:
    return render_documents(scored_view(), provenance())


def test_a_scored_scheme_prints_weight_and_points_in_both_tables() -> None:
    score = scored_view()["score"]
    tables = read_tables(scored()["html"].decode())
    budget = tables["budget-table"]
    assert budget[0][-3:] == ["预算执行率（%）", "分值", "得分"]
    # Only the whole budget's line carries 预算执行率's 10 points, as on the national form.
    assert budget[1][-2:] == ["10.00", score["budget_points"]]
    assert all(row[-2:] == ["", ""] for row in budget[2:])
    indicators = tables["indicator-table"]
    assert indicators[0][3:] == ["指标目标值", "指标完成值", "分值", "得分", "偏差原因分析"]
    assert indicators[1][:3] == ["一级指标", "二级指标", "三级指标"]
    points = {s["indicator"]: s for s in score["indicators"]}
    for row, seed in zip(indicators[2:-2], INDICATORS, strict=True):
        assert row[5:7] == [points[seed.id]["weight"], points[seed.id]["points"]], seed.id
    total = indicators[-2]
    assert total[0] == "总分" and total[5:7] == ["100.00", score["total"]]
    assert indicators[-1][0] == "备注"


def test_the_scored_xlsx_and_docx_have_the_same_columns() -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(scored()["xlsx"])).active
    assert sheet is not None
    assert [sheet.cell(4, c).value for c in (7, 8, 9)] == ["预算执行率（%）", "分值", "得分"]
    assert (sheet.cell(5, 8).value, sheet.cell(5, 8).number_format) == (10, "0.00")
    header = 5 + 12
    assert [sheet.cell(header, c).value for c in range(4, 9)] == [
        "指标目标值",
        "指标完成值",
        "分值",
        "得分",
        "偏差原因分析",
    ]
    assert f"H{header}:I{header + 1}" in {str(r) for r in sheet.merged_cells.ranges}
    total_row = header + 2 + len(INDICATORS)
    assert sheet.cell(total_row, 1).value == "总分"
    assert Decimal(str(sheet.cell(total_row, 7).value)) == Decimal(scored_view()["score"]["total"])
    word = docx.Document(io.BytesIO(scored()["docx"]))
    budget, indicators = word.tables[0], word.tables[1]
    assert [c.text for c in budget.rows[0].cells][-2:] == ["分值", "得分"]
    assert [c.text for c in indicators.rows[0].cells][3:] == [
        "指标目标值",
        "指标完成值",
        "分值",
        "得分",
        "偏差原因分析",
    ]
    assert indicators.rows[-2].cells[0].text == "总分"


def test_amounts_keep_the_places_the_table_was_typed_with() -> None:
    view = scored_view()
    three = {
        **view,
        "budget": {
            **view["budget"],
            "rows": [
                {**view["budget"]["rows"][0], "initial": "300.095"},
                *view["budget"]["rows"][1:],
            ],
        },
    }
    budget = read_tables(render_documents(three, provenance(), ["html"])["html"].decode())[
        "budget-table"
    ]
    assert budget[1][1:3] == ["300.095", "-22.810"]
    assert budget[4][1] == "12.500"
    default = read_tables(scored()["html"].decode())["budget-table"]
    assert default[4][1:6] == ["12.50", "0.00", "0.00", "12.50", "12.50"]


def test_the_footer_and_sign_block_name_people_and_print_beijing_time() -> None:
    html = scored()["html"].decode()
    footer = re.search(r'<footer class="provenance">\s*<p>(.*?)</p>', html, re.S)
    assert footer is not None
    assert (
        footer[1] == "第 1 版 · 签发：李四、王五 · 签发时间：2026-12-06 01:59（北京时间） · 模板 t0"
    )
    sign = read_tables(html)["sign-block"]
    assert sign == [
        ["单位负责人：李四", "财务负责人：", "填表人：张三"],
        ["联系电话：", "填报日期：2026年12月6日"],
    ]
    assert '<p class="seal">（单位盖章）</p>' in html
    assert "li.si" not in footer[1] and "UTC" not in footer[1]
    berlin = render_documents(scored_view(), provenance("Europe/Berlin"), ["html"])["html"]
    assert "签发时间：2026-12-05 18:59（Europe/Berlin）" in berlin.decode()


def test_the_html_has_margins_on_screen_and_none_in_print() -> None:
    html = scored()["html"].decode()
    assert "body { max-width: 190mm; margin: 12mm auto; padding: 0 6mm; }" in html
    assert "@media print {\n  body { max-width: none; margin: 0; padding: 0; }" in html
    assert "body { margin: 0; }" not in html


def test_the_xlsx_is_set_in_songti_on_a4_fitted_to_the_width() -> None:
    data = scored()["xlsx"]
    styles = zipfile.ZipFile(io.BytesIO(data)).read("xl/styles.xml").decode()
    assert set(re.findall(r'<name val="([^"]+)"', styles)) == {"宋体"}
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    assert {c.font.name for row in sheet.iter_rows() for c in row if c.value is not None} == {
        "宋体"
    }
    assert sheet.page_setup.paperSize == int(sheet.PAPERSIZE_A4)  # 9: A4
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$17:$18"  # the indicator heads, on every page
    amounts = [sheet.cell(r, c).number_format for r in range(5, 17) for c in range(2, 7)]
    assert set(amounts) == {"0.00"}


def test_every_docx_run_names_its_east_asian_face_and_the_table_keeps_the_merges() -> None:
    word = docx.Document(io.BytesIO(scored()["docx"]))
    runs = list(word.element.body.iter(qn("w:r")))
    assert len(runs) > 300
    faces = {r.find(qn("w:rPr")).find(qn("w:rFonts")).get(qn("w:eastAsia")) for r in runs}
    assert faces == {"宋体"}
    indicators = word.tables[1]
    first = indicators.rows[0].cells
    assert first[0] is not None and first[0]._tc is first[2]._tc  # 分解目标 over three
    # 部门管理 is one cell over its ten rows; 预算编制规范性 spreads over 二级 and 三级.
    category = {indicators.rows[r].cells[0]._tc for r in range(2, 12)}
    assert len(category) == 1 and indicators.rows[2].cells[0].text == "部门管理"
    assert indicators.rows[2].cells[1]._tc is indicators.rows[2].cells[2]._tc
    assert word.core_properties.created == SIGNED_AT
    stamps = {i.date_time for i in zipfile.ZipFile(io.BytesIO(scored()["docx"])).infolist()}
    assert stamps == {(2026, 12, 5, 17, 59, 30)}


def test_the_indicator_heads_are_a_setting() -> None:
    assert indicator_headings({}) == ("一级指标", "二级指标", "三级指标")
    env = {"JIXIAO_INDICATOR_HEADINGS": "类别，项目,指标名称"}
    assert indicator_headings(env) == ("类别", "项目", "指标名称")
    with pytest.raises(ValueError) as refused:
        indicator_headings({"JIXIAO_INDICATOR_HEADINGS": "类别,指标名称"})
    assert str(refused.value) == (
        "JIXIAO_INDICATOR_HEADINGS: got '类别,指标名称', expected three heads of at most 20 "
        "characters separated by commas, such as 一级指标,二级指标,三级指标"
    )
    with pytest.raises(ValueError) as refused:
        indicator_headings({"JIXIAO_INDICATOR_HEADINGS": "类别,项\u200b目,指标名称"})
    assert str(refused.value) == (
        "JIXIAO_INDICATOR_HEADINGS: got '项\\u200b目', expected a heading without control or "
        "format characters — character 2 is U+200B ZERO WIDTH SPACE, a format character (invisible)"
    )


def test_the_time_zone_is_a_deployment_setting_refused_when_unknown() -> None:
    assert document_timezone({}) == "Asia/Shanghai"
    assert document_timezone({"JIXIAO_TIMEZONE": "Asia/Urumqi"}) == "Asia/Urumqi"
    with pytest.raises(ValueError) as refused:
        load_settings({"JIXIAO_TIMEZONE": "Beijing"}, db_url="sqlite://")
    assert str(refused.value) == (
        "JIXIAO_TIMEZONE: got 'Beijing', expected an IANA time zone such as Asia/Shanghai"
    )


def test_the_scored_xlsx_reads_back_with_every_line_and_indicator() -> None:
    # 分值 / 得分, the 总分 row and rates in per cent are nothing the importer trips on.
    reading = read_sheet(scored()["xlsx"], "自评价表.xlsx", "gusu-rc", 2021)
    assert reading.problems == []
    assert len(reading.document["budget"]["lines"]) == len(BUDGET_LINES)
    assert [i["name"] for i in reading.document["indicators"]] == [s.name for s in INDICATORS]


@cache
def typed_view() -> dict[str, Any]:
    """The seed under the national scheme with two 得分 typed: d03's deducted, the budget's."""
    from tests.workflow.report_builders import KEY, PREPARER, run_all, seed_draft
    from workflow.commands import SetExecutionScore, SetIndicatorScore
    from workflow.schemes import load_scheme

    steps = [
        (SetIndicatorScore(**KEY, indicator="d03", score="2"), PREPARER),
        (SetIndicatorScore(**KEY, indicator="d04", score="2.65"), PREPARER),
        (SetExecutionScore(**KEY, score="9"), PREPARER),
    ]
    return report_view(run_all(seed_draft("national-10-90"), steps, load_scheme("national-10-90")))


def test_typed_scores_print_with_the_rules_figure_where_they_differ() -> None:
    documents = render_documents(typed_view(), provenance())
    tables = read_tables(documents["html"].decode())
    assert tables["budget-table"][1][-2:] == ["10.00", "9.00（规则 10.00）"]
    rows = {row[2]: row for row in tables["indicator-table"][2:-2]}
    # d03 typed 2 where the rule gives 2.65; d04 typed what the rule gives: no second figure.
    assert rows["开展初级培训"][5:7] == ["2.65", "2.00（规则 2.65）"]
    assert rows["完成师资培训"][5:7] == ["2.65", "2.65"]
    # The total counts the typed 得分; the note gives the rule's total and each difference.
    assert tables["indicator-table"][-2][5:7] == ["100.00", typed_view()["score"]["total"]]
    note = tables["indicator-table"][-1][1]
    assert "按评分规则计算为 97.35 分" in note
    assert "indicator d03 开展初级培训 得分: typed 2, the rule gives 2.65" in note
    word = docx.Document(io.BytesIO(documents["docx"]))
    assert "2.00（规则 2.65）" in [c.text for row in word.tables[1].rows for c in row.cells]
    # The XLSX keeps figures as numbers: the typed 得分, the rule's in the 备注.
    sheet = openpyxl.load_workbook(io.BytesIO(documents["xlsx"])).active
    assert sheet is not None
    assert sheet.cell(5, 9).value == 9
