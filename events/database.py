"""Opening the database named by one URL: SQLite (embedded default) or PostgreSQL.

SQLite runs in WAL mode with full fsync on commit (an audit log must survive a
power cut), a long busy timeout, and write transactions started with
``BEGIN IMMEDIATE`` so two writers queue instead of deadlocking on lock upgrade.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlalchemy as sa
    from sqlalchemy.engine import Connection, Dialect, Engine

#: The database used when neither an option nor ``JIXIAO_DB`` names one.
DEFAULT_URL = "sqlite:///jixiao.db"

_WRITE = "jixiao_write"


def database_url(url: str | None = None) -> str:
    """The URL to use: the argument, else ``JIXIAO_DB``, else the embedded default."""
    chosen = url or os.environ.get("JIXIAO_DB") or DEFAULT_URL
    # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2, and
    # postgres:// (what hosting providers and libpq hand out) names no dialect at all.
    for scheme in ("postgresql://", "postgres://"):
        if chosen.startswith(scheme):
            return "postgresql+psycopg://" + chosen.removeprefix(scheme)
    return chosen


#: The prefix of a SQLite file's URL (three slashes, then the path).
_SQLITE_FILE = "sqlite:///"
_EXPECTED_URL = "sqlite:///PATH or postgresql://USER@HOST[:PORT]/DB"


def _shown(url: str) -> str:
    """``url`` as a message may show it: the password replaced by ``***``."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def parse_database_url(url: str | None = None) -> sa.URL:
    """The URL :func:`database_url` chooses, parsed and checked: SQLite or PostgreSQL, and a
    port from 1 to 65535. A ValueError names what is wrong in one line (password hidden)."""
    import sqlalchemy as sa

    shown = _shown(url or os.environ.get("JIXIAO_DB") or DEFAULT_URL)
    try:
        resolved = sa.engine.make_url(database_url(url))
        port = resolved.port
    except (sa.exc.ArgumentError, ValueError):
        # make_url reads the port with int(): "abc" is a ValueError, not an ArgumentError.
        raise ValueError(f"database URL: got {shown!r}, expected {_EXPECTED_URL}") from None
    if resolved.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValueError(f"database URL: got {shown!r}, expected {_EXPECTED_URL}")
    if port is not None and not 1 <= port <= 65535:
        raise ValueError(
            f"database URL port: got {port} in {shown!r}, expected a port from 1 to 65535"
        )
    return resolved


def sqlite_file(url: str | None = None) -> Path | None:
    """The file of a SQLite database URL (resolved), None for PostgreSQL or in-memory SQLite."""
    chosen = database_url(url)
    plain = chosen.removeprefix(_SQLITE_FILE)
    if plain != chosen and plain and plain != ":memory:" and not any(c in plain for c in "?%#@"):
        # A plain file path: SQLAlchemy's parser gives it as it is, so the reads that only
        # need the file's name (which outputs may not overwrite) need not load SQLAlchemy.
        return Path(plain).expanduser().resolve()
    resolved = parse_database_url(url)
    path = resolved.database
    if resolved.get_backend_name() != "sqlite" or not path or path == ":memory:":
        return None
    return Path(path).expanduser().resolve()


def create_database_engine(url: str | None = None, *, pool_size: int = 5) -> Engine:
    """An Engine for ``url`` (see :func:`database_url`) with the store's connection settings.

    ``pool_size`` connections are kept, and as many again may be opened under load: a
    server whose request threads each hold one asks for as many as it has threads."""
    import sqlalchemy as sa

    resolved = parse_database_url(url)
    if resolved.get_backend_name() == "sqlite":
        if resolved.database in (None, "", ":memory:"):
            # Each connection of a pool would hold a database of its own, and the log would
            # end with the process: refused before SQLAlchemy refuses the pool's settings.
            raise ValueError(
                f"database URL: got {_shown(str(url or database_url()))!r}, expected a SQLite "
                f"file or a PostgreSQL server ({_EXPECTED_URL}), not a database in memory"
            )
        return _sqlite_engine(resolved, pool_size)
    # No pre-ping: it costs a round trip per checkout, a third of a small append. A
    # connection broken by a server restart fails one operation and is dropped from the
    # pool (the store invalidates it; SQLAlchemy does for its own statements).
    return sa.create_engine(
        resolved, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800
    )


def _sqlite_engine(url: sa.URL, pool_size: int) -> Engine:
    import sqlalchemy as sa

    if url.database and url.database != ":memory:":
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url, connect_args={"timeout": 60}, pool_size=pool_size, max_overflow=pool_size
    )

    @sa.event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's begin event issue BEGIN itself (pysqlite's own is deferred only).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        if connection.get_execution_options().get(_WRITE, False):
            driver = connection.connection.driver_connection
            assert driver is not None
            begin_immediate(driver)
        else:
            connection.exec_driver_sql("BEGIN")

    return engine


#: How long a SQLite statement waits for another connection's lock before it fails.
SQLITE_BUSY_TIMEOUT_MS = 60_000
#: The first and the longest pause between two tries of a write transaction's BEGIN IMMEDIATE
#: while another process writes (begin_immediate).
_FIRST_PAUSE_S = 50e-6
_LONGEST_PAUSE_S = 1e-3


def begin_immediate(driver: Any) -> None:
    """``BEGIN IMMEDIATE`` on a SQLite driver connection (or cursor), waiting for another
    process's write transaction in short steps.

    SQLite's busy handler sleeps 1, 2, 5, 10 … 100 ms between its tries: a writer that
    found the lock taken slept on long after it was freed, and each try it lost to the
    other process's next transaction lengthened the next sleep. Under the web bench's load
    the two server processes spent some 12 % of their time there, each with its event loop
    stopped. Here the busy timeout is set aside for the BEGIN alone, which is tried again
    after 50 µs, doubling to 1 ms, for as long as the timeout would have waited; then
    SQLite's own "database is locked" error is raised (docs/decisions/0631).
    """
    driver.execute("PRAGMA busy_timeout=0")
    try:
        pause, deadline = _FIRST_PAUSE_S, time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                driver.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                    raise
                if time.monotonic() >= deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, _LONGEST_PAUSE_S)
    finally:
        driver.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


def driver_placeholder(dialect: Dialect) -> str:
    """The driver's parameter marker in its own SQL: ``?`` (sqlite3) or ``%s`` (psycopg)."""
    return "?" if dialect.paramstyle == "qmark" else "%s"


def driver_rows(engine: Engine, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """The rows of one read statement in the driver's own SQL, run on a pooled driver
    connection, the driver's values as it gives them.

    For the small reads every request makes (a session, an inbox, the checkpoints):
    SQLAlchemy's connection around a text statement builds the result's column metadata at
    every execution, which costs more than most of these queries (decision 0620).
    """
    connection = engine.raw_connection()
    driver = connection.driver_connection
    # On PostgreSQL, autocommit: one round trip, where a transaction's BEGIN before the read
    # and the pool's ROLLBACK after it made three (the store's own reads do the same).
    single = engine.dialect.name == "postgresql"
    try:
        if single:
            driver.autocommit = True  # type: ignore[union-attr]
        cursor = connection.cursor()
        try:
            cursor.execute(sql, tuple(parameters))
            return [tuple(row) for row in cursor.fetchall()]
        finally:
            cursor.close()
    finally:
        if single:
            driver.autocommit = False  # type: ignore[union-attr]
        connection.close()


#: A lock per SQLite file for the write transactions of this process's threads.
_WRITERS: dict[str, threading.RLock] = {}
_WRITERS_GUARD = threading.Lock()


def _forget_writers() -> None:
    # A child forked while a thread held a lock gets it held by no one of its own.
    _WRITERS.clear()


os.register_at_fork(after_in_child=_forget_writers)


def writers_queue(engine: Engine) -> AbstractContextManager[object]:
    """Held around each write transaction on a SQLite file: this process's writers queue
    on a lock of their own and go to SQLite's lock one at a time, instead of each polling
    it with the busy handler's sleeps (1 ms growing to 100 ms), which a writer would sleep
    through after the lock was freed. SQLite admits one writer at a time whatever this
    lock does; another process's writer waits for it in :func:`begin_immediate`. Reentrant, so a
    thread's nested writes behave as they did without it. PostgreSQL needs no queue."""
    url = engine.url
    path = url.database
    if url.get_backend_name() != "sqlite" or not path or path == ":memory:":
        return nullcontext()
    lock = _WRITERS.get(path)
    if lock is None:
        with _WRITERS_GUARD:
            lock = _WRITERS.setdefault(path, threading.RLock())
    return lock


@contextmanager
def write_connection(engine: Engine) -> Iterator[Connection]:
    """A connection whose transactions take the write lock at BEGIN (SQLite) or as usual,
    in this process's queue of writers (:func:`writers_queue`); use it in a ``with``."""
    with writers_queue(engine), engine.connect().execution_options(**{_WRITE: True}) as c:
        yield c
