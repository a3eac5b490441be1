"""Appends whose wait for the disk their caller takes over (events.durability, decision
0636): committed at once and noted, synced by the caller; every other append in full sync."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from events import EventStore, Metadata
from events.durability import Unsynced, disk_wait_taken_over, unsynced
from tests.events.sample_events import AmountRecorded, registry

STREAM = "ledger:a"
#: SQLite's ``PRAGMA synchronous`` values.
FULL = 2


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[EventStore]:
    store = EventStore.open(f"sqlite:///{tmp_path / 'log.db'}", registry, create=True)
    yield store
    store.close()


def _append(store: EventStore, version: int) -> None:
    event = AmountRecorded(line="homes", amount=Decimal(version + 1))
    store.append(STREAM, version, [event], metadata=Metadata(actor="tester", role="preparer"))


def _synchronous(store: EventStore) -> int:
    """The setting of the connection this thread's appends commit on."""
    with store._driver() as driver:
        return int(driver.execute("PRAGMA synchronous").fetchone()[0])


def _statements(store: EventStore) -> list[str]:
    """The statements this thread's appends run from now on, as SQLite traces them."""
    seen: list[str] = []
    with store._driver() as driver:
        driver.set_trace_callback(seen.append)
    return seen


def test_an_append_taken_over_commits_at_once_and_notes_its_log(
    sqlite_store: EventStore, tmp_path: Path
) -> None:
    statements = _statements(sqlite_store)
    with disk_wait_taken_over() as taken:
        assert unsynced() is taken
        _append(sqlite_store, 0)
        # Committed without the disk, and the connection in full sync again at once.
        assert statements[0] == "PRAGMA synchronous=NORMAL"
        assert statements[-2:] == ["COMMIT", "PRAGMA synchronous=FULL"]
        assert _synchronous(sqlite_store) == FULL
        assert taken.files == {f"{tmp_path / 'log.db'}-wal"}
        # Committed: another connection reads it before the caller has synced.
        other = EventStore.open(f"sqlite:///{tmp_path / 'log.db'}", registry)
        try:
            assert [e.event.amount for e in other.read_stream(STREAM)] == [Decimal(1)]
        finally:
            other.close()
        taken.sync()
        assert not taken
    assert unsynced() is None
    # Outside, the same connection commits in full sync, and nothing is noted.
    statements.clear()
    _append(sqlite_store, 1)
    assert not any(s.startswith("PRAGMA synchronous") for s in statements)
    assert _synchronous(sqlite_store) == FULL
    assert sqlite_store.stream_version(STREAM) == 2


def test_a_refused_append_notes_nothing(sqlite_store: EventStore) -> None:
    _append(sqlite_store, 0)
    with disk_wait_taken_over() as taken:
        with pytest.raises(Exception, match="expected"):
            _append(sqlite_store, 0)  # a stale version: nothing written
        assert not taken
        assert _synchronous(sqlite_store) == FULL
    assert sqlite_store.stream_version(STREAM) == 1


def test_a_log_that_is_gone_has_nothing_left_to_sync(tmp_path: Path) -> None:
    taken = Unsynced()
    taken.note(str(tmp_path / "never-opened.db"))
    assert taken
    taken.sync()
    assert not taken


def test_postgresql_commits_as_it_always_does(pg_url: str) -> None:
    store = EventStore.open(pg_url, registry, create=True)
    try:
        with disk_wait_taken_over() as taken:
            _append(store, 0)
            assert not taken  # the server waits for its disk itself
        assert store.stream_version(STREAM) == 1
    finally:
        store.close()
