"""Reads that check the segment of the chain they return: an edited, deleted or moved row
near what is read is refused in one line naming its position (SQLite, PostgreSQL, memory)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from events import EventStore, Metadata
from events.errors import BrokenChain, TamperedEvent
from events.memory import InMemoryEventStore
from tests.events.sample_events import NoteAdded, registry
from tests.events.test_tamper import tamper

WRITER = Metadata(actor="li.si", role="preparer")
#: Positions 2, 4, 6, 8, 10 (versions 1-5) and 1, 3, 5, 7, 9 (versions 1-5).
EVEN, ODD = "report:dept-0:2021", "report:dept-1:2021"
RUN = "run `jixiao audit verify`"


def fill(store: EventStore | InMemoryEventStore) -> None:
    for i in range(1, 11):
        stream = f"report:dept-{i % 2}:2021"
        store.append(
            stream, store.stream_version(stream), [NoteAdded(text=f"note {i}")], metadata=WRITER
        )


@pytest.fixture
def store(database_url: str) -> Iterator[EventStore]:
    store = EventStore.open(database_url, registry, create=True)
    fill(store)
    yield store
    store.engine.dispose()


def test_an_intact_stream_reads_whole_or_cut(store: EventStore) -> None:
    assert [r.position for r in store.read_stream_verified(EVEN)] == [2, 4, 6, 8, 10]
    assert [r.version for r in store.read_stream_verified(EVEN, to_version=2)] == [1, 2]
    assert [r.position for r in store.read_stream_verified(ODD, to_position=6)] == [1, 3, 5]
    assert store.read_stream_verified(EVEN, to_position=1) == []
    assert store.read_stream_verified(EVEN) == store.read_stream(EVEN)
    hashes = {r.position: r.hash for r in store.read_stream(ODD)}
    store.check_positions(hashes)
    store.check_positions(dict.fromkeys(range(1, 11)))


def test_an_edited_row_is_refused(store: EventStore) -> None:
    tamper(store, "UPDATE events SET actor = 'someone.else' WHERE position = 6")
    with pytest.raises(TamperedEvent) as refused:
        store.read_stream_verified(EVEN)
    assert refused.value.position == 6
    with pytest.raises(TamperedEvent):
        store.check_positions({6: None})
    # A cut before it reads what still holds.
    assert len(store.read_stream_verified(EVEN, to_version=2)) == 2


def test_a_deleted_row_is_refused_in_its_stream_and_beside_it(store: EventStore) -> None:
    tamper(store, "DELETE FROM events WHERE position = 6")
    with pytest.raises(BrokenChain) as refused:
        store.read_stream_verified(EVEN)
    assert str(refused.value) == (
        f"event at position 8 ({EVEN} version 4): version 3 of its stream, before it, is "
        f"missing from the log, expected an unedited log; {RUN}"
    )
    # Cut before the gap: the stream's next row shows it.
    with pytest.raises(BrokenChain) as refused:
        store.read_stream_verified(EVEN, to_version=2)
    assert refused.value.position == 8
    # The other stream's row that followed it in the log no longer follows anything.
    with pytest.raises(BrokenChain) as refused:
        store.read_stream_verified(ODD)
    assert str(refused.value) == (
        f"event at position 7 ({ODD} version 4): position 6, just before it, is missing from "
        f"the log, expected an unedited log; {RUN}"
    )
    with pytest.raises(BrokenChain) as refused:
        store.check_positions({6: None})
    assert str(refused.value) == (
        f"event at position 6: no event holds this position any more, expected an unedited "
        f"log; {RUN}"
    )


def test_a_moved_row_and_a_wrong_noted_hash_are_refused(store: EventStore) -> None:
    noted = store.hash_at(3)
    tamper(
        store,
        "UPDATE events SET position = -1 WHERE position = 3",
        "UPDATE events SET position = 3 WHERE position = 9",
        "UPDATE events SET position = 9 WHERE position = -1",
    )
    with pytest.raises(BrokenChain) as refused:
        store.read_stream_verified(ODD)
    assert str(refused.value).startswith(
        f"event at position 3 ({ODD} version 5): version 2 of its stream, before it, is missing"
    )
    with pytest.raises(BrokenChain) as refused:
        store.check_positions({4: None})
    assert "it does not follow the event at position 3 (a row was deleted, inserted or moved" in (
        str(refused.value)
    )
    assert noted != store.hash_at(3)
    with pytest.raises(BrokenChain) as refused:
        store.check_positions({2: "0" * 64})
    assert str(refused.value) == (
        f"event at position 2 ({EVEN} version 1): its hash is {store.hash_at(2)}, not "
        f"{'0' * 64} as noted when it was read before, expected an unedited log; {RUN}"
    )


def test_the_memory_store_checks_the_same_way() -> None:
    memory = InMemoryEventStore(registry)
    fill(memory)
    assert [r.position for r in memory.read_stream_verified(EVEN)] == [2, 4, 6, 8, 10]
    del memory.rows[5]  # position 6
    with pytest.raises(BrokenChain) as refused:
        memory.read_stream_verified(EVEN)
    assert refused.value.position == 8
    with pytest.raises(BrokenChain) as refused:
        memory.read_stream_verified(ODD)
    assert refused.value.position == 7
