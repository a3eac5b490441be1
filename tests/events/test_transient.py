"""A transaction the database refuses for a passing reason is tried again a few times with a
short back-off, then reported in one line; on a real PostgreSQL lock and a real locked
SQLite file."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from events import ConcurrencyError, EventStore, Metadata, StoreBusy
from events.transient import ATTEMPTS, MAX_DELAY, retrying, transient_reason
from tests.events.sample_events import NoteAdded, registry

PREPARER = Metadata(actor="zhang.san", role="preparer")
STREAM = "report:gusu-rc:2021"
GAVE_UP = f"database: lock not available after {ATTEMPTS} attempts; nothing was written, try again"


def with_lock_timeout(url: str, timeout: str) -> str:
    """``url`` with PostgreSQL's lock_timeout set for its sessions."""
    return f"{url}%20-clock_timeout%3D{timeout}"


@pytest.fixture
def stores(pg_url: str) -> Iterator[tuple[EventStore, EventStore]]:
    """A store with one event, and an impatient store on the same database (100 ms locks)."""
    store = EventStore.open(pg_url, registry, create=True)
    store.append(STREAM, 0, [NoteAdded(text="first")], metadata=PREPARER)
    impatient = EventStore.open(with_lock_timeout(pg_url, "100ms"), registry)
    yield store, impatient
    impatient.close()
    store.close()


def hold_the_head(store: EventStore) -> sa.Connection:
    """Another session holding the log head's row lock, as a long append would."""
    connection = store.engine.connect()
    connection.exec_driver_sql("SELECT position FROM event_log_head WHERE id = 1 FOR UPDATE")
    return connection


@pytest.mark.postgres
def test_a_writer_that_never_gets_the_lock_gives_up_in_one_line(stores) -> None:
    store, impatient = stores
    holder = hold_the_head(store)
    started = time.monotonic()
    try:
        with pytest.raises(StoreBusy) as busy:
            impatient.append(STREAM, 1, [NoteAdded(text="second")], metadata=PREPARER)
    finally:
        holder.rollback()
        holder.close()
    assert str(busy.value) == GAVE_UP
    # Every attempt waited out its lock timeout: the attempts really happened.
    assert time.monotonic() - started >= ATTEMPTS * 0.1
    assert [e.event.text for e in store.read_stream(STREAM)] == ["first"]
    assert store.verify().ok


@pytest.mark.postgres
def test_a_writer_retries_past_a_lock_held_briefly(stores) -> None:
    store, impatient = stores
    holder = hold_the_head(store)
    releaser = threading.Timer(0.3, holder.rollback)
    releaser.start()
    started = time.monotonic()
    try:
        (recorded,) = impatient.append(STREAM, 1, [NoteAdded(text="second")], metadata=PREPARER)
    finally:
        releaser.join()
        holder.close()
    # One attempt would have failed after 100 ms; the lock was held for 300 ms.
    assert time.monotonic() - started >= 0.3
    assert (recorded.version, recorded.position) == (2, 2)
    assert store.verify().ok


@pytest.mark.postgres
def test_a_stale_writer_is_not_retried(stores) -> None:
    _, impatient = stores
    with pytest.raises(ConcurrencyError):
        impatient.append(STREAM, 0, [NoteAdded(text="stale")], metadata=PREPARER)


def test_a_locked_sqlite_file_is_retried_with_a_growing_jittered_back_off(
    tmp_path: Path,
) -> None:
    path = tmp_path / "locked.db"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    waiting = sqlite3.connect(path, timeout=0, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError) as locked:
        waiting.execute("BEGIN IMMEDIATE")
    writer.close()
    waiting.close()
    assert transient_reason(locked.value) == "database is locked"

    attempts: list[int] = []
    delays: list[float] = []

    def attempt() -> None:
        attempts.append(1)
        raise locked.value

    with pytest.raises(StoreBusy) as busy:
        retrying(attempt, sleep=delays.append)
    assert str(busy.value) == (
        f"database: database is locked after {ATTEMPTS} attempts; nothing was written, try again"
    )
    assert len(attempts) == ATTEMPTS and len(delays) == ATTEMPTS - 1
    assert all(0 < delay <= 1.5 * MAX_DELAY for delay in delays)
    assert delays[-1] > delays[0]


def test_other_errors_are_not_retried() -> None:
    attempts: list[int] = []

    def attempt() -> None:
        attempts.append(1)
        raise sqlite3.OperationalError("no such table: events")

    with pytest.raises(sqlite3.OperationalError):
        retrying(attempt, sleep=lambda _: None)
    assert attempts == [1]
