"""A SQLite write transaction waits for another connection's in short steps of its own
(events.database.begin_immediate), not in the busy handler's sleeps of 1 ms growing to
100 ms."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from events import EventStore, Metadata, database
from events.database import (
    SQLITE_BUSY_TIMEOUT_MS,
    begin_immediate,
    create_database_engine,
    write_connection,
)
from tests.events.sample_events import NoteAdded, registry

ACTOR = Metadata(actor="zhang.san", role="preparer", correlation_id="c-1")


def _connect(path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    return connection


def _busy_timeout(connection: sqlite3.Connection) -> int:
    return connection.execute("PRAGMA busy_timeout").fetchone()[0]


class _Busy:
    """A driver whose BEGIN IMMEDIATE finds the lock taken ``times`` times."""

    def __init__(self, times: int) -> None:
        self.left = times
        self.statements: list[str] = []

    def execute(self, sql: str) -> None:
        self.statements.append(sql)
        if sql == "BEGIN IMMEDIATE" and self.left:
            self.left -= 1
            error = sqlite3.OperationalError("database is locked")
            error.sqlite_errorcode = sqlite3.SQLITE_BUSY
            raise error


def test_the_tries_come_50_us_apart_doubling_to_1_ms(monkeypatch) -> None:
    pauses: list[float] = []
    monkeypatch.setattr(database.time, "sleep", pauses.append)
    driver = _Busy(times=8)
    begin_immediate(driver)
    assert pauses == pytest.approx([50e-6, 100e-6, 200e-6, 400e-6, 800e-6, 1e-3, 1e-3, 1e-3])
    assert driver.statements[0] == "PRAGMA busy_timeout=0"
    assert driver.statements[1:-1] == ["BEGIN IMMEDIATE"] * 9
    # SQLite's own timeout is back for every other statement of the connection.
    assert driver.statements[-1] == f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}"


def test_a_writer_begins_once_the_other_connection_commits(tmp_path) -> None:
    path = tmp_path / "two.db"
    holder, waiter = _connect(path), _connect(path)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO t VALUES (1)")
    began = threading.Event()

    def wait_and_write() -> None:
        begin_immediate(waiter)
        waiter.execute("INSERT INTO t VALUES (2)")
        waiter.execute("COMMIT")
        began.set()

    thread = threading.Thread(target=wait_and_write)
    thread.start()
    assert not began.wait(0.2)  # the other connection holds the write lock
    holder.execute("COMMIT")
    thread.join(30)
    assert began.is_set()
    assert [x for (x,) in holder.execute("SELECT x FROM t ORDER BY x")] == [1, 2]
    assert _busy_timeout(waiter) == SQLITE_BUSY_TIMEOUT_MS


def test_a_lock_held_past_the_timeout_fails_as_sqlite_does(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 100)
    path = tmp_path / "held.db"
    holder, waiter = _connect(path), _connect(path)
    holder.execute("BEGIN IMMEDIATE")
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        begin_immediate(waiter)
    assert not waiter.in_transaction
    assert _busy_timeout(waiter) == 100
    holder.execute("ROLLBACK")


def test_any_other_error_is_raised_at_once(tmp_path, monkeypatch) -> None:
    pauses: list[float] = []
    monkeypatch.setattr(database.time, "sleep", pauses.append)
    connection = _connect(tmp_path / "nested.db")
    connection.execute("BEGIN")
    with pytest.raises(sqlite3.OperationalError, match="within a transaction"):
        begin_immediate(connection)
    assert pauses == []
    assert _busy_timeout(connection) == SQLITE_BUSY_TIMEOUT_MS


def test_the_store_and_the_read_models_writers_begin_through_it(tmp_path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    store = EventStore.open(url, registry, create=True)
    begun: list[object] = []
    original = database.begin_immediate

    def counted(driver) -> None:
        begun.append(driver)
        original(driver)

    monkeypatch.setattr(database, "begin_immediate", counted)
    monkeypatch.setattr("events.store.begin_immediate", counted)
    store.append("note:1", 0, [NoteAdded(text="one")], metadata=ACTOR)
    assert len(begun) == 1
    engine = create_database_engine(url)
    with write_connection(engine) as connection, connection.begin():
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    assert len(begun) == 2
    # A read transaction begins as before, without the write lock.
    with engine.connect() as connection:
        connection.exec_driver_sql("SELECT count(*) FROM t").all()
    assert len(begun) == 2
    store.close()
    engine.dispose()
