"""As-of, diff and commands started from states the process folded itself (docs/decisions/0207):
the same answers as a fold from the first event, and every row they read still checked."""

from __future__ import annotations

import dataclasses

import pytest

from events.errors import BrokenChain, TamperedEvent
from events.model import RecordedEvent
from projections.history import diff_views, report_as_of, report_diff
from projections.report_view import report_view
from tests.events.test_tamper import tamper
from tests.projections.world import NOW, run
from tests.workflow.report_builders import KEY
from tests.workflow.world import World
from workflow.commands import SetInitialBudget
from workflow.report import fold
from workflow.service import LoadedReport, execute_as, load_report_stream
from workflow.service.folded import CHECKPOINT_EVERY, FoldedStates, folded_states
from workflow.service.sign_in import authenticate

STREAM = "report:gusu-rc:2021"


def figure(world: World, amount: str) -> None:
    run(world, world.preparer, SetInitialBudget(**KEY, line="it", amount=amount))


def edit_actor(store: object, position: int) -> None:
    """Edit the event at ``position`` in place, its hash left stale."""
    tamper(store, f"UPDATE events SET actor = 'someone.else' WHERE position = {position}")  # type: ignore[arg-type]


def test_warm_reads_equal_a_fold_from_the_first_event(seeded: World) -> None:
    store = seeded.store
    history = store.read_stream(STREAM)
    assert len(history) > 2 * CHECKPOINT_EVERY
    head = report_as_of(store, "gusu-rc", 2021, history[-1].position)  # type: ignore[arg-type]
    kept = folded_states(store)._kept[STREAM]
    assert [c.folded.version for c in kept][:2] == [CHECKPOINT_EVERY, 2 * CHECKPOINT_EVERY]
    assert kept[-1].folded.version == history[-1].version and all(c.verified for c in kept)
    for record in history[::7]:
        warm = report_as_of(store, "gusu-rc", 2021, record.position)  # type: ignore[arg-type]
        assert warm.state == fold(r.event for r in history[: record.version])
        assert (warm.version, warm.position) == (record.version, record.position)
    # Events appended since are folded on from the checkpoint the last read left.
    figure(seeded, "2.5")
    figure(seeded, "2.75")
    later = store.read_stream(STREAM)
    again = report_as_of(store, "gusu-rc", 2021, later[-1].position)  # type: ignore[arg-type]
    assert again.state == fold(r.event for r in later) and again.version == head.version + 2
    diff = report_diff(store, "gusu-rc", 2021, history[-1].position, later[-1].position)  # type: ignore[arg-type]
    expected = diff_views(
        report_view(fold(r.event for r in history)), report_view(fold(r.event for r in later))
    )
    assert diff.changes == expected and any(c.after == "2.75" for c in expected)


def read_then_two_more(world: World) -> RecordedEvent:
    """A warm read at the head, then two events appended: the first of them."""
    store = world.store
    report_as_of(store, "gusu-rc", 2021, store.head_position())  # type: ignore[arg-type]
    figure(world, "2.5")
    figure(world, "2.75")
    return store.read_stream(STREAM)[-2]


def test_an_edit_after_the_checkpoint_is_refused_on_a_warm_read(seeded: World) -> None:
    store = seeded.store
    edited = read_then_two_more(seeded)
    edit_actor(store, edited.position)
    with pytest.raises(TamperedEvent) as refused:
        report_as_of(store, "gusu-rc", 2021, store.head_position())  # type: ignore[arg-type]
    assert refused.value.position == edited.position


def test_an_edit_of_the_checkpoints_own_row_is_refused(seeded: World) -> None:
    store = seeded.store
    last = store.read_stream(STREAM)[-1]
    report_as_of(store, "gusu-rc", 2021, last.position)  # type: ignore[arg-type]
    edit_actor(store, last.position)
    with pytest.raises(TamperedEvent) as refused:
        report_as_of(store, "gusu-rc", 2021, last.position)  # type: ignore[arg-type]
    assert refused.value.position == last.position


def test_a_deleted_event_after_the_checkpoint_is_refused(seeded: World) -> None:
    store = seeded.store
    gone = read_then_two_more(seeded)
    tamper(store, f"DELETE FROM events WHERE position = {gone.position}")  # type: ignore[arg-type]
    with pytest.raises(BrokenChain):
        report_as_of(store, "gusu-rc", 2021, store.head_position())  # type: ignore[arg-type]


def test_a_deleted_event_before_the_checkpoint_is_refused_on_a_warm_read(seeded: World) -> None:
    store = seeded.store
    events = store.read_stream(STREAM)
    report_as_of(store, "gusu-rc", 2021, events[-1].position)  # type: ignore[arg-type]
    gone, after = events[60], events[61]
    tamper(store, f"DELETE FROM events WHERE position = {gone.position}")  # type: ignore[arg-type]
    with pytest.raises(BrokenChain) as refused:
        report_as_of(store, "gusu-rc", 2021, events[-1].position)  # type: ignore[arg-type]
    assert str(refused.value) == (
        f"event at position {after.position} ({STREAM} version {after.version}): version "
        f"{gone.version} of its stream, before it, is missing from the log, expected an "
        "unedited log; run `jixiao audit verify`"
    )


def test_a_commands_unchecked_fold_is_not_a_start_for_an_auditor(seeded: World) -> None:
    store = seeded.store
    # A command's load reads without checking hashes: its checkpoints serve commands only.
    load_report_stream(store, STREAM)
    kept = folded_states(store)._kept[STREAM]
    assert kept and not any(c.verified for c in kept)
    edited = store.read_stream(STREAM)[5]
    edit_actor(store, edited.position)
    with pytest.raises(TamperedEvent) as refused:
        report_as_of(store, "gusu-rc", 2021, store.head_position())  # type: ignore[arg-type]
    assert refused.value.position == edited.position


def test_a_checkpoint_the_log_no_longer_shows_is_dropped_and_the_stream_refolded(
    seeded: World,
) -> None:
    store = seeded.store
    history = store.read_stream(STREAM)
    states = FoldedStates()
    states.fold(store, STREAM, verified=True)
    # As if the log had been replaced by another one since: the row folded last differs.
    kept = states._kept[STREAM]
    stale = dataclasses.replace(kept[-1].folded, hash="0" * 64, state=fold([]))
    kept[-1] = dataclasses.replace(kept[-1], folded=stale)
    again = states.fold(store, STREAM, verified=True)
    assert again.state == fold(r.event for r in history)
    assert states._kept[STREAM][-1].folded.hash == history[-1].hash


def test_an_edit_before_a_warm_checkpoint_leaves_its_answer_the_checked_one(
    seeded: World,
) -> None:
    # What a warm read does not reread (docs/decisions/0207): an in-place edit before its
    # checkpoint does not reach its answer, and a process without the checkpoint refuses.
    store = seeded.store
    honest = report_as_of(store, "gusu-rc", 2021, store.head_position())  # type: ignore[arg-type]
    edited = store.read_stream(STREAM)[3]
    edit_actor(store, edited.position)
    warm = report_as_of(store, "gusu-rc", 2021, store.head_position())  # type: ignore[arg-type]
    assert warm.state == honest.state
    fresh = FoldedStates()
    with pytest.raises(TamperedEvent):
        fresh.fold(store, STREAM, verified=True)


def test_a_command_leaves_the_state_it_recorded_as_a_fold_of_the_log_gives_it(
    seeded: World,
) -> None:
    """The state a command decided is kept at its events' version (decision 0620) and told
    to the caller: equal to a fold of the log from its first event, so the next read, which
    folds on from it, reads as one from the first event would."""
    store = seeded.store
    told: list[LoadedReport] = []
    actor = authenticate(store, seeded.preparer).actor()
    command = SetInitialBudget(**KEY, line="it", amount="3.25")
    written = execute_as(store, actor, command, now=NOW, recorded=told.append)
    kept = folded_states(store)._kept[STREAM][-1]
    log = store.read_stream(STREAM)
    from_the_first = fold(r.event for r in log)
    assert (kept.folded.version, kept.folded.hash, kept.verified) == (
        written[-1].version,
        written[-1].hash,
        False,
    )
    assert kept.folded.state == from_the_first == told[-1].state
    assert told[-1].version == log[-1].version
    # Nothing to record: the report it was decided on, at its version.
    assert execute_as(store, actor, command, now=NOW, recorded=told.append) == []
    assert told[-1] == LoadedReport(state=from_the_first, version=log[-1].version)
    assert (
        load_report_stream(store, STREAM).state
        == FoldedStates().fold(store, STREAM, verified=True).state
    )
