"""Renaming and removing budget lines: the rules, the refusals, and the figures afterwards."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.workflow.report_builders import KEY, PREPARER, context, run, run_all, seed_draft
from tests.workflow.test_bad_input import rejected
from tests.workflow.world import NOW, World
from workflow.checks import submission_problems
from workflow.commands import (
    AddBudgetLine,
    OpenReport,
    RecordAdjustment,
    RemoveBudgetLine,
    RemoveIndicator,
    RenameBudgetLine,
    SetInitialBudget,
    SubmitReport,
)
from workflow.decisions import decide
from workflow.errors import DuplicateItem, InvalidValue, UnknownItem, WrongStage
from workflow.labels import COMMAND_LABELS, labelled
from workflow.report import ReportState
from workflow.report_events import BudgetLineRemoved, BudgetLineRenamed
from workflow.schemes import Denominator
from workflow.service import execute, load_report

SEED_LINES = (
    "total, basic, project, publicity, first-aid, rescue-team, it, humanitarian, homes, "
    "volunteers, schools, capacity"
)


def _figures(state: ReportState, line: str) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    row = state.table().figures(line)
    return row.initial, row.adjustments, row.higher_level, row.actual


# --- renaming ---------------------------------------------------------------------------


def test_a_rename_records_the_old_and_new_name_and_keeps_the_lines_figures(
    seeded: World,
) -> None:
    before = load_report(seeded.store, "gusu-rc", 2021).state
    command = RenameBudgetLine(
        **KEY, line="volunteers", name=" 志愿队伍建设 ", reason="与指标表一致"
    )
    (recorded,) = execute(seeded.store, seeded.preparer, command, now=NOW)
    assert recorded.event == BudgetLineRenamed(
        line="volunteers",
        name="志愿队伍建设",
        previous_name="志愿者队伍建设",
        reason="与指标表一致",
    )
    after = load_report(seeded.store, "gusu-rc", 2021).state
    line = after.table().get("volunteers")
    assert line is not None and line.name == "志愿队伍建设"
    assert line.model_copy(update={"name": "志愿者队伍建设"}) == before.table().get("volunteers")
    # Indicators point at the line by id, so they follow the rename untouched.
    assert [i.id for i in after.indicators if i.budget_line == "volunteers"] == ["d13", "d14"]
    assert _figures(after, "total") == _figures(before, "total")
    assert [r.line.name for r in after.table().rows()][9] == "志愿队伍建设"


def test_the_root_can_be_renamed_and_a_reason_is_optional() -> None:
    state = run(seed_draft(), RenameBudgetLine(**KEY, line="total", name="预算资金合计"), PREPARER)
    root = state.table().root()
    assert root is not None and (root.id, root.name) == ("total", "预算资金合计")
    blank = RenameBudgetLine(**KEY, line="it", name="信息化", reason="  ")
    assert run(seed_draft(), blank, PREPARER).table().get("it").name == "信息化"  # type: ignore[union-attr]
    (renamed,) = decide(seed_draft(), blank, PREPARER, context())
    assert isinstance(renamed, BudgetLineRenamed) and renamed.reason == ""


def test_a_name_freed_by_a_rename_can_be_taken_by_another_line() -> None:
    state = run_all(
        seed_draft(),
        [
            (RenameBudgetLine(**KEY, line="it", name="信息化建设（旧）"), PREPARER),
            (RenameBudgetLine(**KEY, line="capacity", name="信息化建设"), PREPARER),
        ],
    )
    assert state.table().get("capacity").name == "信息化建设"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("command", "error", "message"),
    [
        (
            RenameBudgetLine(**KEY, line="travel", name="差旅费"),
            UnknownItem,
            f"line 'travel': no such line in report report:gusu-rc:2021; expected one of "
            f"{SEED_LINES}",
        ),
        (
            RenameBudgetLine(**KEY, line="it", name=" "),
            InvalidValue,
            "line it name: got ' ', expected a non-blank text",
        ),
        (
            RenameBudgetLine(**KEY, line="it", name=" 信息化建设"),
            InvalidValue,
            "line it name: got '信息化建设', expected a name other than its current name "
            "信息化建设",
        ),
        (
            RenameBudgetLine(**KEY, line="it", name="基本支出"),
            DuplicateItem,
            "line it name: got '基本支出', expected a name no other line has; it is line "
            "basic's name",
        ),
    ],
    ids=["unknown line", "blank name", "same name", "another line's name"],
)
def test_rename_refusals_name_the_field_and_write_nothing(
    seeded: World, command: RenameBudgetLine, error: type, message: str
) -> None:
    rejected(seeded, seeded.preparer, command, error, message)


# --- removing ---------------------------------------------------------------------------


def test_removing_a_leaf_takes_its_figures_out_of_every_sum_and_rate(seeded: World) -> None:
    before = load_report(seeded.store, "gusu-rc", 2021).state
    command = RemoveBudgetLine(**KEY, line="capacity", reason="重复录入")
    (recorded,) = execute(seeded.store, seeded.preparer, command, now=NOW)
    assert recorded.event == BudgetLineRemoved(line="capacity", reason="重复录入")
    after = load_report(seeded.store, "gusu-rc", 2021).state
    assert after.table().get("capacity") is None
    assert "capacity" not in [r.line.id for r in after.table().rows()]
    leaf = Decimal("0.75")
    for parent in ("project", "total"):
        initial, adjustments, higher, actual = _figures(before, parent)
        assert _figures(after, parent) == (initial - leaf, adjustments, higher, actual - leaf)
    root = after.table().figures("total")
    assert (root.initial, root.total, root.actual) == (
        Decimal("299.34"),
        Decimal("278.33"),
        Decimal("278.33"),
    )
    assert root.execution_rate == 1
    rate = after.table().adjustment_rate(Denominator.INITIAL)
    assert rate == Decimal("22.81") / Decimal("299.34")
    # The typed parents still say 39.25 and 300.09: submission now names both.
    problems = submission_problems(after)
    assert (
        "line 项目支出 年初预算数: typed 39.25, expected 38.5, the sum of its children"
    ) in problems
    assert (
        "line 预算资金总额 实际支出数: typed 279.08, expected 278.33, the sum of its children"
    ) in problems


def test_removing_an_adjusted_leaf_recomputes_the_adjustment_rate_and_never_reuses_ids() -> None:
    draft = seed_draft()
    homes = draft.table().get("homes")
    assert homes is not None and [a.amount.raw for a in homes.adjustments] == ["-4.8"]
    state = run_all(
        draft,
        [
            (RemoveIndicator(**KEY, indicator="d11", reason="项目取消"), PREPARER),
            (RemoveIndicator(**KEY, indicator="d12", reason="项目取消"), PREPARER),
            (RemoveBudgetLine(**KEY, line="homes", reason="项目取消"), PREPARER),
        ],
    )
    root = state.table().figures("total")
    # 8 initial and -4.8 in-year adjustment gone: 292.09 and -18.01 are left.
    assert (root.initial, root.adjustments, root.total) == (
        Decimal("292.09"),
        Decimal("-18.01"),
        Decimal("275.88"),
    )
    assert state.table().adjustment_rate(Denominator.INITIAL) == Decimal("18.01") / Decimal(
        "292.09"
    )
    # Seven adjustments were recorded, the last (adj-7) on the removed line: counting the
    # adjustments still on lines would hand out adj-7 a second time.
    assert state.adjustments_recorded == 7
    cut = RecordAdjustment(**KEY, line="it", amount="-1", kind="in_year", reason="压缩预算")
    state = run(state, cut, PREPARER)
    assert [a.id for a in state.table().get("it").adjustments] == ["adj-8"]  # type: ignore[union-attr]
    ids = [a.id for line in state.lines for a in line.adjustments]
    assert len(ids) == len(set(ids)) == 7 and "adj-7" not in ids


@pytest.mark.parametrize(
    ("command", "error", "message"),
    [
        (
            RemoveBudgetLine(**KEY, line="travel", reason="录入错误"),
            UnknownItem,
            f"line 'travel': no such line in report report:gusu-rc:2021; expected one of "
            f"{SEED_LINES}",
        ),
        (
            RemoveBudgetLine(**KEY, line="capacity", reason=" "),
            InvalidValue,
            "line 部门能力建设 removal reason: got ' ', expected a non-blank text",
        ),
        (
            RemoveBudgetLine(**KEY, line="project", reason="录入错误"),
            InvalidValue,
            "line 项目支出 removal: got 'project', expected a line without child lines; remove "
            "its children first: publicity 红十字人道宣传工作, first-aid 群众性公益应急救护培训, "
            "rescue-team 应急救援志愿队伍打造, it 信息化建设, humanitarian 人道爱心任务, "
            "homes 博爱家园建设, volunteers 志愿者队伍建设, schools 校园红十字建设, "
            "capacity 部门能力建设",
        ),
        (
            RemoveBudgetLine(**KEY, line="total", reason="录入错误"),
            InvalidValue,
            "line 预算资金总额 removal: got 'total', expected a line without child lines (the "
            "root goes last); remove its children first: basic 基本支出, project 项目支出",
        ),
        (
            RemoveBudgetLine(**KEY, line="homes", reason="录入错误"),
            InvalidValue,
            "line 博爱家园建设 removal: got 'homes', expected a line no indicator measures; "
            "point them at another line first (jixiao report indicator line) or remove them: "
            "d11 新建博爱家园数量, d12 开展博爱家园项目",
        ),
    ],
    ids=["unknown line", "blank reason", "parent", "root with children", "measured"],
)
def test_removal_refusals_name_the_field_and_write_nothing(
    seeded: World, command: RemoveBudgetLine, error: type, message: str
) -> None:
    rejected(seeded, seeded.preparer, command, error, message)


def test_the_root_alone_can_be_removed_and_the_table_started_again(world: World) -> None:
    steps = [
        OpenReport(**KEY),
        AddBudgetLine(**KEY, line="total", name="预算资金合计"),
        SetInitialBudget(**KEY, line="total", amount="300.09"),
        RemoveBudgetLine(**KEY, line="total", reason="名称与表样不符"),
    ]
    for command in steps:
        execute(world.store, world.preparer, command, now=NOW)
    state = load_report(world.store, "gusu-rc", 2021).state
    assert state.lines == () and state.table().root() is None
    # The id and name are free again; the new line starts without the old one's figures.
    execute(world.store, world.preparer, AddBudgetLine(**KEY, line="total", name="预算资金合计"))
    line = load_report(world.store, "gusu-rc", 2021).state.table().get("total")
    assert line is not None and line.initial is None and line.parent is None


def test_renames_and_removals_are_content_edits_only_a_draft_accepts(seeded: World) -> None:
    execute(seeded.store, seeded.preparer, SubmitReport(**KEY), now=NOW)
    for command, name in (
        (RenameBudgetLine(**KEY, line="it", name="信息化"), "RenameBudgetLine"),
        (RemoveBudgetLine(**KEY, line="capacity", reason="重复录入"), "RemoveBudgetLine"),
    ):
        rejected(
            seeded,
            seeded.preparer,
            command,
            WrongStage,
            "report report:gusu-rc:2021 stage: got 已提交（submitted）, expected 草稿（draft） "
            f"for {labelled(name, COMMAND_LABELS)} by 填报人（preparer）",
        )
