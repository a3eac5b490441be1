"""Submission checks: the full list of problems, each naming its item; nothing recorded."""

from __future__ import annotations

import pytest

from tests.workflow.report_builders import KEY, PREPARER, context, run_all, seed_draft
from tests.workflow.world import NOW, World
from workflow.checks import submission_problems
from workflow.commands import (
    AddIndicator,
    OpenReport,
    RecordActualSpending,
    RecordIndicatorActual,
    SetInitialBudget,
    SubmitReport,
)
from workflow.decisions import decide
from workflow.errors import SubmissionBlocked
from workflow.report import ReportState
from workflow.service import execute


def test_the_seed_passes_every_check() -> None:
    assert submission_problems(seed_draft()) == []


def test_failing_checks_block_submission_with_every_problem(seeded: World) -> None:
    for command in (
        SetInitialBudget(**KEY, line="project", amount="39.00"),
        RecordActualSpending(**KEY, line="total", amount="279.80"),
        RecordIndicatorActual(**KEY, indicator="d10", actual="1018人", deviation_reason=""),
        RecordIndicatorActual(**KEY, indicator="m03", actual="7.6%", deviation_reason="……"),
        AddIndicator(**KEY, indicator="x1", category="部门管理", name="新指标", target="≥1 个"),
    ):
        execute(seeded.store, seeded.preparer, command)
    before = len(seeded.store.rows)
    with pytest.raises(SubmissionBlocked) as caught:
        execute(seeded.store, seeded.preparer, SubmitReport(**KEY), now=NOW)
    assert caught.value.problems == [
        "line 预算资金总额 实际支出数: typed 279.80, expected 279.08, the sum of its children",
        "line 项目支出 年初预算数: typed 39.00, expected 39.25, the sum of its children",
        "indicator 预算调整率 偏差原因分析: got '……', expected a reason (the actual '7.6%' is "
        "missed against the target '0%')",
        "indicator 遗体（器官）捐献登记 偏差原因分析: got '', expected a reason (the actual "
        "'1018人' is overshot against the target '200 人')",
        "indicator 新指标 指标完成值: missing, expected the actual against '≥1 个' (or '/')",
    ]
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("report report:gusu-rc:2021 cannot be submitted, 5 problems: line ")
    assert len(seeded.store.rows) == before


def test_an_empty_report_lists_everything_missing() -> None:
    opened = run_all(ReportState(), [(OpenReport(**KEY), PREPARER)])
    problems = submission_problems(opened)
    assert problems[:3] == [
        "part 1 主要职能: missing, expected at least one function",
        "part 1 人员: missing, expected 编制 and 在职 staff by rank",
        "part 1 净资产: missing, expected an amount with its unit",
    ]
    assert "section 3.3 绩效信息公开情况: missing, expected its text" in problems
    assert problems[-2:] == [
        "budget table: empty, expected 预算资金总额 and its lines",
        "indicators: none, expected the 绩效指标 of the self-evaluation table",
    ]
    with pytest.raises(SubmissionBlocked, match=f"{len(problems)} problems"):
        decide(opened, SubmitReport(**KEY), PREPARER, context())


def test_leaf_lines_need_their_figures() -> None:
    from workflow.commands import AddBudgetLine

    state = run_all(
        seed_draft(),
        [(AddBudgetLine(**KEY, line="new", name="新项目", parent="project"), PREPARER)],
    )
    assert submission_problems(state) == [
        "line 新项目 年初预算数: missing, expected an amount",
        "line 新项目 实际支出数: missing, expected an amount",
    ]
