"""The log read through the database driver alone, without SQLAlchemy.

A read command answered from the read models needs little of the store: the schema's
revisions, the head of the log, and the caller's stream to check their token. Opening the
store through SQLAlchemy (and its ORM, for the SQLModel tables) costs more than the rest of
such a command, so :class:`LogReader` holds a plain driver connection (``sqlite3``, or
``psycopg`` for PostgreSQL) and reads with the store's own statements and decoding
(:mod:`events.statements`, :mod:`events.rows`). It only reads (docs/decisions/0208).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from events.migrations import VERSION_TABLE
from events.reads import DriverReads
from events.registry import EventRegistry, default_registry
from events.statements import Statements

#: The URL prefixes a reader opens; any other form is left to the SQL store.
_SQLITE = "sqlite:///"
_POSTGRES = "postgresql+psycopg://"


class LogReader(DriverReads):
    """A driver connection to the database of one URL, for reads only.

    ``errors`` is the driver's base exception class: a caller that meets one (a missing
    table, a database that cannot be reached) may answer through the SQL store instead,
    which names the problem as every command does.
    """

    def __init__(
        self, connection: Any, *, sqlite: bool, registry: EventRegistry = default_registry
    ) -> None:
        self.connection = connection
        self.sqlite = sqlite
        self.registry = registry
        self._sql = Statements("sqlite" if sqlite else "postgresql")
        self.placeholder = self._sql.placeholder
        self.errors: type[Exception] = sqlite3.Error
        if not sqlite:
            import psycopg

            self.errors = psycopg.Error

    @classmethod
    def connect(cls, url: str, registry: EventRegistry = default_registry) -> LogReader | None:
        """A reader of the database at ``url`` (as :func:`events.database.database_url`
        gives it): a SQLite file that exists, or PostgreSQL through psycopg (its query
        parameters are libpq's, as they are for the SQL store's driver). None for any other
        URL (in-memory SQLite, SQLite with parameters or escapes) or a database that does
        not answer: the SQL store opens those, or says why it cannot."""
        if url.startswith(_SQLITE) and not any(mark in url for mark in "?%"):
            # The path as SQLAlchemy's SQLite dialect hands it to sqlite3 (no ~ expanded);
            # escapes and parameters are left to it.
            path = Path(url.removeprefix(_SQLITE))
            if not path.is_file():
                return None
            try:
                connection = sqlite3.connect(path, timeout=60, isolation_level=None)
            except sqlite3.Error:
                return None
            return cls(connection, sqlite=True, registry=registry)
        if url.startswith(_POSTGRES):
            import psycopg

            try:
                served = psycopg.connect(
                    "postgresql://" + url.removeprefix(_POSTGRES), autocommit=True
                )
            except psycopg.Error:
                return None
            return cls(served, sqlite=False, registry=registry)
        return None

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction: every read inside sees the database at one moment, so a
        checkpoint compared with the head of the log and the rows read after it agree."""
        begin = "BEGIN" if self.sqlite else "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
        self.connection.execute(begin)
        try:
            yield
        finally:
            self.connection.execute("ROLLBACK")

    def _query(self, sql: str, parameters: Sequence[Any]) -> list[tuple[Any, ...]]:
        return self.rows(sql, parameters)

    def rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of one read statement, in the driver's parameter style
        (:attr:`placeholder`)."""
        return list(self.connection.execute(sql, tuple(parameters)).fetchall())

    def revisions(self) -> frozenset[str]:
        """The schema revisions applied to the database (empty without a version table).
        Read outside :meth:`snapshot`: on PostgreSQL a failed statement ends a transaction."""
        try:
            found = self.rows(f"SELECT version_num FROM {VERSION_TABLE}")
        except self.errors:  # no version table: the SQL store says what the database lacks
            return frozenset()
        return frozenset(row[0] for row in found)
