"""Writer processes for the concurrency tests; module-level so spawned processes can import them."""

from __future__ import annotations

import random

from events import ConcurrencyError, EventStore, Metadata
from events.database import create_database_engine
from tests.events.sample_events import NoteAdded, WriterStepped, registry


def _store(url: str) -> EventStore:
    return EventStore(create_database_engine(url), registry)


def race_rounds(url: str, writer: int, rounds: int, barrier, results) -> None:
    """Each round: everyone reads the version, then everyone appends expecting it."""
    store = _store(url)
    stream = "report:shared:2021"
    for round_number in range(rounds):
        barrier.wait()
        version = store.stream_version(stream)
        barrier.wait()
        try:
            store.append(
                stream,
                version,
                [WriterStepped(writer=writer, step=round_number)],
                metadata=Metadata(actor=f"writer-{writer}", role="preparer"),
            )
            outcome = "won"
        except ConcurrencyError:
            outcome = "lost"
        except Exception as error:  # any other failure is the bug this test looks for
            outcome = f"error: {error!r}"
        results.put((round_number, writer, outcome))
        barrier.wait()
    store.engine.dispose()


def append_with_retries(url: str, writer: int, successes: int, results) -> None:
    """Append ``successes`` events to one shared stream, retrying each lost race."""
    store = _store(url)
    stream = "report:shared:2021"
    conflicts = 0
    step = 0
    while step < successes:
        try:
            store.append(
                stream,
                store.stream_version(stream),
                [WriterStepped(writer=writer, step=step)],
                metadata=Metadata(actor=f"writer-{writer}", role="preparer"),
            )
            step += 1
        except ConcurrencyError:
            conflicts += 1
    results.put((writer, conflicts))
    store.engine.dispose()


def append_many(url: str, writer: int, commands: int, seed: int, results) -> None:
    """Commands of 1–3 events into the writer's own streams, as fast as the store allows."""
    store = _store(url)
    rng = random.Random(seed)
    versions: dict[str, int] = {}
    written = 0
    for step in range(commands):
        stream = f"report:w{writer}-d{rng.randrange(5)}:2021"
        events = [NoteAdded(text=f"{writer}/{step}/{k}") for k in range(rng.randint(1, 3))]
        store.append(
            stream,
            versions.get(stream, 0),
            events,
            metadata=Metadata(actor=f"writer-{writer}", role="preparer"),
        )
        versions[stream] = versions.get(stream, 0) + len(events)
        written += len(events)
    results.put((writer, written))
    store.engine.dispose()
