"""Importing other regions' 自评价表 layouts: 年初 / 全年预算 / 全年执行数, flat indicator lists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook, load_workbook

from imports.spreadsheet import IMPORTED_REASON
from tests.cli.sheets import ONE_DISAGREEMENT, fill

KEY = ("-d", "gusu-rc", "-y", "2021")
SHEET = "项目支出自评表"

#: The budget part: label, 年初预算数, 全年预算数, 全年执行数, 执行率 (rows 5-8, B-G).
BUDGET = [
    ("年度资金总额", 100, 120.505, 110.25, "91.49%"),
    ("其中：当年财政拨款", 80, 95.505, 90.125, "94.37%"),
    ("上年结转资金", 15, 20, 15.125, "75.63%"),
    ("其他资金", 5, 5, 5, "100%"),
]
BUDGET_HEADER = [
    "年初预算数",
    "全年预算数（A）",
    "全年执行数（B）",
    "分值",
    "执行率（B/A）",
    "得分",
]

#: The indicator part from row 11: 一级, 二级, 三级, 指标性质, 年度指标值, 实际完成值, 分值,
#: 得分, 偏差原因 (B-J). Blank group cells belong to the row above; 产出指标 is merged.
INDICATORS = [
    ("产出指标", "数量指标", "开展应急救护培训", "正向", "≥2000 人次", "2150 人次", 20, 20, "……"),
    (None, None, "新建博爱家园", "定量", "4 个", "3 个", 20, 15, "场地未落实"),
    (None, "质量指标", "培训合格率", "定量", "≥95%", "97%", "10分", 10, None),
    (None, "成本指标", "人均培训成本", "反向", "50 元", "45 元", 10, 10, None),
    ("效益指标", "社会效益指标", "群众应急意识", "定性", "提高", "提高", 20, 20, None),
    (None, "可持续影响指标", "经济效益", "定性", "/", "/", "/", "/", "/"),
    # A typed 得分 of 9 for 10 points with the target met: recorded as typed (the rule's
    # figure beside it is 10).
    ("满意度指标", "服务对象满意度指标", "受训群众满意度", "正向", "≥90%", "95%", 10, 9, None),
]
INDICATOR_HEADER = [
    "一级指标",
    "二级指标",
    "三级指标",
    "指标性质",
    "年度指标值",
    "实际完成值",
    "分值",
    "得分",
    "偏差原因分析及改进措施",
]
FIRST_BUDGET, FIRST_INDICATOR = 5, 11


def build_project_form(path: Path) -> Path:
    """A 项目支出 form laid out as the national template: merged 项目资金 and 绩效指标 columns."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    sheet["A1"] = "姑苏区项目支出绩效自评表"
    sheet.merge_cells("A1:J1")
    sheet["A2"] = "（2021年度）"
    sheet["A3"] = "预算部门名称：姑苏区红十字会"
    sheet["A4"] = "项目资金（万元）"
    sheet.merge_cells(f"A4:A{FIRST_BUDGET + len(BUDGET) - 1}")
    fill(sheet, 4, 3, [BUDGET_HEADER])
    fill(sheet, FIRST_BUDGET, 2, [(*figures[:4], None, figures[4]) for figures in BUDGET])
    goals = FIRST_BUDGET + len(BUDGET)
    sheet.cell(row=goals, column=1, value="年度总体目标")
    sheet.cell(row=goals, column=2, value="开展应急救护培训，建设博爱家园")
    sheet.merge_cells(f"B{goals}:J{goals}")
    header = FIRST_INDICATOR - 1
    sheet.cell(row=header, column=1, value="绩效指标")
    sheet.merge_cells(f"A{header}:A{FIRST_INDICATOR + len(INDICATORS) - 1}")
    fill(sheet, header, 2, [INDICATOR_HEADER])
    fill(sheet, FIRST_INDICATOR, 2, INDICATORS)
    sheet.merge_cells(f"B{FIRST_INDICATOR}:B{FIRST_INDICATOR + 3}")
    sheet.cell(row=FIRST_INDICATOR + len(INDICATORS), column=1, value="总分")
    sheet.cell(row=FIRST_INDICATOR + len(INDICATORS), column=9, value=100)
    workbook.save(path)
    return path


@pytest.fixture
def project_form(tmp_path: Path) -> Path:
    """The 项目支出 form above, saved in tmp_path."""
    return build_project_form(tmp_path / "项目支出自评表.xlsx")


def head(run) -> int:
    """How many events the store holds."""
    return json.loads(run("projections", "status", "--json").stdout)[0]["head"]


def imported_view(admin, path: Path) -> dict:
    out = admin("report", "import", str(path), *KEY, user="zhang.san")
    assert out.exit_code == 0, out.stderr
    return json.loads(admin("report", "show", *KEY, "--json").stdout)


def test_a_full_year_budget_becomes_initial_plus_one_adjustment(admin, project_form) -> None:
    budget = imported_view(admin, project_form)["budget"]
    rows = budget["rows"]
    assert [(r["name"], r["depth"]) for r in rows] == [
        ("年度资金总额", 0),
        ("当年财政拨款", 1),
        ("上年结转资金", 1),
        ("其他资金", 1),
    ]
    # Parents show the sums of their lines; 全年预算数 is the total, 全年执行数 the actual.
    assert [
        (r["initial"], r["adjustments"], r["higher_level"], r["total"], r["actual"]) for r in rows
    ] == [
        ("100", "20.505", "0", "120.505", "110.250"),
        ("80", "15.505", "0", "95.505", "90.125"),
        ("15", "5", "0", "20", "15.125"),
        ("5", "0", "0", "5", "5"),
    ]
    assert [r["execution_rate"] for r in rows] == ["91.5", "94.4", "75.6", "100.0"]
    assert budget["adjustment_rate"] == "20.5"
    assert budget["problems"] == []
    items = [r["adjustment_items"] for r in rows]
    assert [[(a["raw"], a["kind"], a["reason"]) for a in i] for i in items] == [
        [("20.505", "in_year", IMPORTED_REASON)],
        [("15.505", "in_year", IMPORTED_REASON)],
        [("5", "in_year", IMPORTED_REASON)],
        [],  # 全年预算数 = 年初预算数: no adjustment
    ]


def test_a_flat_indicator_list_maps_levels_weights_and_direction(admin, project_form) -> None:
    indicators = imported_view(admin, project_form)["indicators"]
    assert [
        (i["id"], i["category"], i["project"], i["name"], i["weight"], i["lower_is_better"])
        for i in indicators
    ] == [
        ("i01", "产出指标", "数量指标", "开展应急救护培训", "20", False),
        ("i02", "产出指标", "数量指标", "新建博爱家园", "20", False),
        ("i03", "产出指标", "质量指标", "培训合格率", "10", False),
        ("i04", "产出指标", "成本指标", "人均培训成本", "10", True),
        ("i05", "效益指标", "社会效益指标", "群众应急意识", "20", False),
        ("i06", "效益指标", "可持续影响指标", "经济效益", None, False),
        ("i07", "满意度指标", "服务对象满意度指标", "受训群众满意度", "10", False),
    ]
    assert [(i["target"]["raw"], i["actual"]["raw"], i["status"]) for i in indicators] == [
        ("≥2000 人次", "2150 人次", "met"),
        ("4 个", "3 个", "missed"),
        ("≥95%", "97%", "met"),
        ("50 元", "45 元", "met"),  # 反向: at most 50 元
        ("提高", "提高", "met"),
        ("/", "/", "not_applicable"),
        ("≥90%", "95%", "met"),
    ]
    assert indicators[5]["target"]["kind"] == "not_applicable"
    assert indicators[5]["deviation"] == {"kind": "not_applicable", "raw": "/"}
    assert indicators[1]["deviation"] == {"kind": "reason", "raw": "场地未落实"}
    # 得分 is recorded as typed, the 9 of i07 too; the blank of i06 ('/') is none.
    assert [i["score"] for i in indicators] == ["20", "15", "10", "10", "20", None, "9"]
    exported = admin("report", "export", *KEY, user="zhang.san")
    assert exported.exit_code == 0, exported.stderr
    assert [i.get("score") for i in yaml.safe_load(exported.stdout)["indicators"]] == [
        "20",
        "15",
        "10",
        "10",
        "20",
        None,
        "9",
    ]


def test_a_plain_sheet_with_other_header_spellings_and_a_fraction_rate(admin, tmp_path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "自评表"
    for row in (
        ["2021年项目支出自评表（2021年度）"],
        ["资金来源", "年初预算", "全年预算", "实际支出数", "执行率"],
        ["项目资金合计", "10.5", "10.5", "9.45", 0.9],
        [],
        ["一级指标", "指标名称", "目标值", "完成值", "权重", "得分", "偏差原因"],
        ["产出指标", "调整率", "0%", "0%", 5, 5, None],
        [None, "完成培训场次", "12 场", "12 场", 5, 5, None],
        ["备注", "得分由系统计算"],
    ):
        sheet.append(row)
    path = tmp_path / "自评表.xlsx"
    workbook.save(path)
    view = imported_view(admin, path)
    (line,) = view["budget"]["rows"]
    assert (line["name"], line["total"], line["actual"], line["execution_rate"]) == (
        "项目资金合计",
        "10.5",
        "9.45",
        "90.0",
    )
    assert line["adjustment_items"] == []
    assert [
        (i["category"], i["project"], i["name"], i["weight"], i["lower_is_better"])
        for i in view["indicators"]
    ] == [
        ("产出指标", None, "调整率", "5", True),  # a bare 0% target can only be a ceiling
        ("产出指标", None, "完成培训场次", "5", False),
    ]


def _blank(sheet, cell: str) -> None:
    sheet[cell].value = None


BAD_CELLS = [
    pytest.param(
        lambda s: _blank(s, "C8"),
        f"{SHEET}!C8 (其他资金): line 其他资金 年初预算数: got '', expected an amount",
        id="blank-initial-of-a-leaf",
    ),
    pytest.param(
        lambda s: _blank(s, "D7"),
        f"{SHEET}!D7 (上年结转资金) 全年预算数: got '', expected an amount >= 0 in 万元",
        id="blank-full-year",
    ),
    pytest.param(
        lambda s: _blank(s, "F12"),
        f"{SHEET}!F12 (新建博爱家园) 年度指标值: got '', expected a number with a unit, "
        "a comparison or a qualitative grade (or '/' when not applicable)",
        id="blank-target",
    ),
    pytest.param(
        lambda s: setattr(s["D6"], "value", "95.5051"),
        f"{SHEET}!D6 (当年财政拨款) 全年预算数: got '95.5051', expected an amount >= 0 in 万元 "
        "with at most 3 decimals",
        id="four-decimals-full-year",
    ),
    pytest.param(
        lambda s: setattr(s["E7"], "value", 15.1251),
        f"{SHEET}!E7 (上年结转资金): line 上年结转资金 实际支出数: got '15.1251', expected an "
        "amount >= 0 in 万元 with at most 3 decimals",
        id="four-decimals-actual",
    ),
    pytest.param(
        lambda s: setattr(s["E14"], "value", "逆向"),
        f"{SHEET}!E14 (人均培训成本) 指标性质: got '逆向', expected 正向, 反向",
        id="unknown-nature",
    ),
    pytest.param(
        lambda s: setattr(s["F14"], "value", "≥50 元"),
        f"{SHEET}!F14 (人均培训成本) 年度指标值: got '≥50 元', expected an at-most or bare "
        "target for a lower-is-better indicator",
        id="at-least-target-of-a-反向-indicator",
    ),
    pytest.param(
        lambda s: setattr(s["H13"], "value", "十分"),
        f"{SHEET}!H13 (培训合格率) 分值: got '十分', expected a number of points >= 0",
        id="weight-not-a-number",
    ),
    pytest.param(
        lambda s: setattr(s["G12"], "value", "三"),
        f"{SHEET}!G12 (新建博爱家园): indicator 新建博爱家园 actual: got '三', expected",
        id="actual-that-is-no-number",
    ),
    pytest.param(
        lambda s: setattr(s["A2"], "value", "（2020年度）"),
        f"{SHEET}!A2 年度: got '2020', expected 2021 (the --year given)",
        id="another-year",
    ),
]


@pytest.mark.parametrize(("spoil", "problem"), BAD_CELLS)
def test_each_bad_cell_is_one_line_naming_it_and_nothing_is_recorded(
    admin, project_form, spoil, problem: str
) -> None:
    workbook = load_workbook(project_form)
    spoil(workbook.active)
    workbook.save(project_form)
    before = head(admin)

    out = admin("report", "import", str(project_form), *KEY, user="zhang.san")

    assert out.exit_code == 1
    assert out.stderr.splitlines() == [
        f"error: {project_form} rejected, nothing recorded, 1 problem:",
        out.stderr.splitlines()[1],
    ]
    assert out.stderr.splitlines()[1].startswith(f"  - {problem}")
    assert head(admin) == before
    assert admin("report", "show", *KEY).exit_code == 1


def test_an_unknown_layout_is_refused_in_one_line_naming_the_sheet(admin, tmp_path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "汇总"
    sheet.append(["项目", "预算", "支出"])
    sheet.append(["培训", 10, 9])
    path = tmp_path / "汇总.xlsx"
    workbook.save(path)
    before = head(admin)

    out = admin("report", "import", str(path), *KEY, user="zhang.san")

    assert out.exit_code == 1
    assert out.stderr.splitlines() == [
        f"error: {path}: sheet '汇总' has no layout jixiao reads, expected the header words of "
        "one of chongqing-overall, national, seed-overall, sichuan-510000 (jixiao admin layout "
        "show NAME)"
    ]
    assert head(admin) == before


def test_a_budget_without_an_indicator_part_names_what_was_expected(admin, project_form) -> None:
    workbook = load_workbook(project_form)
    for column in range(2, 2 + len(INDICATOR_HEADER)):
        workbook.active.cell(row=FIRST_INDICATOR - 1, column=column).value = None
    workbook.save(project_form)

    out = admin("report", "import", str(project_form), *KEY, user="zhang.san")

    assert out.exit_code == 1
    (line,) = out.stderr.splitlines()
    assert line == (
        f"error: {project_form}: sheet '{SHEET}' has the budget part of layout national but no "
        "indicator part below it, expected an indicator header row with 一级指标, 三级指标, 指标值"
    )


def test_a_printed_rate_that_disagrees_is_listed_and_the_typed_figures_recorded(
    admin, project_form
) -> None:
    workbook = load_workbook(project_form)
    workbook.active["G5"].value = "95%"
    workbook.save(project_form)

    out = admin("report", "import", str(project_form), *KEY, user="zhang.san")

    assert out.exit_code == 0, out.stderr
    assert out.stdout.splitlines()[1:] == [
        ONE_DISAGREEMENT,
        f"  - {SHEET}!G5 (年度资金总额) 执行率: printed '95%', jixiao computes 91.5% = 全年执行数 "
        "÷ 全年预算数",
    ]
    rows = json.loads(admin("report", "show", *KEY, "--json").stdout)["budget"]["rows"]
    assert rows[0]["execution_rate"] == "91.5"
