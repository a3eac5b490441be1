"""The seed report (姑苏区红十字会 2021) entered through commands, end to end, figure by figure."""

from __future__ import annotations

import gc
from decimal import Decimal

from tests.seed import (
    ADJUSTMENT_RATE,
    BUDGET_LINES,
    DEPARTMENT_CODE,
    FUNCTIONS,
    INDICATORS,
    SECTIONS,
    YEAR,
)
from tests.workflow.report_builders import ARTIFACTS, KEY
from tests.workflow.world import NOW, World, enter_seed
from workflow.amounts import as_percent
from workflow.commands import (
    ApproveReport,
    PublishReport,
    ReopenReport,
    ReturnReport,
    SetInitialBudget,
    SignOffReport,
    SubmitReport,
)
from workflow.indicators import status
from workflow.service import execute, load_report, record_rendering
from workflow.stages import Stage
from workflow.targets import Comparator, IndicatorStatus, MeasureKind

STREAM = f"report:{DEPARTMENT_CODE}:{YEAR}"


def current(world: World):
    return load_report(world.store, DEPARTMENT_CODE, YEAR).state


def test_a_tables_rows_leave_no_cycle_for_the_garbage_collector(world: World) -> None:
    enter_seed(world)
    state = current(world)
    gc.collect()
    collecting = gc.isenabled()
    gc.disable()
    try:
        assert len(state.table().rows()) == len(BUDGET_LINES)
        # Everything the walk made is freed as it goes out of use: nothing is left that
        # only a collection finds (a web worker views a table on every change).
        assert gc.collect() == 0
    finally:
        if collecting:
            gc.enable()


def test_every_budget_line_total_and_rate_equals_the_seed(world: World) -> None:
    enter_seed(world)
    table = current(world).table()
    rows = {row.line.id: row for row in table.rows()}
    assert [row.line.id for row in table.rows()] == [line.id for line in BUDGET_LINES]
    for line in BUDGET_LINES:
        row = rows[line.id]
        assert (row.line.name, row.line.parent) == (line.name, line.parent)
        assert row.initial == Decimal(line.initial), line.name
        assert row.adjustments == Decimal(line.adjustment), line.name
        assert row.higher_level == Decimal(line.higher_level), line.name
        assert row.total == Decimal(line.total), line.name
        assert row.actual == Decimal(line.actual), line.name
        assert as_percent(row.execution_rate, 0) == Decimal(line.rate), line.name
    assert table.problems() == []


def test_adjustment_rate_is_7_6_percent_and_leaves_out_higher_level(world: World) -> None:
    enter_seed(world)
    state = current(world)
    rate = state.table().adjustment_rate(state.require_scheme().adjustment_rate_denominator)
    assert rate == Decimal("22.81") / Decimal("300.09")
    assert as_percent(rate, 1) == Decimal(ADJUSTMENT_RATE)
    typed = state.indicator("m03")
    assert typed is not None and typed.actual is not None
    assert typed.actual.value == as_percent(rate, 1)


def test_every_indicator_status_is_sensible(world: World) -> None:
    enter_seed(world)
    state = current(world)
    rules = state.require_scheme().indicators
    assert len(state.indicators) == len(INDICATORS) == 34
    for seed in INDICATORS:
        indicator = state.indicator(seed.id)
        assert indicator is not None
        assert status(indicator, rules) is IndicatorStatus(seed.status), seed.name
    counts = {s: 0 for s in IndicatorStatus}
    for indicator in state.indicators:
        counts[status(indicator, rules)] += 1
    assert counts[IndicatorStatus.OVERSHOT] == 9
    assert counts[IndicatorStatus.MISSED] == 1


def test_cells_keep_the_raw_text_beside_the_parsed_value(world: World) -> None:
    enter_seed(world)
    state = current(world)
    body = state.indicator("d10")
    assert body is not None and body.actual is not None and body.deviation is not None
    assert (body.target.raw, body.target.value, body.target.unit) == ("200 人", 200, "人")
    assert (body.actual.raw, body.actual.value) == ("1018人", 1018)
    assert body.deviation.reason == "实际报名人数多"
    staff = state.indicator("m04")
    assert staff is not None and staff.actual is not None
    assert staff.target.comparator is Comparator.AT_MOST and staff.lower_is_better
    assert staff.actual.raw == "100%及其以下"
    adjustment = state.indicator("m03")
    assert adjustment is not None and adjustment.lower_is_better
    assert state.indicator("m01").target.kind is MeasureKind.GRADE  # type: ignore[union-attr]
    no_deviation = state.indicator("m01").deviation  # type: ignore[union-attr]
    assert no_deviation is not None and no_deviation.raw == "……" and no_deviation.reason is None


def test_part_one_and_narrative_figures(world: World) -> None:
    enter_seed(world)
    state = current(world)
    assert state.functions == FUNCTIONS and len(state.functions) == 7
    assert state.staffing is not None
    assert state.staffing.establishment == 4 and state.staffing.in_post_total == 6
    assert state.staffing.internal_units == ()
    assert [(r.rank, r.count) for r in state.staffing.in_post] == [
        ("正科", 1),
        ("副科", 1),
        ("科员", 2),
        ("退二线", 2),
    ]
    assert state.net_assets is not None
    assert (state.net_assets.value, state.net_assets.unit) == (Decimal("24904.73"), "元")
    assert [s.id for s in state.sections] == [s.id for s in SECTIONS]
    overview = state.section("1.3")
    assert overview is not None
    donations = overview.figure("donations")
    assert donations is not None
    assert (donations.value.value, donations.value.unit) == (Decimal("156.86"), "万元")
    budget = state.section("1.4")
    assert budget is not None
    growth = budget.figure("revenue_growth")
    assert growth is not None and growth.value.value == Decimal("16.7")
    # The narrative's spending figures agree with the table they summarise.
    rows = {row.line.name: row for row in state.table().rows()}
    for figure in budget.figures:
        if figure.key.startswith("spending_") and figure.key not in (
            "spending_basic",
            "spending_project",
        ):
            name = figure.label.removesuffix("支出")
            matching = [r for n, r in rows.items() if n.startswith(name[:4])]
            assert matching and matching[0].actual == figure.value.value, figure.label
    assert rows["预算资金总额"].actual == budget.figure("spending").value.value  # type: ignore[union-attr]


def test_seed_report_travels_from_draft_to_published_and_reopens(world: World) -> None:
    enter_seed(world)
    store = world.store
    submitted = execute(store, world.preparer, SubmitReport(**KEY), now=NOW)
    assert [r.event_type for r in submitted] == ["ReportSubmitted"]
    assert (submitted[0].actor, submitted[0].role) == ("zhang.san", "preparer")
    execute(store, world.head, ApproveReport(**KEY, revision=1))
    execute(store, world.finance, ApproveReport(**KEY, revision=1))
    first = execute(store, world.head, SignOffReport(**KEY, revision=1))
    assert [r.event_type for r in first] == ["SignOffRecorded"]
    assert store.outbox == []
    last = execute(store, world.finance, SignOffReport(**KEY, revision=1))
    assert [r.event_type for r in last] == ["SignOffRecorded", "ReportSignedOff"]
    assert last[1].event.signers == ("li.si", "wang.wu")  # type: ignore[attr-defined]
    assert len(store.outbox) == 1
    message = store.outbox[0]
    assert message.topic == "render"
    assert message.key == f"render:{STREAM}:1"
    assert message.payload == {
        "stream_id": STREAM,
        "report": {"department": DEPARTMENT_CODE, "year": YEAR},
        "revision": 1,
    }

    rendered = record_rendering(store, DEPARTMENT_CODE, YEAR, revision=1, artifacts=ARTIFACTS)
    assert [(r.event_type, r.actor, r.role) for r in rendered] == [
        ("ReportRendered", "worker", "system")
    ]
    assert record_rendering(store, DEPARTMENT_CODE, YEAR, revision=1, artifacts=ARTIFACTS) == []
    execute(store, world.head, PublishReport(**KEY, channel="姑苏区人民政府网站"))
    published_version = store.stream_version(STREAM)
    assert current(world).stage is Stage.PUBLISHED

    execute(store, world.finance, ReopenReport(**KEY, reason="财政局复核发现项目支出需更正"))
    reopened = current(world)
    assert (reopened.revision, reopened.stage) == (2, Stage.DRAFT)
    assert reopened.reopenings[0].reason == "财政局复核发现项目支出需更正"
    assert reopened.table().rows()[0].total == Decimal("279.08")
    # Revision 1 stays in the log exactly as it was.
    as_published = load_report(store, DEPARTMENT_CODE, YEAR, to_version=published_version).state
    assert (as_published.revision, as_published.stage) == (1, Stage.PUBLISHED)
    assert as_published.artifacts == ARTIFACTS
    types = [r.event_type for r in store.read_stream(STREAM)]
    assert types.count("ReportSignedOff") == 1 and types[-1] == "ReportReopened"

    # Revision 2 can be edited and goes through review again; the worker gets a new key.
    execute(store, world.preparer, SetInitialBudget(**KEY, line="capacity", amount="0.75"))
    execute(store, world.preparer, SubmitReport(**KEY, revision=2), now=NOW)
    execute(store, world.head, ApproveReport(**KEY, revision=2))
    execute(store, world.finance, ApproveReport(**KEY, revision=2))
    execute(store, world.head, SignOffReport(**KEY, revision=2))
    execute(store, world.finance, SignOffReport(**KEY, revision=2))
    assert [m.key for m in store.outbox] == [f"render:{STREAM}:1", f"render:{STREAM}:2"]


def test_return_pinned_to_items_then_resubmission(world: World) -> None:
    enter_seed(world)
    store = world.store
    execute(store, world.preparer, SubmitReport(**KEY), now=NOW)
    execute(store, world.head, ApproveReport(**KEY))
    execute(
        store,
        world.finance,
        ReturnReport(
            **KEY, comment="请核对博爱家园建设调整数", items=("line:homes", "indicator:d12")
        ),
    )
    state = current(world)
    assert state.stage is Stage.DRAFT and state.approvals == ()
    note = state.returns[-1]
    assert (note.by, note.role, note.from_stage) == (
        "wang.wu",
        "finance_reviewer",
        "approved_by_department",
    )
    assert [(i.kind, i.id) for i in note.items] == [("line", "homes"), ("indicator", "d12")]
    execute(store, world.preparer, SubmitReport(**KEY), now=NOW)
    assert current(world).stage is Stage.SUBMITTED
    execute(store, world.head, ApproveReport(**KEY))
    assert current(world).stage is Stage.APPROVED_BY_DEPARTMENT
