"""As-of reads at every moment of a report's history, and field-level diffs between moments."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from events.errors import BrokenChain, TamperedEvent
from projections.history import diff_views, report_as_of, report_diff
from tests.events.test_tamper import tamper
from tests.projections.world import review_to, run
from tests.workflow.report_builders import KEY
from tests.workflow.world import World
from workflow.commands import (
    RecordIndicatorActual,
    RemoveBudgetLine,
    RenameBudgetLine,
    ReopenReport,
    ReturnReport,
    SetInitialBudget,
    SubmitReport,
)
from workflow.errors import InvalidValue
from workflow.report import ReportState, fold
from workflow.stages import Stage

STREAM = "report:gusu-rc:2021"


def a_long_history(world: World) -> None:
    """The seed, then submit, return, fix, resubmit, approvals, sign-off, publication, reopen."""
    run(world, world.preparer, SubmitReport(**KEY))
    run(world, world.head, ReturnReport(**KEY, comment="遗体捐献登记人数请核实"))
    run(
        world,
        world.preparer,
        RecordIndicatorActual(**KEY, indicator="d10", actual="1020人", deviation_reason="核实后"),
    )
    review_to(world, Stage.PUBLISHED)
    run(world, world.finance, ReopenReport(**KEY, reason="审计调整"))
    run(world, world.preparer, SetInitialBudget(**KEY, line="it", amount="2.5"))


def test_as_of_every_event_equals_a_fresh_fold_of_the_prefix(seeded: World) -> None:
    a_long_history(seeded)
    store = seeded.store
    history = store.read_stream(STREAM)
    assert len(history) > 140 and store.load_snapshot(STREAM) is not None
    for index, record in enumerate(history):
        prefix = fold(r.event for r in history[: index + 1])
        by_position = report_as_of(store, "gusu-rc", 2021, record.position)  # type: ignore[arg-type]
        assert (by_position.version, by_position.position) == (record.version, record.position)
        assert by_position.state == prefix, record.event_type
        # Events appended together share their moment: as of it, all of them are in.
        together = [r for r in history if r.recorded_at <= record.recorded_at]
        by_time = report_as_of(store, "gusu-rc", 2021, record.recorded_at)  # type: ignore[arg-type]
        assert by_time.version == together[-1].version
        assert by_time.state == fold(r.event for r in together)
    final = report_as_of(store, "gusu-rc", 2021, store.head_position())  # type: ignore[arg-type]
    assert final.state.stage is Stage.DRAFT and final.state.revision == 2


def test_as_of_before_the_report_was_opened(seeded: World) -> None:
    first = seeded.store.read_stream(STREAM)[0]
    before = report_as_of(seeded.store, "gusu-rc", 2021, first.position - 1)  # type: ignore[arg-type]
    assert (before.version, before.position, before.state) == (0, None, ReportState())
    assert before.view() is None
    earlier = report_as_of(
        seeded.store,  # type: ignore[arg-type]
        "gusu-rc",
        2021,
        first.recorded_at - timedelta(seconds=1),
    )
    assert earlier.version == 0


def test_bad_moments_and_reports_are_refused(seeded: World) -> None:
    with pytest.raises(ValueError, match="moment: got 'yesterday', expected a time"):
        report_as_of(seeded.store, "gusu-rc", 2021, "yesterday")  # type: ignore[arg-type]
    with pytest.raises(InvalidValue, match="report department: got 'Gusu RC'"):
        report_as_of(seeded.store, "Gusu RC", 2021, 1)  # type: ignore[arg-type]


def test_diff_names_each_changed_field_with_before_and_after(seeded: World) -> None:
    store = seeded.store
    history = store.read_stream(STREAM)
    root_initial = next(
        r for r in history if r.event_type == "InitialBudgetSet" and r.event.line == "total"
    )
    a_long_history(seeded)
    submitted = next(r for r in store.read_stream(STREAM) if r.event_type == "ReportSubmitted")
    diff = report_diff(store, "gusu-rc", 2021, root_initial.position, submitted.position)  # type: ignore[arg-type]
    lines = [str(change) for change in diff.changes]
    assert "budget.rows[预算资金总额].total: 300.09 → 279.08" in lines
    assert "budget.rows[预算资金总额].adjustments: 0 → -22.81" in lines
    assert "stage: draft → submitted" in lines
    assert "submitted_by: — → zhang.san" in lines
    # A whole indicator added in between is one change, not one per field.
    added = [c for c in diff.changes if c.path == "indicators[开展普及培训]"]
    assert len(added) == 1 and added[0].before is None
    assert added[0].after["actual"]["raw"] == "26228 人次"

    fixed = next(
        r for r in store.read_stream(STREAM) if r.event_type == "IndicatorActualRecorded"
        and r.event.indicator == "d10" and r.version > submitted.version
    )  # fmt: skip
    diff = report_diff(store, "gusu-rc", 2021, fixed.position - 1, fixed.position)  # type: ignore[arg-type]
    assert [str(c) for c in diff.changes[:4]] == [
        "indicators[遗体（器官）捐献登记].actual.raw: 1018人 → 1020人",
        "indicators[遗体（器官）捐献登记].actual.value: 1018 → 1020",
        "indicators[遗体（器官）捐献登记].actual.normalised: 1018 人 → 1020 人",
        "indicators[遗体（器官）捐献登记].deviation.raw: 实际报名人数多 → 核实后",
    ]
    # 1020 人 is 0.2% off the narrative's 遗体捐献登记 1018 人: the fix brings a notice with it.
    (notice,) = diff.changes[4:]
    assert (notice.path, notice.before) == ("notices[遗体（器官）捐献登记]", None)
    assert notice.after["message"] == (
        "section 1.3 figure 遗体捐献登记 1018 人 differs from indicator d10 遗体（器官）捐献登记 "
        "actual 1020人"
    )
    assert report_diff(store, "gusu-rc", 2021, fixed.position, fixed.position).changes == []


def test_diff_of_views_reports_removed_fields() -> None:
    before = {"stage": "draft", "budget": {"rows": [{"name": "a", "total": "1"}]}}
    after = {"stage": "draft", "budget": {"rows": []}}
    assert [str(c) for c in diff_views(before, after)] == [
        'budget.rows[a]: {"name": "a", "total": "1"} → —'
    ]
    assert [str(c) for c in diff_views(None, {"stage": "draft", "score": None})] == [
        "stage: — → draft"
    ]


def test_a_rename_is_one_name_change_and_a_removal_one_row_gone(seeded: World) -> None:
    store = seeded.store
    run(
        seeded,
        seeded.preparer,
        RenameBudgetLine(**KEY, line="volunteers", name="志愿队伍建设"),
        RemoveBudgetLine(**KEY, line="capacity", reason="重复录入"),
    )
    renamed, removed = store.read_stream(STREAM)[-2:]
    diff = report_diff(store, "gusu-rc", 2021, renamed.position - 1, renamed.position)  # type: ignore[arg-type]
    assert [str(c) for c in diff.changes] == [
        "budget.rows[志愿队伍建设].name: 志愿者队伍建设 → 志愿队伍建设"
    ]
    diff = report_diff(store, "gusu-rc", 2021, removed.position - 1, removed.position)  # type: ignore[arg-type]
    paths = [c.path for c in diff.changes]
    gone = [c for c in diff.changes if c.path == "budget.rows[部门能力建设]"]
    assert len(gone) == 1 and gone[0].after is None and gone[0].before["actual"] == "0.75"
    assert "budget.rows[预算资金总额].total" in paths and "budget.rows[项目支出].actual" in paths
    root = next(c for c in diff.changes if c.path == "budget.rows[预算资金总额].total")
    assert (root.before, root.after) == ("279.08", "278.33")


def test_diff_of_views_pairs_items_by_id_and_labels_them_by_name() -> None:
    before = {"rows": [{"id": "a", "name": "旧", "total": "1"}, {"id": "b", "name": "乙"}]}
    after = {"rows": [{"id": "a", "name": "新", "total": "1"}, {"id": "c", "name": "乙"}]}
    assert [str(c) for c in diff_views(before, after)] == [
        "rows[新].name: 旧 → 新",
        'rows[乙]: — → {"id": "c", "name": "乙"}',
        'rows[乙]: {"id": "b", "name": "乙"} → —',
    ]


def test_an_edited_event_in_what_as_of_folds_is_refused(seeded: World) -> None:
    a_long_history(seeded)
    events = seeded.store.read_stream(STREAM)
    snapshot = seeded.store.load_snapshot(STREAM)
    assert snapshot is not None and snapshot.version < events[-1].version
    edited = events[snapshot.version]  # the first event folded after the newest snapshot
    tamper(
        seeded.store,  # type: ignore[arg-type]
        f"UPDATE events SET actor = 'someone.else' WHERE position = {edited.position}",
    )
    with pytest.raises(TamperedEvent) as refused:
        report_as_of(seeded.store, "gusu-rc", 2021, events[-1].position)  # type: ignore[arg-type]
    assert str(refused.value) == (
        f"event at position {edited.position} ({STREAM} version {edited.version}): its content "
        "does not match its hash, expected an unedited log; run `jixiao audit verify`"
    )
    with pytest.raises(TamperedEvent):
        report_diff(seeded.store, "gusu-rc", 2021, 1, events[-1].position)  # type: ignore[arg-type]
    # A moment before the edited event folds only rows that still match their hashes.
    before = report_as_of(seeded.store, "gusu-rc", 2021, edited.position - 1)  # type: ignore[arg-type]
    assert before.version == edited.version - 1


def test_an_edited_event_before_the_newest_snapshot_is_refused_too(seeded: World) -> None:
    # As-of folds from the stream's first event: a snapshot does not hide an earlier edit.
    events = seeded.store.read_stream(STREAM)
    snapshot = seeded.store.load_snapshot(STREAM)
    assert snapshot is not None and snapshot.version > 10
    edited = events[9]
    tamper(
        seeded.store,  # type: ignore[arg-type]
        f"UPDATE events SET actor = 'someone.else' WHERE position = {edited.position}",
    )
    with pytest.raises(TamperedEvent) as refused:
        report_as_of(seeded.store, "gusu-rc", 2021, events[-1].position)  # type: ignore[arg-type]
    assert refused.value.position == edited.position


def test_a_deleted_middle_event_is_refused_not_folded_over(seeded: World) -> None:
    store = seeded.store
    events = store.read_stream(STREAM)
    gone, after = events[60], events[61]
    tamper(store, f"DELETE FROM events WHERE position = {gone.position}")  # type: ignore[arg-type]
    message = (
        f"event at position {after.position} ({STREAM} version {after.version}): version "
        f"{gone.version} of its stream, before it, is missing from the log, expected an "
        "unedited log; run `jixiao audit verify`"
    )
    with pytest.raises(BrokenChain) as refused:
        report_as_of(store, "gusu-rc", 2021, events[-1].position)  # type: ignore[arg-type]
    assert str(refused.value) == message
    with pytest.raises(BrokenChain) as refused:
        report_diff(store, "gusu-rc", 2021, 1, events[-1].position)  # type: ignore[arg-type]
    assert str(refused.value) == message
    # As of just before the gap, the stream's next event (after the gap) shows it too.
    with pytest.raises(BrokenChain) as refused:
        report_as_of(store, "gusu-rc", 2021, gone.position - 1)  # type: ignore[arg-type]
    assert str(refused.value) == message
    # By time as well as by position.
    with pytest.raises(BrokenChain):
        report_as_of(store, "gusu-rc", 2021, events[-1].recorded_at)  # type: ignore[arg-type]


def test_a_deleted_event_of_another_stream_just_before_a_folded_one_is_refused(
    seeded: World,
) -> None:
    store = seeded.store
    first = store.read_stream(STREAM)[0]
    before = store.read_all(first.position - 2, 1)[0]
    assert before.stream_id != STREAM and before.position == first.position - 1
    tamper(store, f"DELETE FROM events WHERE position = {before.position}")  # type: ignore[arg-type]
    with pytest.raises(BrokenChain) as refused:
        report_as_of(store, "gusu-rc", 2021, store.head_position())  # type: ignore[arg-type]
    assert str(refused.value) == (
        f"event at position {first.position} ({STREAM} version 1): position "
        f"{before.position}, just before it, is missing from the log, expected an unedited "
        "log; run `jixiao audit verify`"
    )


def test_a_forged_snapshot_does_not_reach_as_of(seeded: World) -> None:
    store = seeded.store
    snapshot = store.load_snapshot(STREAM)
    assert snapshot is not None
    honest = report_as_of(store, "gusu-rc", 2021, store.head_position())  # type: ignore[arg-type]
    with store.engine.begin() as connection:  # type: ignore[attr-defined]
        connection.exec_driver_sql(
            "UPDATE snapshots SET state = replace(state, '\"260.84\"', '\"2600.84\"') "
            f"WHERE stream_id = '{STREAM}'"
        )
    forged = store.load_snapshot(STREAM)
    assert forged is not None and "2600.84" in json.dumps(forged.state)
    again = report_as_of(store, "gusu-rc", 2021, store.head_position())  # type: ignore[arg-type]
    assert again.state == honest.state
    assert "2600.84" not in str(again.view())
