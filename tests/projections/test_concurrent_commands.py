"""Several processes editing one report at once through the application service.

Edits given without an expected version are decided again when another writer got there
first, so none is refused as stale and every one is recorded; edits given with one are
refused when the report moved on, exactly one winner per round.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter

import pytest

from tests.projections import writers
from tests.workflow.world import World
from workflow.streams import report_stream_id

pytestmark = pytest.mark.slow

CONTEXT = multiprocessing.get_context("spawn")
LINES = ("publicity", "first-aid", "it", "schools")
STREAM = report_stream_id("gusu-rc", 2021)


#: Kept by the test until its writers end: a barrier the parent drops before a spawned
#: child has unpickled it is gone (FileNotFoundError in the child).
BARRIERS: list = []


def run_writers(target, world: World, database_url: str, *args) -> tuple[list, object]:
    barrier, results = CONTEXT.Barrier(len(LINES)), CONTEXT.Queue()
    BARRIERS.append(barrier)
    processes = [
        CONTEXT.Process(
            target=target,
            args=(database_url, writer, line, *args, world.preparer, barrier, results),
        )
        for writer, line in enumerate(LINES)
    ]
    for process in processes:
        process.start()
    return processes, results


def finish(processes: list, results, count: int) -> list:
    outcomes = [results.get(timeout=120) for _ in range(count)]
    for process in processes:
        process.join(timeout=300)
        assert process.exitcode == 0
    BARRIERS.clear()
    return outcomes


def test_concurrent_edits_without_an_expected_version_are_all_recorded(
    seeded: World, database_url: str
) -> None:
    edits = 25
    start = seeded.store.stream_version(STREAM)
    processes, results = run_writers(writers.edit_line, seeded, database_url, edits)
    outcomes = finish(processes, results, len(LINES))

    assert sorted(outcomes) == [(writer, []) for writer in range(len(LINES))]
    recorded = seeded.store.read_stream(STREAM, from_version=start + 1)
    assert [r.version for r in recorded] == list(range(start + 1, start + 1 + edits * len(LINES)))
    for writer, line in enumerate(LINES):
        amounts = [r.event.amount.raw for r in recorded if r.event.line == line]
        assert amounts == writers.edit_amounts(writer, edits)
    assert seeded.store.verify().ok  # type: ignore[attr-defined]


def test_concurrent_edits_with_an_expected_version_leave_one_winner_per_round(
    seeded: World, database_url: str
) -> None:
    rounds = 8
    start = seeded.store.stream_version(STREAM)
    processes, results = run_writers(writers.race_with_versions, seeded, database_url, rounds)
    outcomes = finish(processes, results, rounds * len(LINES))

    per_round = {r: Counter(o for (rr, _, o) in outcomes if rr == r) for r in range(rounds)}
    assert all(
        counts == Counter({"won": 1, "lost": len(LINES) - 1}) for counts in per_round.values()
    ), per_round
    recorded = seeded.store.read_stream(STREAM, from_version=start + 1)
    assert [r.version for r in recorded] == list(range(start + 1, start + 1 + rounds))
