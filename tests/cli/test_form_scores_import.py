"""Importing a form's typed 得分, 指标性质 and 度量单位 under a scoring scheme: each recorded as
typed, the rule's figure beside it, refusals named by cell (openpyxl-built sheets)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import on_administration
from tests.cli.test_indicator_fields import KEY, open_national_year
from tests.cli.test_layout_files import SHEET, build_sichuan_form, spoil


@on_administration
def national(run):
    """Fiscal year 2022 opened under the national scheme."""
    open_national_year(run)


@pytest.fixture
def form(tmp_path: Path) -> Path:
    """The Sichuan form of tests/cli/test_layout_files.py, for 2022."""
    return spoil(
        build_sichuan_form(tmp_path / "四川自评表.xlsx"),
        A1="部门预算项目支出绩效自评表（2022年度）",
    )


def _import(run, path: Path):
    return run("report", "import", str(path), *KEY, user="zhang.san")


def _view(run) -> dict:
    return json.loads(run("report", "show", *KEY, "--json", user="zhang.san").stdout)


def test_typed_scores_natures_and_units_are_recorded(national, form) -> None:
    out = _import(national, form)
    assert out.exit_code == 0, out.stderr
    view = _view(national)
    indicators = view["indicators"]
    assert [(i["nature"], i["unit"], i["score"]) for i in indicators] == [
        ("≥", "台", "10"),
        ("=", "%", "20"),
        ("≤", "万元", "20"),
        ("定性", None, "28"),
        ("≥", "%", "10"),
    ]
    score = view["score"]
    # 总额's 得分 is the preparer's too; the 28 of a qualitative target met is within its band
    # (80–100% of 30): no difference, and the totals are jixiao's own.
    assert (score["budget_typed"], score["budget_points"]) == ("10", "10.00")
    assert [s["rule"] for s in score["indicators"]] == [None, None, None, "24–30", None]
    assert score["differences"] == []
    assert (score["total"], score["rule_total"], score["grade"]) == ("98.00", "100.00", "优")


def test_a_deduction_is_recorded_and_listed_for_the_reviewer(national, form) -> None:
    spoil(form, I12=9, I17=87)
    out = _import(national, form)
    assert out.exit_code == 0, out.stderr
    assert _view(national)["score"]["differences"] == [
        "indicator i01 安可替代终端数 得分: typed 9, the rule gives 10 (met, 分值 10)"
    ]
    shown = national("report", "show", *KEY, user="zhang.san").stdout
    assert shown.endswith(
        "notice: indicator i01 安可替代终端数 得分: typed 9, the rule gives 10 (met, 分值 10)\n"
    )


@pytest.mark.parametrize(
    ("cells", "problem"),
    [
        pytest.param(
            {"I15": 20},
            f"{SHEET}!I15 (信息安全水平): indicator 信息安全水平 得分: got '20', expected 24–30 of "
            "its 分值 30 (达成年度指标: the target is met)",
            id="outside-the-qualitative-band",
        ),
        pytest.param(
            {"I12": 12},
            f"{SHEET}!I12 (安可替代终端数): indicator 安可替代终端数 得分: got '12', expected at "
            "most its 分值 10",
            id="above-its-points",
        ),
        pytest.param(
            {"I13": "2O"},
            f"{SHEET}!I13 (验收合格率): indicator 验收合格率 得分: got '2O', expected a number of "
            "points >= 0 (at most 2 decimals)",
            id="a-letter-inside-a-score",
        ),
        pytest.param(
            {"D12": "定性"},
            f"{SHEET}!D12 (安可替代终端数) 指标性质: got '定性', expected 定量 or a comparison "
            "(=, ≥, ≤, >, <): the target '30 台' is a number",
            id="a-nature-the-target-contradicts",
        ),
    ],
)
def test_scores_the_rules_do_not_allow_are_refused_by_cell(national, form, cells, problem) -> None:
    spoil(form, **cells)
    out = _import(national, form)
    assert out.exit_code == 1
    lines = out.stderr.splitlines()
    assert lines[0] == f"error: {form} rejected, nothing recorded, 1 problem:", lines
    assert lines[1] == f"  - {problem}"
    assert national("report", "show", *KEY, user="zhang.san").exit_code == 1
