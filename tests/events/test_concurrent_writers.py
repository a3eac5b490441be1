"""Several processes appending at once: no lost update, no duplicate, no skipped event."""

from __future__ import annotations

import multiprocessing
from collections import Counter

import pytest

from events import EventStore
from tests.events import writers
from tests.events.sample_events import registry

pytestmark = pytest.mark.slow

CONTEXT = multiprocessing.get_context("spawn")
WRITERS = 4


def drain(queue, count: int) -> list:
    return [queue.get(timeout=120) for _ in range(count)]


def start(target, *args) -> list:
    processes = [
        CONTEXT.Process(target=target, args=(args[0], writer, *args[1:]))
        for writer in range(WRITERS)
    ]
    for process in processes:
        process.start()
    return processes


def join(processes: list) -> None:
    for process in processes:
        process.join(timeout=300)
        assert process.exitcode == 0


@pytest.fixture
def store(database_url: str):
    store = EventStore.open(database_url, registry, create=True)
    yield store
    store.engine.dispose()


def test_every_loser_of_a_race_gets_the_concurrency_error(
    store: EventStore, database_url: str
) -> None:
    rounds = 25
    barrier = CONTEXT.Barrier(WRITERS)
    results = CONTEXT.Queue()
    processes = start(writers.race_rounds, database_url, rounds, barrier, results)
    outcomes = drain(results, rounds * WRITERS)
    join(processes)

    per_round = {r: Counter(o for (rr, _, o) in outcomes if rr == r) for r in range(rounds)}
    assert all(
        counts == Counter({"won": 1, "lost": WRITERS - 1}) for counts in per_round.values()
    ), per_round
    events = store.read_stream("report:shared:2021")
    assert [e.version for e in events] == list(range(1, rounds + 1))
    assert [e.event.step for e in events] == list(range(rounds))
    assert store.verify().ok


def test_retrying_writers_leave_no_gap_and_no_duplicate(
    store: EventStore, database_url: str
) -> None:
    successes = 60
    results = CONTEXT.Queue()
    processes = start(writers.append_with_retries, database_url, successes, results)
    drain(results, WRITERS)
    join(processes)

    events = store.read_stream("report:shared:2021")
    assert [e.version for e in events] == list(range(1, WRITERS * successes + 1))
    steps = Counter((e.event.writer, e.event.step) for e in events)
    assert len(steps) == WRITERS * successes and max(steps.values()) == 1
    for writer in range(WRITERS):
        assert [e.event.step for e in events if e.event.writer == writer] == list(range(successes))
    assert store.verify().ok


def test_a_tailing_reader_misses_nothing_while_four_processes_append(
    store: EventStore, database_url: str
) -> None:
    commands = 750
    results = CONTEXT.Queue()
    processes = start(writers.append_many, database_url, commands, 7, results)

    seen: list[int] = []
    batches_while_writing = 0

    def finished() -> bool:
        if any(p.is_alive() for p in processes):
            return False
        return store.head_position() == (seen[-1] if seen else 0)

    for batch in store.follow(after=0, batch_size=200, poll_interval=0.002, stop=finished):
        if any(p.is_alive() for p in processes):
            batches_while_writing += 1
        seen.extend(event.position for event in batch)
    written = sum(count for _, count in drain(results, WRITERS))
    join(processes)

    assert written >= WRITERS * commands
    assert seen == list(range(1, written + 1))
    assert batches_while_writing > 10
    assert store.verify().ok
