"""Reads that check the segment of the chain they return: a row moved in SQL near what is
read is refused in one line naming its position. (An intact, an edited and a removed row,
on every store: tests/events/store_contract.py.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from events import EventStore
from events.errors import BrokenChain
from tests.events.sample_events import registry
from tests.events.store_contract import EVEN, ODD, RUN, fill
from tests.events.test_tamper import tamper


@pytest.fixture
def store(database_url: str) -> Iterator[EventStore]:
    store = EventStore.open(database_url, registry, create=True)
    fill(store)
    yield store
    store.engine.dispose()


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
