"""Importing a 自评价表 spreadsheet laid out like the seed's table, cell problems by cell."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.styles import Alignment

from projections.report_view import report_view
from tests.cli.sheets import ONE_DISAGREEMENT
from tests.seed import BUDGET_LINES, DEPARTMENT_CODE, INDICATORS, YEAR
from tests.workflow.world import seeded_template
from worker.evaluation_table import evaluation_table
from worker.xlsx import render_xlsx
from workflow.service import load_report

KEY = ("-d", "gusu-rc", "-y", "2021")


@pytest.fixture
def seed_sheet(tmp_path: Path) -> Path:
    """The seed's 自评价表 as jixiao renders it."""
    view = report_view(load_report(seeded_template().store, DEPARTMENT_CODE, YEAR).state)
    table = evaluation_table(view, "姑苏区预算部门整体支出预算绩效自评价表")
    path = tmp_path / "自评价表.xlsx"
    path.write_bytes(render_xlsx(table, datetime(2022, 3, 1, tzinfo=UTC)))
    return path


def budget_row(sheet, name: str) -> int:
    return next(c.row for c in sheet["A"] if c.value and str(c.value).endswith(name))


def imported_view(admin, path: Path) -> dict:
    out = admin("report", "import", str(path), *KEY, user="zhang.san")
    assert out.exit_code == 0, out.stderr
    return json.loads(admin("report", "show", *KEY, "--json").stdout)


def test_the_seed_table_imports_with_every_figure(admin, seed_sheet: Path, mode: str) -> None:
    view = imported_view(admin, seed_sheet)
    rows = view["budget"]["rows"]
    assert [(r["name"], r["depth"]) for r in rows][:4] == [
        ("预算资金总额", 0),
        ("基本支出", 1),
        ("项目支出", 1),
        ("红十字人道宣传工作", 2),
    ]
    assert [(r["name"], r["total"], r["actual"], r["execution_rate"]) for r in rows] == [
        (line.name, line.total, line.actual, "100.0") for line in BUDGET_LINES
    ]
    assert view["budget"]["adjustment_rate"] == "7.6"
    assert [(i["name"], i["status"]) for i in view["indicators"]] == [
        (seed.name, seed.status) for seed in INDICATORS
    ]
    trail = json.loads(admin("audit", "trail", *KEY, "--json").stdout)
    assert {e["actor"] for e in trail} == {"zhang.san"}


def test_a_typed_sheet_without_indents_follows_the_forms_qi_zhong(admin, seed_sheet: Path) -> None:
    workbook = load_workbook(seed_sheet)
    sheet = workbook.active
    for cell in sheet["A"]:
        cell.alignment = Alignment(horizontal="left")
    workbook.save(seed_sheet)
    rows = imported_view(admin, seed_sheet)["budget"]["rows"]
    assert [r["depth"] for r in rows] == [0, 1, 1] + [2] * 9


def test_a_bad_sheet_is_refused_whole_with_every_cell_named(
    admin, seed_sheet: Path, mode: str
) -> None:
    workbook = load_workbook(seed_sheet)
    sheet = workbook.active
    publicity, humanitarian = (
        budget_row(sheet, "红十字人道宣传工作"),
        budget_row(sheet, "人道爱心任务"),
    )
    coverage = next(c.row for c in sheet["B"] if c.value == "博爱家园街道覆盖率")
    sheet.cell(row=publicity, column=2).value = "十二点五"
    sheet.cell(row=humanitarian, column=5).value = 7.9
    sheet.cell(row=coverage, column=5).value = "100&"
    workbook.save(seed_sheet)

    out = admin("report", "import", str(seed_sheet), *KEY, user="zhang.san")
    assert out.exit_code == 1
    lines = out.stderr.splitlines()
    # The printed 预算合计数 7.9 is no problem: it is compared, listed, never recorded.
    assert lines[0] == f"error: {seed_sheet} rejected, nothing recorded, 2 problems:"
    assert lines[1].startswith(f"  - 自评价表!B{publicity} (红十字人道宣传工作):")
    assert "'十二点五'" in lines[1]
    assert lines[2].startswith(f"  - 自评价表!E{coverage} (博爱家园街道覆盖率):")
    assert "did you mean '100%'?" in lines[2]
    assert admin("report", "show", *KEY).exit_code == 1


def test_a_printed_total_that_disagrees_is_listed_and_the_typed_figures_recorded(
    admin, seed_sheet: Path
) -> None:
    workbook = load_workbook(seed_sheet)
    humanitarian = budget_row(workbook.active, "人道爱心任务")
    workbook.active.cell(row=humanitarian, column=5).value = 7.9
    workbook.save(seed_sheet)

    checked = admin("report", "import", str(seed_sheet), *KEY, "--check", user="zhang.san")
    assert checked.exit_code == 0, checked.stderr
    assert checked.stdout.splitlines()[1:] == [
        ONE_DISAGREEMENT,
        f"  - 自评价表!E{humanitarian} (人道爱心任务) 预算合计数: printed '7.9', jixiao computes "
        "7.8 = 年初预算数 + 调整数 + 上级指标及其他",
    ]
    view = imported_view(admin, seed_sheet)
    line = next(r for r in view["budget"]["rows"] if r["name"] == "人道爱心任务")
    assert (line["initial"], line["higher_level"], line["total"]) == ("6", "1.8", "7.8")


def test_a_spreadsheet_needs_the_department_and_year(admin, seed_sheet: Path) -> None:
    out = admin("report", "import", str(seed_sheet), user="zhang.san")
    assert out.exit_code == 2
    assert "expected -d and -y" in out.stderr
    wrong_year = admin(
        "report", "import", str(seed_sheet), "-d", "gusu-rc", "-y", "2022", user="zhang.san"
    )
    assert wrong_year.exit_code == 1
    assert "年度: got '2021', expected 2022" in wrong_year.stderr


def test_check_lists_problems_without_recording(admin, seed_sheet: Path, mode: str) -> None:
    out = admin("report", "import", str(seed_sheet), *KEY, "--check", user="zhang.san")
    assert out.exit_code == 0, out.stderr
    assert "no problems" in out.stdout
    assert admin("report", "show", *KEY).exit_code == 1


@pytest.mark.parametrize(
    "content",
    [b"not a workbook", b"PK\x03\x04 a zip header and nothing else", b""],
    ids=["text", "truncated-zip", "empty"],
)
def test_a_damaged_workbook_is_one_line_and_nothing_recorded(
    admin, tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "自评价表.xlsx"
    path.write_bytes(content)
    out = admin("report", "import", str(path), *KEY, user="zhang.san")
    assert out.exit_code == 1
    assert "Traceback" not in out.stderr
    [line] = out.stderr.strip().splitlines()
    assert line.startswith(f"error: {path}: cannot be read as a workbook (")
    assert line.endswith("expected an .xlsx file saved by Excel, WPS or LibreOffice")
    assert admin("report", "show", *KEY).exit_code == 1
