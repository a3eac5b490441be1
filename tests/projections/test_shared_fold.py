"""The shared fold of a process that did not apply a report's last events (another
process's catch-up did) folds on from the state it holds, reading only those events; and
its states are the log's fold all the same."""

from __future__ import annotations

from typing import Any

from events.model import RecordedEvent
from projections.shared_fold import ReportStates
from tests.workflow.world import World
from workflow.report import fold


class CountingReads:
    """The world's store, counting the snapshots loaded and the stream reads made."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.snapshots = 0
        self.streams: list[tuple[int, int | None]] = []

    def load_snapshot(self, *args: Any, **kwargs: Any) -> Any:
        self.snapshots += 1
        return self.store.load_snapshot(*args, **kwargs)

    def read_stream(self, stream_id: str, **kwargs: Any) -> Any:
        self.streams.append((kwargs.get("from_version", 1), kwargs.get("to_version")))
        return self.store.read_stream(stream_id, **kwargs)


def _report_events(world: World) -> list[RecordedEvent]:
    events = world.store.read_all(0, 100_000)  # type: ignore[attr-defined]
    return [e for e in events if e.stream_id.startswith("report:")]


def _state_at(events: list[RecordedEvent], version: int) -> Any:
    return fold(e.event for e in events if e.version <= version)


def test_a_fold_a_few_events_behind_reads_only_those(seeded: World) -> None:
    events = _report_events(seeded)
    assert len(events) > 10
    reads = CountingReads(seeded.store)
    states = ReportStates(reads)  # type: ignore[arg-type]
    # This process applied the first events; another applied the next three.
    states.transitions(events[:5])
    (later,) = states.transitions([events[8]])
    assert later.before == _state_at(events, events[7].version)
    assert later.after == _state_at(events, events[8].version)
    assert reads.snapshots == 0
    assert reads.streams == [(events[5].version, events[7].version)]


def test_a_fold_far_behind_or_holding_nothing_starts_from_a_snapshot(seeded: World) -> None:
    events = _report_events(seeded)
    reads = CountingReads(seeded.store)
    states = ReportStates(reads)  # type: ignore[arg-type]
    (first,) = states.transitions([events[6]])
    assert first.before == _state_at(events, events[5].version)
    assert reads.snapshots == 1
    # 65 events on, more than the fold reads to catch up: a snapshot again.
    (far,) = [e for e in events if e.version == events[6].version + 66]
    (last,) = states.transitions([far])
    assert last.before == _state_at(events, far.version - 1)
    assert reads.snapshots == 2
