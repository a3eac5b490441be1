"""Rendering 项目支出 reports: the national 项目支出绩效自评表 in every format, its figures read
back, the file names, verification from the log, and the 部门整体 report listing the
department's project reports as they stood at its own sign-off."""

from __future__ import annotations

import io
import subprocess
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pytest

from cli.seed_file import project_commands
from projections.migrations import open_store
from projections.report_view import report_view
from tests.seed import DEPARTMENT_CODE, YEAR
from tests.worker.html_reading import read_tables
from tests.worker.signed_off import (
    PROJECT_KEY,
    Office,
    open_office,
    prepare,
    sign_off,
    sign_off_project,
)
from tests.worker.test_documents import NAMES, SIGNED_AT
from tests.workflow.report_builders import KEY, PREPARER, run_all
from tests.workflow.world import NOW
from worker.document import Provenance
from worker.project_form import FORM_TITLE
from worker.render import FORMATS, render_documents, render_revision
from worker.verify import verify_file, verify_rendering
from workflow.commands import OpenReport, SetExecutionScore, SetIndicatorScore
from workflow.report import ReportState
from workflow.schemes import load_scheme
from workflow.service import execute


@pytest.fixture
def office(tmp_path: Path) -> Office:
    return open_office(open_store(f"sqlite:///{tmp_path / 'jixiao.db'}", create=True))


def test_a_project_report_renders_the_national_form_in_every_format(
    office: Office, tmp_path: Path
) -> None:
    sign_off_project(office)
    out = tmp_path / "out"
    outcome = render_revision(office.store, DEPARTMENT_CODE, YEAR, 1, out_dir=out, project="homes")
    paths = {a.format: Path(a.path) for a in outcome.artifacts}
    assert sorted(paths) == sorted(FORMATS)
    assert all(p.name.startswith("gusu-rc-2021@homes-r1-") for p in paths.values())
    tables = read_tables(paths["html"].read_text(encoding="utf-8"))
    funds, indicators = tables["project-table"], tables["indicator-table"]
    assert funds[0] == ["项目名称"] * 2 + ["博爱家园建设"] * 6
    # The default scheme does not score: 分值 and 得分 are printed blank.
    assert funds[3] == ["项目资金（万元）", "年度资金总额", "8.00", "3.20", "3.20", "", "100.0", ""]
    assert funds[4][1] == "其中：当年财政拨款"
    assert funds[-1][1].startswith("新建红十字博爱家园") and funds[-1][4].startswith("在原有")
    assert [row[2] for row in indicators[1:4]] == [
        "新建博爱家园数量",
        "开展博爱家园项目",
        "博爱家园街道覆盖率",
    ]
    assert indicators[1][:2] == ["产出指标", "数量指标"]
    assert [row[0] for row in indicators[-4:]] == ["总分", "评价结论", "存在问题", "改进措施"]
    sheet = openpyxl.load_workbook(paths["xlsx"]).active
    assert sheet is not None and sheet["A1"].value == FORM_TITLE
    total = next(r for r in sheet.iter_rows(values_only=True) if r[1] == "年度资金总额")
    assert [Decimal(str(v)) for v in total[2:5]] == [Decimal("8"), Decimal("3.2"), Decimal("3.2")]
    text = subprocess.run(
        ["pdftotext", "-layout", str(paths["pdf"]), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert FORM_TITLE in text and "博爱家园建设" in text and "年度资金总额" in text
    checked = verify_rendering(office.store, DEPARTMENT_CODE, YEAR, project="homes")
    assert checked.ok, [c.problems for c in checked.checks]
    assert verify_file(office.store, paths["xlsx"]).report == "report:gusu-rc:2021:homes"
    again = render_revision(office.store, DEPARTMENT_CODE, YEAR, 1, out_dir=out, project="homes")
    assert not again.recorded and again.artifacts == outcome.artifacts


def test_the_department_report_lists_its_project_reports_as_at_its_sign_off(
    office: Office, tmp_path: Path
) -> None:
    prepare(office)
    sign_off_project(office)
    sign_off(office)
    # A project opened after the 整体 report was signed off is not in its documents.
    late = OpenReport(**{**PROJECT_KEY, "project_code": "late"}, project_name="后来的项目")
    execute(office.store, office.preparer, late, now=NOW)
    out = tmp_path / "out"
    outcome = render_revision(
        office.store, DEPARTMENT_CODE, YEAR, 1, out_dir=out, formats=("html", "xlsx", "docx")
    )
    html = next(Path(a.path) for a in outcome.artifacts if a.format == "html")
    listing = read_tables(html.read_text(encoding="utf-8"))["project-list"]
    assert listing == [
        ["项目编码", "项目名称", "全年预算数", "全年执行数", "执行率（%）", "报告状态"],
        ["homes", "博爱家园建设", "3.20", "3.20", "100.0", "已会签（第 1 版）"],
    ]
    checked = verify_rendering(office.store, DEPARTMENT_CODE, YEAR)
    assert checked.ok, [c.problems for c in checked.checks]


def test_a_project_forms_typed_scores_print_with_the_rules_figure_where_they_differ() -> None:
    scheme = load_scheme("national-10-90")
    key = {**KEY, "project_code": "homes"}
    steps = [
        *((c, PREPARER) for c in project_commands()),
        (SetIndicatorScore(**key, indicator="d11", score="1"), PREPARER),
        (SetIndicatorScore(**key, indicator="d12", score="30"), PREPARER),
        (SetExecutionScore(**key, score="9"), PREPARER),
    ]
    view = report_view(run_all(ReportState(), steps, scheme))
    provenance = Provenance(
        f"report:{DEPARTMENT_CODE}:{YEAR}:homes",
        1,
        SIGNED_AT,
        ("li.si", "wang.wu"),
        "t0",
        NAMES,
        "Asia/Shanghai",
    )
    documents = render_documents(view, provenance)
    tables = read_tables(documents["html"].decode())
    # 年度资金总额 carries 预算执行率's points: typed 9 where the rule gives 10.
    assert tables["project-table"][3][-3:] == ["10.00", "100.0", "9.00（规则 10.00）"]
    rows = {row[2]: row for row in tables["indicator-table"][1:4]}
    # d11 typed 1 where the rule gives 30; d12 typed what the rule gives: no second figure.
    assert rows["新建博爱家园数量"][5:7] == ["30.00", "1.00（规则 30.00）"]
    assert rows["开展博爱家园项目"][5:7] == ["30.00", "30.00"]
    word = docx.Document(io.BytesIO(documents["docx"]))
    printed = {c.text for table in word.tables for row in table.rows for c in row.cells}
    assert {"9.00（规则 10.00）", "1.00（规则 30.00）"} <= printed
