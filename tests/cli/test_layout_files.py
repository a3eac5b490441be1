"""Layouts as data files: the bundled provinces' forms, a bureau's own file, every cell of the
table placed or named, and the two misreads a code-only layout made silently."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook, load_workbook

from imports.sheet_layouts import BUNDLED
from tests.cli.sheets import ONE_DISAGREEMENT, fill

KEY = ("-d", "gusu-rc", "-y", "2021")
SHEET = "项目支出绩效自评表"

#: Sichuan's 预算执行情况 (rows 5-9, A-H): 年度预算数 · 年初预算 · 调整后预算数 · 预算执行数 ·
#: 预算执行率 · 权重 · 得分 · 原因. Unused fund rows are left blank.
SICHUAN_BUDGET = [
    ("总额", 3.0, 3.36, 3.36, "100.00%", 10, 10, None),
    ("其中：财政资金", 3.0, 3.36, 3.36, "100.00%", "/", "/", None),
    ("财政专户管理资金", None, None, None, None, "/", "/", None),
    ("单位资金", None, None, None, None, "/", "/", None),
    ("其他资金", None, None, None, None, "/", "/", None),
]
SICHUAN_BUDGET_HEADER = [
    "年度预算数（万元）",
    "年初预算",
    "调整后预算数",
    "预算执行数",
    "预算执行率",
    "权重",
    "得分",
    "原因",
]
#: 绩效指标 (rows 11-15, A-J): 一级 · 二级 · 三级 · 指标性质 · 指标值 · 度量单位 · 完成值 ·
#: 权重 · 得分 · 未完成原因分析; weights 10/20/20/30/10.
SICHUAN_INDICATORS = [
    ("产出指标", "数量指标", "安可替代终端数", "≥", 30, "台", 32, 10, 10, None),
    (None, "质量指标", "验收合格率", "＝", 100, "百分比", 100, 20, 20, None),
    (None, "经济成本指标", "成本控制数", "≤", 3.36, "万元", 3.36, 20, 20, None),
    ("效益指标", "社会效益指标", "信息安全水平", "定性", "提升", None, "提升", 30, 28, "尚在评估"),
    ("满意度指标", "服务对象满意度", "使用人员满意度", "≥", 90, "%", 95, 10, 10, None),
]
SICHUAN_INDICATOR_HEADER = [
    "一级指标",
    "二级指标",
    "三级指标",
    "指标性质",
    "指标值",
    "度量单位",
    "完成值",
    "权重",
    "得分",
    "未完成原因分析",
]
FIRST_BUDGET, FIRST_INDICATOR = 5, 12


def build_sichuan_form(path: Path) -> Path:
    """A 510000_0013zp form: code-prefixed names, blank fund rows, a 合计 row."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    sheet["A1"] = "部门预算项目支出绩效自评表（2021年度）"
    sheet.merge_cells("A1:J1")
    sheet["A2"] = "项目名称：51092324T000010263357-2021年全区安可替代补助资金项目"
    sheet["A3"] = "主管部门：219001-姑苏区红十字会"
    fill(sheet, 4, 1, [SICHUAN_BUDGET_HEADER, *SICHUAN_BUDGET, ["绩效指标（90分）"]])
    fill(sheet, FIRST_INDICATOR - 1, 1, [SICHUAN_INDICATOR_HEADER, *SICHUAN_INDICATORS])
    sheet.merge_cells(f"A{FIRST_INDICATOR}:A{FIRST_INDICATOR + 2}")
    total = FIRST_INDICATOR + len(SICHUAN_INDICATORS)
    sheet.cell(row=total, column=1, value="合计")
    sheet.cell(row=total, column=8, value=90)
    sheet.cell(row=total, column=9, value=88)
    workbook.save(path)
    return path


@pytest.fixture
def sichuan_form(tmp_path: Path) -> Path:
    """The Sichuan form above, saved in tmp_path."""
    return build_sichuan_form(tmp_path / "四川自评表.xlsx")


def spoil(path: Path, **cells: object) -> Path:
    """Set ``cells`` (``H12=5``) of the workbook's first sheet."""
    workbook = load_workbook(path)
    for ref, value in cells.items():
        workbook.active[ref].value = value
    workbook.save(path)
    return path


def imported(admin, path: Path, *options: str) -> tuple[str, dict]:
    out = admin("report", "import", str(path), *KEY, *options, user="zhang.san")
    assert out.exit_code == 0, out.stderr
    return out.stdout, json.loads(admin("report", "show", *KEY, "--json").stdout)


def checked_by(admin, path: Path) -> tuple[str, list[str]]:
    """The layout ``--check --json`` says read the file, and the disagreements it lists."""
    out = admin("report", "import", str(path), *KEY, "--check", "--json", user="zhang.san")
    checked = json.loads(out.stdout)
    assert checked["ok"], checked
    return checked["layout"], checked["disagreements"]


def refused(admin, path: Path, *options: str) -> list[str]:
    out = admin("report", "import", str(path), *KEY, *options, user="zhang.san")
    assert out.exit_code == 1
    assert admin("report", "show", *KEY).exit_code == 1
    return out.stderr.splitlines()


def test_the_sichuan_form_reads_weights_adjusted_budget_and_units(admin, sichuan_form) -> None:
    stdout, view = imported(admin, sichuan_form)
    # 调整后预算数 is the adjusted budget: one adjustment of 3.36 − 3 = 0.36, rate 100%.
    rows = view["budget"]["rows"]
    assert [(r["name"], r["depth"], r["initial"], r["adjustments"], r["total"]) for r in rows] == [
        ("总额", 0, "3", "0.36", "3.36"),
        ("财政资金", 1, "3", "0.36", "3.36"),
    ]
    assert [r["execution_rate"] for r in rows] == ["100.0", "100.0"]
    indicators = view["indicators"]
    # The weights as typed, never one spread evenly over them (18 each).
    assert [i["weight"] for i in indicators] == ["10", "20", "20", "30", "10"]
    # 指标性质 and 度量单位 are fields of their own; a bare actual takes the target's unit.
    assert [(i["nature"], i["unit"]) for i in indicators] == [
        ("≥", "台"),
        ("=", "%"),
        ("≤", "万元"),
        ("定性", None),
        ("≥", "%"),
    ]
    assert indicators[0]["actual"]["raw"] == "32"
    assert [(i["category"], i["target"]["raw"], i["actual"]["normalised"]) for i in indicators] == [
        ("产出指标", "≥30 台", "32 台"),
        ("产出指标", "＝100百分比", "100%"),  # the cells as typed, joined
        ("产出指标", "≤3.36 万元", "3.36 万元"),
        ("效益指标", "提升", "提升"),
        ("满意度指标", "≥90%", "95%"),
    ]
    # The printed 得分 total (88) agrees with the typed scores; nothing disagrees.
    assert "disagree" not in stdout
    exported = admin("report", "export", *KEY, user="zhang.san").stdout
    assert "department_name: 姑苏区红十字会" in exported


def test_a_layout_is_named_in_check_and_can_be_forced(admin, sichuan_form) -> None:
    out = admin("report", "import", str(sichuan_form), *KEY, "--check", user="zhang.san")
    assert out.stdout.startswith(f"{sichuan_form}: no problems (layout sichuan-510000);")
    forced = admin(
        "report", "import", str(sichuan_form), *KEY, "--layout", "national", user="zhang.san"
    )
    assert forced.exit_code == 1
    assert forced.stderr.splitlines() == [
        f"error: {sichuan_form}: sheet '{SHEET}' is not in layout national, expected a budget "
        "header row with 年初预算数 and 全年执行数 and 全年预算数 (jixiao admin layout show "
        "national)"
    ]
    unknown = admin("report", "import", str(sichuan_form), *KEY, "--layout", "hunan")
    assert unknown.stderr.splitlines() == [
        "error: --layout: got 'hunan', expected one of chongqing-overall, national, "
        "seed-overall, sichuan-510000 (jixiao admin layout list)"
    ]


def test_an_adjusted_budget_column_is_never_taken_for_an_adjustment(admin, tmp_path) -> None:
    """The misread that printed 执行率 51.3% for a form saying 100%."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "自评表"
    for row in (
        ["（2021年度）"],
        ["资金", "年初预算数", "调整后预算数", "实际支出数", "预算执行率"],
        ["年度资金总额", 1.77, 3.45, 3.45, "100%"],
        ["一级指标", "三级指标", "指标值", "完成值", "权重"],
        ["产出指标", "补助人数", "≥100 人", "120 人", 100],
    ):
        sheet.append(row)
    path = tmp_path / "自评表.xlsx"
    workbook.save(path)
    assert checked_by(admin, path) == ("national", [])
    stdout, view = imported(admin, path)
    (line,) = view["budget"]["rows"]
    assert (line["initial"], line["adjustments"], line["total"], line["execution_rate"]) == (
        "1.77",
        "1.68",
        "3.45",
        "100.0",
    )
    assert "disagree" not in stdout


def test_a_weight_column_the_layout_does_not_know_is_refused_not_spread(admin, sichuan_form):
    """The misread that gave every indicator 18 points instead of 10/20/20/30/10."""
    spoil(sichuan_form, H11="指标分值")
    assert refused(admin, sichuan_form) == [
        f"error: {sichuan_form} rejected, nothing recorded, 1 problem:",
        f"  - sheet {SHEET} row 11 column H '指标分值': not placed by layout sichuan-510000 (no "
        "column of the layout has this header; 6 cells below it)",
    ]


def test_every_stray_cell_of_the_table_is_named(admin, sichuan_form) -> None:
    spoil(sichuan_form, K13="备用", E9=2)
    assert refused(admin, sichuan_form)[1:] == [
        f"  - sheet {SHEET} row 9 column E '预算执行率': not placed by layout sichuan-510000",
        f"  - sheet {SHEET} row 13 column K: not placed by layout sichuan-510000",
    ]


def test_template_instructions_are_refused_as_unfilled(admin, sichuan_form) -> None:
    spoil(sichuan_form, H5="1.预算执行率=预算执行数/调整后预算数")
    assert refused(admin, sichuan_form)[1:] == [
        f"  - sheet {SHEET} row 5 column H: unfilled, still holds the template's instruction "
        "'1.预算执行率=预算执行数/调整后预算数', expected what it asks for typed in its place",
    ]


@pytest.mark.parametrize(
    ("cells", "problem"),
    [
        pytest.param(
            {"F12": "3O"},
            f"{SHEET}!F12 (安可替代终端数) 度量单位: got '3O', expected a unit (%, 万元, 次, 人 …) "
            "or blank",
            id="a-unit-that-is-no-unit",
        ),
        pytest.param(
            {"E13": "1OO"},
            f"{SHEET}!E13 (验收合格率) 指标值: got '1OO', expected a number with a unit",
            id="a-letter-inside-a-target",
        ),
        pytest.param(
            {"D14": "约"},
            f"{SHEET}!D14 (成本控制数) 指标性质: got '约', expected =, ≥, ≤, >, <, 定性 or 定量",
            id="an-operator-that-is-none",
        ),
        pytest.param(
            {"C12": "安可\u202e替代"},
            f"{SHEET}!C12: got '安可\\u202e替代', expected the text of a cell without control or "
            "format characters other than line breaks and tabs — character 3 is U+202E",
            id="a-control-character",
        ),
    ],
)
def test_each_damaged_cell_is_one_line(admin, sichuan_form, cells, problem: str) -> None:
    spoil(sichuan_form, **cells)
    lines = refused(admin, sichuan_form)
    assert lines[0] == f"error: {sichuan_form} rejected, nothing recorded, 1 problem:", lines
    assert lines[1].startswith(f"  - {problem}")
    assert "None" not in lines[1] and "'none'" not in lines[1]


def test_a_bureau_adds_a_layout_with_a_file(admin, jixiao, tmp_path, monkeypatch) -> None:
    own = tmp_path / "layouts"
    own.mkdir()
    text = (BUNDLED / "sichuan-510000.yaml").read_text(encoding="utf-8")
    (own / "mianyang.yaml").write_text(
        text.replace("name: sichuan-510000", "name: mianyang").replace(
            "    weight: [权重]\n    score: [得分]\n    deviation",
            "    weight: [指标分值]\n    score: [得分]\n    deviation",
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("JIXIAO_LAYOUTS", str(own))
    listed = json.loads(jixiao("admin", "layout", "list", "--json").stdout)
    assert [(r["name"], r["file"]) for r in listed][-1] == ("mianyang", str(own / "mianyang.yaml"))
    form = build_sichuan_form(tmp_path / "绵阳.xlsx")
    spoil(form, H11="指标分值")
    _, view = imported(admin, form)
    assert [i["weight"] for i in view["indicators"]] == ["10", "20", "20", "30", "10"]
    shown = json.loads(jixiao("admin", "layout", "show", "mianyang", "--json").stdout)
    assert shown["indicators"]["columns"]["weight"] == ["指标分值"]


@pytest.mark.parametrize("name", ["hunan", "a\x01b"])
def test_showing_a_layout_there_is_not_names_it_in_one_line(jixiao, name) -> None:
    out = jixiao("admin", "layout", "show", name)
    assert (out.exit_code, out.stdout) == (1, "")
    shown = name.replace("\x01", "\\x01")
    assert out.stderr == (
        f"error: layout: got '{shown}', expected one of chongqing-overall, national, "
        "seed-overall, sichuan-510000 (jixiao admin layout list)\n"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            ("name: bad", "name: other"),
            "name: got 'other', expected 'bad', the file's name",
            id="name-not-the-file",
        ),
        pytest.param(
            ("    initial: [年初预算, 年初预算数]", "    initail: [年初预算]"),
            "budget.columns.initail: got 'an unknown key', expected one of",
            id="unknown-role",
        ),
        pytest.param(
            ("    actual: [预算执行数]", "    actual: [年初预算]"),
            "budget.columns.actual: got '年初预算', expected a word no other role has (it heads "
            "initial)",
            id="a-word-for-two-roles",
        ),
        pytest.param(
            ("  header_rows: 1", "  header_rows: 3"),
            "budget.header_rows: got 3, expected 1 or 2",
            id="three-header-rows",
        ),
    ],
)
def test_a_bad_layout_file_is_one_line_naming_file_and_key(
    jixiao, tmp_path, monkeypatch, change, message: str
) -> None:
    own = tmp_path / "layouts"
    own.mkdir()
    text = (BUNDLED / "sichuan-510000.yaml").read_text(encoding="utf-8")
    text = text.replace("name: sichuan-510000", "name: bad")
    (own / "bad.yaml").write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    monkeypatch.setenv("JIXIAO_LAYOUTS", str(own))
    out = jixiao("admin", "layout", "list")
    assert out.exit_code == 1
    [line] = out.stderr.splitlines()
    assert line.startswith(f"error: layout file {own / 'bad.yaml'}: {message}")


def test_two_layouts_alike_are_a_refusal_not_a_guess(admin, sichuan_form, tmp_path, monkeypatch):
    own = tmp_path / "layouts"
    own.mkdir()
    shutil.copy(BUNDLED / "sichuan-510000.yaml", own / "sichuan-copy.yaml")
    text = (own / "sichuan-copy.yaml").read_text(encoding="utf-8")
    (own / "sichuan-copy.yaml").write_text(
        text.replace("name: sichuan-510000", "name: sichuan-copy"), encoding="utf-8"
    )
    monkeypatch.setenv("JIXIAO_LAYOUTS", str(own))
    assert refused(admin, sichuan_form) == [
        f"error: {sichuan_form}: sheet '{SHEET}' matches layouts sichuan-510000 and "
        "sichuan-copy alike, expected --layout NAME to say which"
    ]
    _, view = imported(admin, sichuan_form, "--layout", "sichuan-copy")
    assert len(view["indicators"]) == 5


@pytest.mark.parametrize(
    "named", ["219001-姑苏区红十字会", "姑苏区红十字会", "gusu-rc-姑苏区", "gusu-rc"]
)
def test_the_named_department_matches_by_name_or_code(admin, sichuan_form, named: str) -> None:
    spoil(sichuan_form, A3=f"主管部门：{named}")
    _, view = imported(admin, sichuan_form)
    assert view["department"] == "gusu-rc"


def test_a_sheet_naming_another_department_is_refused(admin, sichuan_form, mode: str) -> None:
    spoil(sichuan_form, A3="主管部门：219001-某某镇人民政府")
    assert refused(admin, sichuan_form)[1:] == [
        f"  - {SHEET}!A3 预算部门: department named: got '219001-某某镇人民政府', expected "
        "姑苏区红十字会 or gusu-rc (the department registered as gusu-rc, by name or code)"
    ]


def build_chongqing_form(path: Path) -> Path:
    """Chongqing's 部门整体 form: no 一级 / 二级 columns, 年初 and 调整 targets, core marks."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "整体支出自评表"
    for row in (
        ["部门整体支出绩效自评表（2021年度）"],
        ["部门名称：gusu-rc"],
        ["预算资金", "年初预算数", "全年(调整)预算数", "全年执行数", "执行率", "执行率权重",
         "执行率得分"],
        ["部门预算总额", 100, 110, 99, "90%", 10, 10],
        ["其中:基本支出", 80, 80, 80, "100%", "/", "/"],
        ["项目支出", 20, 30, 19, "63.3%", "/", "/"],
        ["指标名称", "计量单位", "指标性质", "年初指标值", "调整指标值", "全年完成值",
         "得分系数(%)", "指标权重(分)", "指标得分(分)", "是否核心指标"],
        ["救护培训人次", "人次", "定量", "≥2000", None, 2150, 100, 45, 45, "否"],
        ["群众满意度", "%", "定量", "≥90", "≥90", 95, 100, 45, 45, "否"],
        ["合计", None, None, None, None, None, None, 90, 91, None],
    ):  # fmt: skip
        sheet.append(row)
    workbook.save(path)
    return path


def test_the_chongqing_form_reads_a_flat_list_and_lists_printed_totals(admin, tmp_path) -> None:
    form = build_chongqing_form(tmp_path / "重庆.xlsx")
    stdout, view = imported(admin, form)
    rows = view["budget"]["rows"]
    # 「其中:」 with an ASCII colon opens the level below, as 「其中：」 does.
    assert [(r["name"], r["depth"], r["adjustments"], r["total"]) for r in rows] == [
        ("部门预算总额", 0, "10", "110"),
        ("基本支出", 1, "0", "80"),
        ("项目支出", 1, "10", "30"),
    ]
    indicators = view["indicators"]
    assert [
        (i["category"], i["name"], i["target"]["raw"], i["actual"]["normalised"], i["weight"])
        for i in indicators
    ] == [
        ("部门整体绩效指标", "救护培训人次", "≥2000 人次", "2150 人次", "45"),
        ("部门整体绩效指标", "群众满意度", "≥90%", "95%", "45"),
    ]
    # Each 指标得分 is recorded as typed; the printed totals are compared, never recorded.
    assert [i["score"] for i in indicators] == ["45", "45"]
    assert stdout.splitlines()[1:] == [
        "2 printed figures disagree with jixiao's (the typed figures are recorded, the printed "
        "ones are not):",
        "  - 整体支出自评表!G4 (部门预算总额) 执行率得分: printed '10', jixiao computes 9 = "
        "min(执行率, 100%) × 执行率权重 10",
        "  - 整体支出自评表!I10 (合计) 指标得分: printed '91', jixiao computes 90 = the sum of "
        "the column",
    ]


def test_chongqing_adjusted_targets_and_core_marks_are_recorded(admin, tmp_path) -> None:
    form = spoil(build_chongqing_form(tmp_path / "重庆.xlsx"), E8="≥1800", J9="是")
    _, view = imported(admin, form)
    trained, satisfied = view["indicators"]
    # 调整指标值 other than the 年初指标值: the target changed during the year, with the
    # 年初指标值 kept; the same value (≥90 beside ≥90) changes nothing.
    assert (trained["initial_target"]["raw"], trained["target"]["raw"]) == (
        "≥2000 人次",
        "≥1800 人次",
    )
    assert trained["adjustment_reason"] == "自评价表导入"
    assert satisfied["initial_target"] is None
    assert (trained["core"], satisfied["core"]) == (False, True)
    exported = yaml.safe_load(admin("report", "export", *KEY, user="zhang.san").stdout)
    assert exported["indicators"][0]["target"] == "≥2000 人次"
    assert exported["indicators"][0]["adjusted_target"] == "≥1800 人次"
    assert exported["indicators"][1]["core"] is True


@pytest.mark.parametrize(
    ("cells", "problem"),
    [
        pytest.param(
            {"E8": "≤1800"},
            "整体支出自评表!E8 (救护培训人次): indicator 救护培训人次 调整指标值: got '≤1800', "
            "expected a bare number or the comparison ≥ of the target '≥2000 人次' (an "
            "adjustment changes the value, not the comparison)",
            id="an-adjusted-target-of-another-comparison",
        ),
        pytest.param(
            {"J9": "也许"},
            "整体支出自评表!J9 (群众满意度) 是否核心指标: got '也许', expected 是, 否 or blank",
            id="a-core-mark-that-is-none",
        ),
    ],
)
def test_chongqing_columns_that_say_nothing_clear_are_refused(
    admin, tmp_path, cells, problem: str
) -> None:
    form = spoil(build_chongqing_form(tmp_path / "重庆.xlsx"), **cells)
    lines = refused(admin, form)
    assert lines[0] == f"error: {form} rejected, nothing recorded, 1 problem:", lines
    assert lines[1] == f"  - {problem}"


def test_a_categorys_printed_points_are_compared_with_its_weights(admin, sichuan_form) -> None:
    spoil(sichuan_form, A12="产出指标（60分）")
    out = admin("report", "import", str(sichuan_form), *KEY, "--check", user="zhang.san")
    assert out.exit_code == 0, out.stderr
    assert out.stdout.splitlines()[1:] == [
        ONE_DISAGREEMENT,
        f"  - {SHEET}!A12 (产出指标): printed 60 points, jixiao computes 50 = the sum of its "
        "indicators' weights",
    ]


TWO_ROW_LAYOUT = """
name: two-rows
title: a form whose budget header spans two rows
kind: overall
department: [主管部门]
budget:
  header_rows: 2
  columns:
    initial: [年初预算]
    full_year: [调整后预算数]
    actual: [预算执行数]
    execution_rate: [预算执行率]
indicators:
  header_rows: 1
  columns:
    category: [一级指标]
    name: [三级指标]
    target: [指标值]
    actual: [完成值]
    weight: [权重]
"""


def test_a_header_spanning_two_rows_with_merged_cells(admin, tmp_path, monkeypatch) -> None:
    own = tmp_path / "layouts"
    own.mkdir()
    (own / "two-rows.yaml").write_text(TWO_ROW_LAYOUT, encoding="utf-8")
    monkeypatch.setenv("JIXIAO_LAYOUTS", str(own))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "自评表"
    sheet["A1"] = "（2021年度）"
    # 资金 merged down both header rows, 年度预算数（万元） spread over three columns above
    # 年初预算 / 调整后预算数 / 预算执行数, 预算执行率 merged down.
    fill(sheet, 2, 1, [["资金", "年度预算数（万元）", None, None, "预算执行率"]])
    fill(sheet, 3, 2, [["年初预算", "调整后预算数", "预算执行数"]])
    for merged in ("A2:A3", "B2:D2", "E2:E3"):
        sheet.merge_cells(merged)
    fill(
        sheet,
        4,
        1,
        [["总额", 10, 12, 12, "100%"], [], ["一级指标", "三级指标", "指标值", "完成值", "权重"]],
    )
    fill(sheet, 7, 1, [["产出指标", "培训场次", "≥12 场", "12 场", 10]])
    path = tmp_path / "两行表头.xlsx"
    workbook.save(path)
    assert checked_by(admin, path) == ("two-rows", [])
    assert checked_by(admin, path) == ("two-rows", [])
    stdout, view = imported(admin, path)
    (line,) = view["budget"]["rows"]
    assert (line["initial"], line["adjustments"], line["total"], line["actual"]) == (
        "10",
        "2",
        "12",
        "12",
    )
    assert [(i["name"], i["weight"]) for i in view["indicators"]] == [("培训场次", "10")]
    assert "disagree" not in stdout


def test_two_columns_heading_one_role_is_a_refusal_not_a_guess(admin, sichuan_form) -> None:
    spoil(sichuan_form, K11="权重", K12=5)
    assert refused(admin, sichuan_form)[1:] == [
        f"  - sheet {SHEET} row 11 column K '权重': heads weight like column H '权重' in layout "
        "sichuan-510000, expected one column for it",
    ]


@pytest.mark.parametrize(
    ("cells", "problem"),
    [
        ({"B5": "3.O"}, f"{SHEET}!B5 (总额): line 总额 年初预算数: got '3.O', expected an amount"),
        ({"C6": "3.3б"}, f"{SHEET}!C6 (财政资金) 调整后预算数: got '3.3б', expected an amount"),
        (
            {"E5": "l00%"},
            f"{SHEET}!E5 (总额) 预算执行率: got 'l00%', expected a rate such as 100.0%",
        ),
        ({"G5": "十"}, f"{SHEET}!G5 (总额) 得分: got '十', expected a score such as 10"),
    ],
    ids=["initial", "adjusted-budget", "rate", "score"],
)
def test_a_damaged_budget_cell_is_one_line(admin, sichuan_form, cells, problem: str) -> None:
    spoil(sichuan_form, **cells)
    lines = refused(admin, sichuan_form)
    assert lines[0] == f"error: {sichuan_form} rejected, nothing recorded, 1 problem:", lines
    assert lines[1].startswith(f"  - {problem}")


def test_a_header_two_roles_match_is_a_refusal_not_a_guess(
    admin, sichuan_form, tmp_path, monkeypatch
) -> None:
    own = tmp_path / "layouts"
    own.mkdir()
    text = (BUNDLED / "sichuan-510000.yaml").read_text(encoding="utf-8")
    (own / "loose.yaml").write_text(
        text.replace("name: sichuan-510000", "name: loose").replace("偏差原因*", "得*"),
        encoding="utf-8",
    )
    monkeypatch.setenv("JIXIAO_LAYOUTS", str(own))
    assert refused(admin, sichuan_form, "--layout", "loose")[1:] == [
        f"  - sheet {SHEET} row 11 column I '得分': could head score or deviation_reason in "
        "layout loose, expected words of one column only",
    ]
