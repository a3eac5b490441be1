"""The audit trail of the seed: who changed which figure, from what to what, and why."""

from __future__ import annotations

from datetime import timedelta

import pytest

from projections.audit_trail import audit_trail
from projections.runner import ProjectionRunner
from tests.projections.world import run
from tests.workflow.report_builders import KEY
from tests.workflow.world import World
from workflow.commands import (
    AdjustIndicatorTarget,
    CancelAdjustment,
    RecordAdjustment,
    RemoveBudgetLine,
    RenameBudgetLine,
    ReturnReport,
    SetExecutionScore,
    SetIndicatorLine,
    SetIndicatorScore,
    SetInitialBudget,
    SubmitReport,
)
from workflow.errors import UnknownItem


@pytest.fixture
def corrected(seeded: World, runner: ProjectionRunner) -> World:
    """The seed submitted, returned by the head, a figure corrected twice, resubmitted."""
    run(seeded, seeded.preparer, SubmitReport(**KEY))
    run(seeded, seeded.head, ReturnReport(**KEY, comment="基本支出请核对", items=("line:basic",)))
    run(seeded, seeded.preparer, SetInitialBudget(**KEY, line="basic", amount="261.84"))
    run(seeded, seeded.preparer, SetInitialBudget(**KEY, line="basic", amount="260.84"))
    run(seeded, seeded.preparer, SubmitReport(**KEY))
    runner.catch_up()
    return seeded


def test_one_row_per_report_event_with_its_position_and_hash(
    corrected: World, runner: ProjectionRunner
) -> None:
    rows = audit_trail(runner.engine, department="gusu-rc", year=2021)
    events = corrected.store.read_stream("report:gusu-rc:2021")
    assert [(r.position, r.hash, r.event_type) for r in rows] == [
        (e.position, e.hash, e.event_type) for e in events
    ]
    assert rows[0].field == "opened" and rows[0].after_value["scheme"] == "default"


def test_a_figure_typed_then_corrected_shows_before_and_after_raw_and_parsed(
    corrected: World, runner: ProjectionRunner
) -> None:
    basic = audit_trail(
        runner.engine, department="gusu-rc", year=2021, item_kind="line", item_id="basic"
    )
    initial = [r for r in basic if r.field == "initial"]
    assert [(r.before_raw, r.after_raw) for r in initial] == [
        (None, "260.84"),
        ("260.84", "261.84"),
        ("261.84", "260.84"),
    ]
    first, correction = initial[0], initial[1]
    assert first.before_value is None
    assert first.after_value == {"raw": "260.84", "unit": "万元", "value": "260.84"}
    assert correction.before_value["value"] == "260.84"
    assert correction.after_value["value"] == "261.84"
    assert (correction.actor, correction.role, correction.item_label) == (
        "zhang.san",
        "preparer",
        "基本支出",
    )
    assert correction.describe().endswith(
        "zhang.san (preparer) line 基本支出 initial: 260.84 → 261.84"
    )
    adjustment = next(r for r in basic if r.field.startswith("adjustment"))
    assert (adjustment.after_raw, adjustment.comment) == ("-18.01", "压缩预算")
    assert adjustment.after_value["kind"] == "in_year"


def test_indicator_rows_keep_the_typed_cell_and_the_reason(
    corrected: World, runner: ProjectionRunner
) -> None:
    rows = audit_trail(runner.engine, department="gusu-rc", year=2021, item_id="d10")
    target, actual = rows
    assert (target.field, target.after_raw) == ("target", "200 人")
    assert target.after_value["comparator"] == "="
    assert (actual.field, actual.before_raw, actual.after_raw) == ("actual", None, "1018人")
    assert actual.after_value["value"] == "1018" and actual.after_value["unit"] == "人"
    assert actual.comment == "实际报名人数多"
    assert actual.item_label == "遗体（器官）捐献登记"


def test_queries_by_user_and_by_date_range(corrected: World, runner: ProjectionRunner) -> None:
    (returned,) = audit_trail(runner.engine, user="li.si")
    assert (returned.event_type, returned.before_raw, returned.after_raw) == (
        "ReportReturned",
        "submitted",
        "draft",
    )
    assert returned.comment == "基本支出请核对 [line:basic]"
    window = audit_trail(
        runner.engine,
        since=returned.recorded_at,
        until=returned.recorded_at + timedelta(minutes=3),
    )
    assert [(r.actor, r.event_type) for r in window] == [
        ("li.si", "ReportReturned"),
        ("zhang.san", "InitialBudgetSet"),
        ("zhang.san", "InitialBudgetSet"),
    ]
    assert audit_trail(runner.engine, year=2021, limit=3) == audit_trail(runner.engine)[:3]
    assert audit_trail(runner.engine, year=2020) == []
    with pytest.raises(ValueError, match="expected a year with it"):
        audit_trail(runner.engine, department="gusu-rc")


def test_a_rename_and_a_removal_show_the_name_and_the_figures_before_with_the_reason(
    seeded: World, runner: ProjectionRunner
) -> None:
    run(
        seeded,
        seeded.preparer,
        RenameBudgetLine(**KEY, line="capacity", name="能力建设", reason="与预算批复一致"),
        RecordAdjustment(**KEY, line="capacity", amount="0.1", kind="in_year", reason="追加"),
        RecordAdjustment(**KEY, line="capacity", amount="-0.2", kind="in_year", reason="压缩"),
        CancelAdjustment(**KEY, line="capacity", adjustment="adj-8", reason="重复录入"),
        RemoveBudgetLine(**KEY, line="capacity", reason="并入基本支出"),
    )
    runner.catch_up()
    rows = audit_trail(
        runner.engine, department="gusu-rc", year=2021, item_kind="line", item_id="capacity"
    )
    assert [r.event_type for r in rows] == [
        "BudgetLineAdded",
        "InitialBudgetSet",
        "ActualSpendingRecorded",
        "BudgetLineRenamed",
        "AdjustmentRecorded",
        "AdjustmentRecorded",
        "AdjustmentCancelled",
        "BudgetLineRemoved",
    ]
    renamed, removed = rows[3], rows[-1]
    assert (renamed.item_label, renamed.field, renamed.comment) == (
        "能力建设",
        "name",
        "与预算批复一致",
    )
    assert (renamed.before_raw, renamed.after_raw) == ("部门能力建设", "能力建设")
    assert renamed.before_value == {"name": "部门能力建设"}
    assert renamed.after_value == {"name": "能力建设"}
    assert renamed.describe().endswith(
        "line 能力建设 name: 部门能力建设 → 能力建设 (与预算批复一致)"
    )
    # Removal: the figures as typed before, nothing after, the reason as the comment.
    assert (removed.item_label, removed.field, removed.comment) == (
        "能力建设",
        "removed",
        "并入基本支出",
    )
    assert removed.before_raw == "年初预算数 0.75; adj-9 -0.2; 实际支出数 0.75"
    assert (removed.after_raw, removed.after_value) == (None, None)
    before = removed.before_value
    assert (before["name"], before["parent"]) == ("能力建设", "project")
    assert before["initial"] == {"raw": "0.75", "unit": "万元", "value": "0.75"}
    assert before["actual"]["value"] == "0.75"
    assert [(a["id"], a["amount"], a["cancelled"]) for a in before["adjustments"]] == [
        ("adj-8", "0.1", "重复录入"),
        ("adj-9", "-0.2", None),
    ]
    assert removed.describe().endswith(
        "line 能力建设 removed: 年初预算数 0.75; adj-9 -0.2; 实际支出数 0.75 → — (并入基本支出)"
    )


def test_pointing_an_indicator_elsewhere_shows_both_lines_by_id_and_name_with_the_reason(
    seeded: World, runner: ProjectionRunner
) -> None:
    run(
        seeded,
        seeded.preparer,
        SetIndicatorLine(**KEY, indicator="d11", line="volunteers", reason="项目合并"),
        SetIndicatorLine(**KEY, indicator="d11"),
        SetIndicatorLine(**KEY, indicator="m01", line="basic"),
    )
    runner.catch_up()
    rows = audit_trail(
        runner.engine, department="gusu-rc", year=2021, item_kind="indicator", item_id="d11"
    )
    assert [r.event_type for r in rows] == [
        "IndicatorAdded",
        "IndicatorActualRecorded",
        "IndicatorLineSet",
        "IndicatorLineSet",
    ]
    moved, detached = rows[2], rows[3]
    assert (moved.item_label, moved.field, moved.comment) == (
        "新建博爱家园数量",
        "budget_line",
        "项目合并",
    )
    assert moved.before_raw == "homes 博爱家园建设"
    assert moved.after_raw == "volunteers 志愿者队伍建设"
    assert moved.before_value == {"line": "homes", "name": "博爱家园建设"}
    assert moved.after_value == {"line": "volunteers", "name": "志愿者队伍建设"}
    assert moved.describe().endswith(
        "indicator 新建博爱家园数量 budget_line: homes 博爱家园建设 → volunteers 志愿者队伍建设 "
        "(项目合并)"
    )
    # Detached without a reason: nothing after, no comment.
    assert (detached.before_raw, detached.after_raw, detached.after_value) == (
        "volunteers 志愿者队伍建设",
        None,
        None,
    )
    assert detached.comment is None
    assert detached.describe().endswith(
        "indicator 新建博爱家园数量 budget_line: volunteers 志愿者队伍建设 → —"
    )
    (attached,) = [
        r
        for r in audit_trail(runner.engine, department="gusu-rc", year=2021, item_id="m01")
        if r.event_type == "IndicatorLineSet"
    ]
    assert (attached.before_raw, attached.before_value) == (None, None)
    assert (attached.after_raw, attached.after_value) == (
        "basic 基本支出",
        {"line": "basic", "name": "基本支出"},
    )


def test_an_item_that_never_was_in_scope_is_refused_and_a_removed_one_keeps_its_history(
    seeded: World, runner: ProjectionRunner
) -> None:
    run(seeded, seeded.preparer, RemoveBudgetLine(**KEY, line="capacity", reason="并入基本支出"))
    runner.catch_up()
    report = {"department": "gusu-rc", "year": 2021}
    such_as = "such as line:basic, line:capacity, line:first-aid"

    def refusal(**query) -> str:
        with pytest.raises(UnknownItem) as refused:
            audit_trail(runner.engine, **query)
        return str(refused.value)

    assert refusal(**report, item_kind="line", item_id="typo") == (
        f"item: got 'line:typo', expected a line of report gusu-rc/2021 {such_as}"
    )
    assert refusal(**report, item_kind="line", item_id="home") == (
        f"item: got 'line:home', expected a line of report gusu-rc/2021 {such_as} "
        "— did you mean line:homes?"
    )
    assert refusal(**report, item_kind="line", item_id="d04") == (
        f"item: got 'line:d04', expected a line of report gusu-rc/2021 {such_as} "
        "— did you mean indicator:d04?"
    )
    assert refusal(year=2021, item_kind="indicator", item_id="b4") == (
        "item: got 'indicator:b4', expected an indicator of a 2021 report such as "
        "indicator:b01, indicator:b02, indicator:b03 — did you mean indicator:b04?"
    )
    assert refusal(year=2020, item_kind="line", item_id="homes") == (
        "item: got 'line:homes', expected a line of a 2020 report, and none was ever recorded"
    )
    assert refusal(item_id="nowhere").startswith(
        "item: got 'nowhere', expected an item of any report such as "
    )
    # Removed: its history is what an auditor asks for.
    removed = audit_trail(runner.engine, **report, item_kind="line", item_id="capacity")
    assert removed[-1].event_type == "BudgetLineRemoved"
    # Known, but nothing matches the other filters: an empty answer, not a refusal.
    homes = {"item_kind": "line", "item_id": "homes"}
    assert audit_trail(runner.engine, **report, **homes, user="li.si") == []


def test_a_target_changed_and_typed_scores_show_before_and_after_with_the_reason(
    seeded: World, runner: ProjectionRunner
) -> None:
    run(
        seeded,
        seeded.preparer,
        AdjustIndicatorTarget(**KEY, indicator="d03", target="3000", reason="年中追加培训任务"),
    )
    run(seeded, seeded.preparer, SetIndicatorScore(**KEY, indicator="d03", score="9"))
    run(seeded, seeded.preparer, SetIndicatorScore(**KEY, indicator="d03", score=""))
    run(seeded, seeded.preparer, SetExecutionScore(**KEY, score="10分"))
    runner.catch_up()
    rows = audit_trail(runner.engine, department="gusu-rc", year=2021, item_id="d03")
    adjusted, typed, cleared = rows[-3:]
    assert (adjusted.field, adjusted.before_raw, adjusted.after_raw, adjusted.comment) == (
        "target",
        "2400 人次",
        "3000 人次",
        "年中追加培训任务",
    )
    assert adjusted.after_value["value"] == "3000" and adjusted.after_value["unit"] == "人次"
    assert (typed.field, typed.before_raw, typed.after_raw) == ("score", None, "9")
    assert typed.after_value == {"value": "9", "raw": "9"}
    assert (cleared.before_raw, cleared.after_raw, cleared.after_value) == ("9", None, None)
    budget = audit_trail(runner.engine, department="gusu-rc", year=2021)[-1]
    assert (budget.field, budget.item_label, budget.after_raw) == (
        "execution_score",
        "预算执行率",
        "10分",
    )
    assert budget.after_value == {"value": "10", "raw": "10分"}
