"""Pointing an indicator at another budget line: the rules, the refusals, and what follows."""

from __future__ import annotations

import pytest

from tests.workflow.report_builders import KEY, PREPARER, context, run, run_all, seed_draft
from tests.workflow.test_bad_input import rejected
from tests.workflow.test_budget_line_edits import SEED_LINES
from tests.workflow.world import NOW, World
from workflow.commands import RemoveBudgetLine, SetIndicatorLine, SubmitReport
from workflow.decisions import decide
from workflow.errors import InvalidValue, NotAuthorized, UnknownItem, WrongStage
from workflow.report_events import BudgetLineRemoved, IndicatorLineSet
from workflow.service import execute, load_report


def test_pointing_an_indicator_elsewhere_keeps_everything_else_about_it(seeded: World) -> None:
    before = load_report(seeded.store, "gusu-rc", 2021).state
    command = SetIndicatorLine(**KEY, indicator="d11", line="volunteers", reason=" 项目合并 ")
    (recorded,) = execute(seeded.store, seeded.preparer, command, now=NOW)
    assert recorded.event == IndicatorLineSet(
        indicator="d11", line="volunteers", previous_line="homes", reason="项目合并"
    )
    after = load_report(seeded.store, "gusu-rc", 2021).state
    moved = after.indicator("d11")
    assert moved is not None and moved.budget_line == "volunteers"
    # Target, actual, deviation and position stay: only the line changed.
    assert moved.model_copy(update={"budget_line": "homes"}) == before.indicator("d11")
    assert [i.id for i in after.indicators] == [i.id for i in before.indicators]
    assert [i.id for i in after.indicators if i.budget_line == "volunteers"] == [
        "d11",
        "d13",
        "d14",
    ]
    assert after.lines == before.lines


def test_detaching_needs_no_line_and_a_reason_is_optional() -> None:
    blank = SetIndicatorLine(**KEY, indicator="d15", reason="  ")
    (detached,) = decide(seed_draft(), blank, PREPARER, context())
    assert detached == IndicatorLineSet(indicator="d15", line=None, previous_line="schools")
    state = run(seed_draft(), blank, PREPARER)
    assert state.indicator("d15").budget_line is None  # type: ignore[union-attr]
    # An indicator that measured no line can be given one.
    attached = run(state, SetIndicatorLine(**KEY, indicator="m01", line="total"), PREPARER)
    assert attached.indicator("m01").budget_line == "total"  # type: ignore[union-attr]


def test_moving_the_indicators_off_a_line_lets_it_be_removed(seeded: World) -> None:
    steps = [
        SetIndicatorLine(**KEY, indicator="d11", line="volunteers", reason="项目合并"),
        SetIndicatorLine(**KEY, indicator="d12", reason="不再对应预算项目"),
        RemoveBudgetLine(**KEY, line="homes", reason="项目合并"),
    ]
    for command in steps:
        execute(seeded.store, seeded.preparer, command, now=NOW)
    state = load_report(seeded.store, "gusu-rc", 2021).state
    assert state.table().get("homes") is None
    assert [(i.id, i.budget_line) for i in state.indicators if i.id in ("d11", "d12")] == [
        ("d11", "volunteers"),
        ("d12", None),
    ]
    # No indicator is left pointing at the removed line.
    assert all(i.budget_line != "homes" for i in state.indicators)
    events = [r.event for r in seeded.store.read_stream("report:gusu-rc:2021")]
    assert events[-1] == BudgetLineRemoved(line="homes", reason="项目合并")


def test_moving_it_back_gives_the_indicator_as_it_was() -> None:
    state = run_all(
        seed_draft(),
        [
            (SetIndicatorLine(**KEY, indicator="d07", line="homes"), PREPARER),
            (SetIndicatorLine(**KEY, indicator="d07", line="humanitarian"), PREPARER),
        ],
    )
    assert state.indicator("d07") == seed_draft().indicator("d07")


@pytest.mark.parametrize(
    ("command", "error", "message"),
    [
        (
            SetIndicatorLine(**KEY, indicator="z99", line="homes"),
            UnknownItem,
            "indicator 'z99': no such indicator in report report:gusu-rc:2021",
        ),
        (
            SetIndicatorLine(**KEY, indicator="d11", line="travel"),
            UnknownItem,
            f"line 'travel': no such line in report report:gusu-rc:2021; expected one of "
            f"{SEED_LINES}",
        ),
        (
            SetIndicatorLine(**KEY, indicator="d11", line="homes", reason="核对"),
            InvalidValue,
            "indicator 新建博爱家园数量 budget_line: got 'homes', expected a line other than "
            "the one it already measures (homes 博爱家园建设)",
        ),
        (
            SetIndicatorLine(**KEY, indicator="m01"),
            InvalidValue,
            "indicator 预算编制规范性 budget_line: got 'none', expected a line id (it measures "
            "no line already)",
        ),
    ],
    ids=["unknown indicator", "unknown line", "same line", "already detached"],
)
def test_refusals_name_the_field_and_write_nothing(
    seeded: World, command: SetIndicatorLine, error: type, message: str
) -> None:
    rejected(seeded, seeded.preparer, command, error, message)


def test_a_line_measured_by_indicators_names_the_way_out(seeded: World) -> None:
    rejected(
        seeded,
        seeded.preparer,
        RemoveBudgetLine(**KEY, line="homes", reason="录入错误"),
        InvalidValue,
        "line 博爱家园建设 removal: got 'homes', expected a line no indicator measures; point "
        "them at another line first (jixiao report indicator line) or remove them: "
        "d11 新建博爱家园数量, d12 开展博爱家园项目",
    )


def test_it_is_a_content_edit_only_a_draft_accepts(seeded: World) -> None:
    execute(seeded.store, seeded.preparer, SubmitReport(**KEY), now=NOW)
    rejected(
        seeded,
        seeded.preparer,
        SetIndicatorLine(**KEY, indicator="d11", line="volunteers"),
        WrongStage,
        "report report:gusu-rc:2021 stage: got 已提交（submitted）, expected 草稿（draft） "
        "for 设置指标对应的预算项目（SetIndicatorLine） by 填报人（preparer）",
    )
    rejected(
        seeded,
        seeded.head,
        SetIndicatorLine(**KEY, indicator="d11", line="volunteers"),
        NotAuthorized,
        "user li.si role in department gusu-rc: got 部门负责人（department_head）, "
        "expected 填报人（preparer） to 设置指标对应的预算项目（SetIndicatorLine）",
    )
