"""Property tests: folding is deterministic, accepted commands keep the budget tree
consistent, rejected commands change nothing."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.model import Event
from tests.workflow.report_builders import KEY, PREPARER, context
from tests.workflow.world import NOW, make_world
from workflow.amounts import total
from workflow.commands import (
    AddBudgetLine,
    AddIndicator,
    CancelAdjustment,
    OpenReport,
    RecordActualSpending,
    RecordAdjustment,
    RecordIndicatorActual,
    RemoveBudgetLine,
    RemoveIndicator,
    RenameBudgetLine,
    ReportCommand,
    SetIndicatorLine,
    SetInitialBudget,
)
from workflow.decisions import SETTERS, decide
from workflow.errors import DomainError
from workflow.report import ReportState, fold
from workflow.service import execute, load_report

LINES = ["total", "basic", "project", "p1", "p2", "p3"]
amounts = st.one_of(
    st.decimals(min_value=-500, max_value=500, places=2, allow_nan=False).map(str),
    st.sampled_from(["0", "-0.5", "12.345", "1.2345", "两万", "", "1e3", "3 万元", "7元"]),
)
line_ids = st.sampled_from([*LINES, "nope"])
commands = st.one_of(
    st.builds(
        lambda line, parent: AddBudgetLine(**KEY, line=line, name=f"名{line}", parent=parent),
        line_ids,
        st.one_of(st.none(), line_ids),
    ),
    st.builds(lambda line, a: SetInitialBudget(**KEY, line=line, amount=a), line_ids, amounts),
    st.builds(
        lambda line, a, kind: RecordAdjustment(
            **KEY, line=line, amount=a, kind=kind, reason="调整"
        ),
        line_ids,
        amounts,
        st.sampled_from(["carry_over", "in_year", "higher_level", "bonus"]),
    ),
    st.builds(
        lambda line, n: CancelAdjustment(**KEY, line=line, adjustment=f"adj-{n}", reason="错"),
        line_ids,
        st.integers(1, 6),
    ),
    st.builds(lambda line, a: RecordActualSpending(**KEY, line=line, amount=a), line_ids, amounts),
    # Names drawn from the same few, so renames hit taken, current and blank names too.
    st.builds(
        lambda line, name: RenameBudgetLine(**KEY, line=line, name=name),
        line_ids,
        st.sampled_from([*(f"名{line}" for line in LINES), "新名", " "]),
    ),
    st.builds(
        lambda line, reason: RemoveBudgetLine(**KEY, line=line, reason=reason),
        line_ids,
        st.sampled_from(["录入错误", ""]),
    ),
    st.builds(
        lambda i, target, line: AddIndicator(
            **KEY, indicator=f"i{i}", category="c", name=f"n{i}", target=target, budget_line=line
        ),
        st.integers(1, 3),
        st.sampled_from(["2 场", "≥15%", "100&", "5 人人次", "规范", "0%"]),
        st.one_of(st.none(), line_ids),
    ),
    st.builds(
        lambda i: RemoveIndicator(**KEY, indicator=f"i{i}", reason="重复录入"), st.integers(1, 3)
    ),
    st.builds(
        lambda i, line: SetIndicatorLine(**KEY, indicator=f"i{i}", line=line),
        st.integers(1, 3),
        st.one_of(st.none(), line_ids),
    ),
    st.builds(
        lambda i, actual: RecordIndicatorActual(**KEY, indicator=f"i{i}", actual=actual),
        st.integers(1, 3),
        st.sampled_from(["3 场", "16%", "100&", "规范", "/", "1 个"]),
    ),
)

OPENED = fold(decide(ReportState(), OpenReport(**KEY), PREPARER, context()))


def _play(sequence: list[ReportCommand]) -> tuple[ReportState, list[Event], int]:
    state, events, rejected = OPENED, [], 0
    for command in sequence:
        try:
            new = decide(state, command, PREPARER, context())
        except DomainError:
            rejected += 1
            continue
        events.extend(new)
        state = fold(new, state)
    return state, events, rejected


def _assert_tree_consistent(state: ReportState) -> None:
    table = state.table()
    ids = [line.id for line in state.lines]
    assert len(ids) == len(set(ids))
    assert len({line.name for line in state.lines}) == len(ids)
    roots = [line for line in state.lines if line.parent is None]
    assert len(roots) == (1 if state.lines else 0)
    for line in state.lines:
        assert line.parent is None or line.parent in ids
        assert line.id not in set(table.ancestors(line.id))  # no cycles
        row = table.figures(line.id)
        assert row.total == row.initial + row.adjustments + row.higher_level
        kids = [table.figures(k.id) for k in table.children(line.id)]
        if kids:
            assert row.initial == total(k.initial for k in kids)
            assert row.adjustments == total(k.adjustments for k in kids)
            assert row.higher_level == total(k.higher_level for k in kids)
            assert row.actual == total(k.actual for k in kids)
        if line.initial is not None:
            assert line.initial.value >= 0
        for adjustment in line.adjustments:
            assert adjustment.amount.value != 0
    adjustment_ids = [a.id for line in state.lines for a in line.adjustments]
    assert len(adjustment_ids) == len(set(adjustment_ids))
    assert state.adjustments_recorded >= len(adjustment_ids)
    # Removal refuses a line an indicator measures: no indicator ever points nowhere.
    for indicator in state.indicators:
        assert indicator.budget_line is None or indicator.budget_line in ids
    rows = table.rows()
    assert len(rows) == len(ids)
    # A tree whose typed parents agree with their children reports no sum problems.
    if not any("typed" in p for p in table.problems()):
        for row in rows:
            for column, typed in row.line.typed().items():
                assert typed == row.column(column) or not table.children(row.line.id)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(commands, max_size=25))
def test_folding_is_deterministic_and_accepted_commands_keep_the_tree_consistent(
    sequence: list[ReportCommand],
) -> None:
    state, events, _ = _play(sequence)
    assert fold(events, OPENED) == state
    assert fold(events, OPENED) == fold(events, OPENED)
    assert ReportState.from_snapshot(state.to_snapshot()) == state
    # Any prefix folded then the rest gives the same state (folding is a left fold).
    middle = len(events) // 2
    assert fold(events[middle:], fold(events[:middle], OPENED)) == state
    _assert_tree_consistent(state)


@settings(max_examples=120, deadline=None)
@given(st.lists(commands, max_size=15), commands)
def test_a_rejected_command_leaves_state_unchanged(
    sequence: list[ReportCommand], extra: ReportCommand
) -> None:
    state, _, _ = _play(sequence)
    before = state.model_dump()
    try:
        events = decide(state, extra, PREPARER, context())
    except DomainError as error:
        assert "\n" not in str(error)
        assert state.model_dump() == before
    else:
        # Only a setter repeating what the report already says is accepted with no event.
        assert events or isinstance(extra, SETTERS), "an accepted command records an event"
        if not events:
            assert fold(events, state) == state
        assert fold(events, state).lines is not None


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(commands, min_size=1, max_size=12))
def test_a_rejected_command_appends_nothing_to_the_store(sequence: list[ReportCommand]) -> None:
    world = make_world()
    execute(world.store, world.preparer, OpenReport(**KEY), now=NOW)
    for command in sequence:
        before = (len(world.store.rows), len(world.store.outbox))
        try:
            recorded = execute(world.store, world.preparer, command, now=NOW)
        except DomainError:
            assert (len(world.store.rows), len(world.store.outbox)) == before
        else:
            assert len(world.store.rows) == before[0] + len(recorded)
    replayed = load_report(world.store, "gusu-rc", 2021).state
    _assert_tree_consistent(replayed)
    root = replayed.table().root()
    if root is not None:
        assert replayed.table().figures(root.id).initial >= Decimal(0)
