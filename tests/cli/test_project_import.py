"""A national 项目支出绩效自评表 imported into a 项目支出 report (`report import -p CODE`): the
tables as for any form, the parts around them into the project's fields, every cell placed
or named, `--check` first, and the export of the report read back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from events.store import EventStore
from tests.cli.conftest import KEY, Invoke
from tests.cli.sheets import fill
from worker.render import render_revision

SHEET = "项目支出绩效自评表"
PROJECT = (*KEY, "-p", "homes")
GOAL = "新建红十字博爱家园 4 家以上"
ACHIEVED = "新建 5 家，实现全覆盖"


def build_national_form(path: Path) -> Path:
    """The national form (财预〔2020〕10号) of 博爱家园建设, as a region's office fills it in:
    merged label cells, unused fund rows left blank, 年度总体目标 between the tables."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = SHEET
    fill_national_form(sheet)
    workbook.save(path)
    return path


def fill_national_form(sheet: Any, name: str = "博爱家园建设") -> None:
    """Write the form of :func:`build_national_form` into ``sheet``, for project ``name``."""
    sheet["A1"] = "项目支出绩效自评表"
    sheet.merge_cells("A1:H1")
    sheet["A2"] = "（2021年度）"
    sheet.merge_cells("A2:H2")
    fill(sheet, 3, 1, [["项目名称", name]])
    sheet.merge_cells("B3:H3")
    fill(
        sheet,
        4,
        1,
        [["主管部门", "姑苏区红十字会", None, None, "实施单位", None, "姑苏区红十字会"]],
    )
    sheet.merge_cells("B4:D4")
    sheet.merge_cells("E4:F4")
    sheet.merge_cells("G4:H4")
    fill(
        sheet,
        5,
        1,
        [
            [
                "项目资金（万元）",
                None,
                "年初预算数",
                "全年预算数",
                "全年执行数",
                "分值",
                "执行率",
                "得分",
            ],
            [None, "年度资金总额", 8, 3.2, 3.2, 10, "100%", 10],
            [None, "其中：当年财政拨款", 8, 3.2, 3.2],
            [None, "上年结转资金", 0, 0, 0],
            [None, "其他资金", 0, 0, 0],
        ],
    )
    sheet.merge_cells("A5:A9")
    fill(sheet, 10, 1, [["年度总体目标", "预期目标", None, None, "实际完成情况"]])
    fill(sheet, 11, 2, [[GOAL, None, None, ACHIEVED]])
    sheet.merge_cells("A10:A11")
    for row in (10, 11):
        sheet.merge_cells(f"B{row}:D{row}")
        sheet.merge_cells(f"E{row}:H{row}")
    fill(
        sheet,
        12,
        1,
        [
            ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
             "偏差原因分析及改进措施"],
            ["产出指标", "数量指标", "新建博爱家园数量", "4 个", "5 个", 50, 50],
            ["效益指标", "社会效益指标", "博爱家园街道覆盖率", "≥50%", "100%", 30, 30],
            ["满意度指标", "服务对象满意度指标", "受助者满意度", "≥90%", "100%", 10, 10],
            ["总分", None, None, None, None, 90, 90],
            ["评价结论", "项目年度目标全部完成"],
            ["存在问题", "年初预算编制偏宽"],
            ["改进措施", "细化项目预算"],
            ["项目负责人", "李四", None, None, "财务负责人", None, "王五"],
        ],
    )  # fmt: skip
    for row in (17, 18, 19):
        sheet.merge_cells(f"B{row}:H{row}")


def test_a_national_project_form_imports_into_a_project_report(
    admin: Invoke, tmp_path: Path
) -> None:
    path = build_national_form(tmp_path / "博爱家园建设.xlsx")
    out = admin("report", "import", str(path), *PROJECT, "--check", "--json", user="zhang.san")
    checked = json.loads(out.stdout)
    assert (checked["ok"], checked["report"], checked["layout"]) == (
        True,
        "gusu-rc/2021/homes",
        "national",
    )
    assert checked["by_command"]["SetProjectField"] == 7
    assert admin("report", "show", *PROJECT).exit_code == 1  # --check recorded nothing
    out = admin("report", "import", str(path), *PROJECT, user="zhang.san")
    assert out.exit_code == 0, out.stderr
    view = json.loads(admin("report", "show", *PROJECT, "--json").stdout)
    project = view["project"]
    assert (project["code"], project["name"], project["supervisor"], project["implementer"]) == (
        "homes",
        "博爱家园建设",
        "姑苏区红十字会",
        "姑苏区红十字会",
    )
    assert (project["goal"], project["achieved"]) == (GOAL, ACHIEVED)
    assert (project["conclusion"], project["problems"], project["improvements"]) == (
        "项目年度目标全部完成",
        "年初预算编制偏宽",
        "细化项目预算",
    )
    assert (project["project_lead"], project["finance_lead"]) == ("李四", "王五")
    total = view["budget"]["rows"][0]
    # 全年预算数 3.2 against 年初 8: one in-year adjustment of −4.8, never an adjustment of 3.2.
    assert (total["name"], total["initial"], total["total"], total["actual"]) == (
        "年度资金总额",
        "8",
        "3.2",
        "3.2",
    )
    assert [i["name"] for i in view["indicators"]] == [
        "新建博爱家园数量",
        "博爱家园街道覆盖率",
        "受助者满意度",
    ]
    # The 部门整体 report of the year is another report, not opened by this.
    assert admin("report", "show", *KEY).exit_code == 1
    assert admin("review", "submit", *PROJECT, user="zhang.san").exit_code == 0


def test_a_stray_cell_around_the_tables_and_a_missing_name_are_named(
    admin: Invoke, tmp_path: Path
) -> None:
    path = build_national_form(tmp_path / "博爱家园建设.xlsx")
    workbook = load_workbook(path)
    sheet = workbook.active
    assert sheet is not None
    sheet.unmerge_cells("B3:H3")
    sheet["B3"] = None
    sheet["C21"] = "多余"
    workbook.save(path)
    out = admin("report", "import", str(path), *PROJECT, user="zhang.san")
    assert out.exit_code == 1
    assert out.stderr.splitlines()[1:] == [
        f"  - sheet {SHEET} row 21 column C: not placed by the 项目支出 form (expected "
        "年度总体目标 or one of 项目名称, 主管部门, 实施单位, 评价结论, 存在问题, 改进措施, "
        "项目负责人, 财务负责人 with its value)",
        f"  - {SHEET}!A3: project homes 项目名称: got '', expected a non-blank text",
    ]
    assert admin("report", "show", *PROJECT).exit_code == 1


def test_a_report_file_names_its_project_itself(admin: Invoke) -> None:
    from cli.seed_file import PROJECT_FILE

    out = admin("report", "import", str(PROJECT_FILE), "-p", "other", user="zhang.san")
    assert out.exit_code == 1
    assert out.stderr == (
        f"error: --project: got 'other' for {PROJECT_FILE}, expected it only with a 自评价表 "
        "(.xlsx): a report file names its project itself (project.code)\n"
    )


def test_the_rendered_xlsx_of_a_project_report_imports_back_to_the_same_values(
    admin: Invoke, tmp_path: Path
) -> None:
    path = build_national_form(tmp_path / "博爱家园建设.xlsx")
    assert admin("report", "import", str(path), *PROJECT, user="zhang.san").exit_code == 0
    for args, user in (
        (("review", "submit", *PROJECT), "zhang.san"),
        (("review", "approve", *PROJECT), "li.si"),
        (("review", "approve", *PROJECT), "wang.wu"),
        (("review", "sign-off", *PROJECT), "li.si"),
        (("review", "sign-off", *PROJECT), "wang.wu"),
    ):
        assert admin(*args, user=user).exit_code == 0
    store = EventStore.open(admin.url)
    try:
        outcome = render_revision(
            store, "gusu-rc", 2021, 1, out_dir=tmp_path / "out", formats=("xlsx",), project="homes"
        )
    finally:
        store.close()
    (artifact,) = outcome.artifacts
    again = (*KEY, "-p", "homes-again")
    out = admin("report", "import", artifact.path, *again, user="zhang.san")
    assert out.exit_code == 0, out.stderr
    exported = [
        json.loads(admin("report", "show", *key, "--json").stdout) for key in (PROJECT, again)
    ]
    one, two = exported
    fields = ("name", "supervisor", "implementer", "goal", "achieved", "conclusion",
              "problems", "improvements", "project_lead", "finance_lead")  # fmt: skip
    assert [one["project"][f] for f in fields] == [two["project"][f] for f in fields]
    figures = ("name", "initial", "total", "actual")
    assert [[r[f] for f in figures] for r in one["budget"]["rows"]] == [
        [r[f] for f in figures] for r in two["budget"]["rows"]
    ]
    cells = ("category", "project", "name")
    assert [
        ([i[c] for c in cells], i["target"]["raw"], i["actual"]["raw"]) for i in one["indicators"]
    ] == [
        ([i[c] for c in cells], i["target"]["raw"], i["actual"]["raw"]) for i in two["indicators"]
    ]


def _book(path: Path, *projects: str) -> Path:
    """A workbook of a 部门整体 sheet (no 项目名称) and one national form per project name."""
    workbook = Workbook()
    overall = workbook.active
    assert overall is not None
    overall.title = "整体"
    for row in (
        ["（2021年度）"],
        ["资金", "年初预算数", "调整后预算数", "实际支出数", "预算执行率"],
        ["年度资金总额", 1.77, 3.45, 3.45, "100%"],
        ["一级指标", "三级指标", "指标值", "完成值", "权重"],
        ["产出指标", "补助人数", "≥100 人", "120 人", 100],
    ):
        overall.append(row)
    for name in projects:
        fill_national_form(workbook.create_sheet(name), name)
    workbook.save(path)
    return path


def test_a_workbook_of_several_reports_is_recorded_as_one_change(
    admin: Invoke, tmp_path: Path, mode: str
) -> None:
    path = _book(tmp_path / "book.xlsx", "博爱家园建设", "应急救护培训")
    both = ("-p", "homes", "-p", "training")
    out = admin("report", "import", str(path), *KEY, *both, "--check", "--json", user="zhang.san")
    assert out.exit_code == 0, out.stderr
    checked = json.loads(out.stdout)
    assert checked["reports"] == ["gusu-rc/2021", "gusu-rc/2021/homes", "gusu-rc/2021/training"]
    assert admin("report", "show", *KEY).exit_code == 1  # --check recorded nothing
    out = admin("report", "import", str(path), *KEY, *both, user="zhang.san")
    assert out.exit_code == 0, out.stderr
    for key, name in ((PROJECT, "博爱家园建设"), ((*KEY, "-p", "training"), "应急救护培训")):
        assert json.loads(admin("report", "show", *key, "--json").stdout)["project"]["name"] == name
    department = json.loads(admin("report", "show", *KEY, "--json").stdout)
    assert department["kind"] == "department" and department["budget"]["rows"][0]["total"] == "3.45"


def test_a_problem_in_any_sheet_refuses_the_whole_workbook(
    admin: Invoke, tmp_path: Path, mode: str
) -> None:
    path = _book(tmp_path / "book.xlsx", "博爱家园建设", "应急救护培训")
    workbook = load_workbook(path)
    workbook["应急救护培训"]["C6"] = "八"
    workbook.save(path)
    out = admin("report", "import", str(path), *KEY, "-p", "homes", "-p", "training",
                user="zhang.san")  # fmt: skip
    assert out.exit_code == 1
    assert "应急救护培训!C6" in out.stderr and "nothing recorded" in out.stderr
    for key in (KEY, PROJECT, (*KEY, "-p", "training")):
        assert admin("report", "show", *key).exit_code == 1


def test_the_sheets_and_the_codes_must_pair_up(admin: Invoke, tmp_path: Path) -> None:
    path = _book(tmp_path / "book.xlsx", "博爱家园建设", "应急救护培训")
    out = admin("report", "import", str(path), *PROJECT, user="zhang.san")
    assert out.exit_code == 1
    assert out.stderr == (
        f"error: {path}: 2 project sheets (博爱家园建设, 应急救护培训), expected as many -p CODE "
        "as project sheets, in their order (got 1: homes)\n"
    )


def test_a_sichuan_project_form_imports_into_a_project_report(
    admin: Invoke, tmp_path: Path
) -> None:
    from tests.cli.test_layout_files import build_sichuan_form, spoil

    path = build_sichuan_form(tmp_path / "四川自评表.xlsx")
    anke = (*KEY, "-p", "anke")
    out = admin("report", "import", str(path), *anke, "--check", user="zhang.san")
    assert out.exit_code == 0, out.stderr
    assert "disagree" not in out.stdout
    spoil(path, A10="绩效指标（80分）")
    out = admin("report", "import", str(path), *anke, user="zhang.san")
    assert out.exit_code == 0, out.stderr
    assert (
        f"{SHEET}!A10 (绩效指标): printed '80' points, jixiao computes 90 = the sum of its "
        "indicators' 分值"
    ) in out.stdout
    shown = json.loads(admin("report", "show", *anke, "--json").stdout)
    assert shown["project"]["name"] == "51092324T000010263357-2021年全区安可替代补助资金项目"
    assert [i["weight"] for i in shown["indicators"]] == ["10", "20", "20", "30", "10"]
    assert shown["budget"]["rows"][0]["total"] == "3.36"
