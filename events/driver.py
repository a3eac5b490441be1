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
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from events.chain import Row
from events.migrations import VERSION_TABLE
from events.model import RecordedEvent, validate_stream_id
from events.registry import EventRegistry, default_registry
from events.rows import aware_utc, decode_rows, stored_moment
from events.statements import END_OF_TIME, EVENT_COLUMNS, LAST_VERSION, Statements
from events.verify import check_noted_positions, check_stream_segment

#: The URL prefixes a reader opens; any other form is left to the SQL store.
_SQLITE = "sqlite:///"
_POSTGRES = "postgresql+psycopg://"


class LogReader:
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
        self.placeholder = "?" if sqlite else "%s"
        self._sql = Statements("sqlite" if sqlite else "postgresql")
        self.errors: type[Exception] = sqlite3.Error
        if not sqlite:
            import psycopg

            self.errors = psycopg.Error

    @classmethod
    def connect(cls, url: str) -> LogReader | None:
        """A reader of the database at ``url`` (as :func:`events.database.database_url`
        gives it): a SQLite file that exists, or PostgreSQL through psycopg (its query
        parameters are libpq's, as they are for the SQL store's driver). None for any other
        URL (in-memory SQLite, SQLite with parameters) or a database that does not answer:
        the SQL store opens those, or says why it cannot."""
        if url.startswith(_SQLITE) and "?" not in url:
            path = Path(url.removeprefix(_SQLITE)).expanduser()
            if not path.is_file():
                return None
            try:
                connection = sqlite3.connect(path, timeout=60, isolation_level=None)
            except sqlite3.Error:
                return None
            return cls(connection, sqlite=True)
        if url.startswith(_POSTGRES):
            import psycopg

            try:
                served = psycopg.connect(
                    "postgresql://" + url.removeprefix(_POSTGRES), autocommit=True
                )
            except psycopg.Error:
                return None
            return cls(served, sqlite=False)
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

    def head_position(self) -> int:
        """The position of the last committed event (0 for an empty log)."""
        ((position,),) = self.rows(self._sql.head_position)
        return int(position)

    def read_stream(
        self,
        stream_id: str,
        *,
        from_version: int = 1,
        to_version: int | None = None,
        as_of: datetime | None = None,
    ) -> list[RecordedEvent]:
        """The stream's events in version order, as :meth:`events.EventStore.read_stream`
        reads them."""
        validate_stream_id(stream_id)
        upto = LAST_VERSION if to_version is None else to_version
        until = stored_moment(as_of or END_OF_TIME, sqlite=self.sqlite)
        found = self.rows(self._sql.read_stream, (stream_id, from_version, upto, until))
        return decode_rows(self.registry, found)

    def stream_version(self, stream_id: str) -> int:
        """The stream's current version (0 for a stream with no events)."""
        validate_stream_id(stream_id)
        ((version,),) = self.rows(self._sql.stream_version, (stream_id,))
        return int(version or 0)

    def _linked_rows(self, where: str, parameters: Sequence[Any]) -> list[tuple[Row, str | None]]:
        """Event rows matching ``where`` (on ``e``), by position, each with the hash stored at
        the position before it (None where no row holds it), as the SQL store reads them."""
        columns = ", ".join(f"e.{name}" for name in EVENT_COLUMNS)
        # One primary-key probe per row, not a join (see EventStore.stream_links_hold).
        before = "(SELECT b.hash FROM events AS b WHERE b.position = e.position - 1)"
        found = self.rows(
            f"SELECT {columns}, {before} FROM events AS e WHERE {where} ORDER BY e.position",
            parameters,
        )
        width = len(EVENT_COLUMNS)
        linked = []
        for row in found:
            # SQLite's driver returns the moment as its stored text; the hash covers it.
            stored = Row._make(row[:width])
            moment = aware_utc(stored.recorded_at)
            linked.append((stored._replace(recorded_at=moment), row[width]))
        return linked

    def check_positions(self, expected: Mapping[int, str | None], *, chunk: int = 500) -> None:
        """Check the events at the given positions as
        :meth:`events.EventStore.check_positions` does (TamperedEvent or BrokenChain at the
        first that does not hold)."""

        def linked_rows(part: list[int]) -> list[tuple[Row, str | None]]:
            marks = ", ".join([self.placeholder] * len(part))
            return self._linked_rows(f"e.position IN ({marks})", part)

        check_noted_positions(expected, linked_rows, chunk=chunk)

    def read_stream_verified(
        self,
        stream_id: str,
        *,
        from_version: int = 1,
        to_version: int | None = None,
        to_position: int | None = None,
        as_of: datetime | None = None,
    ) -> list[RecordedEvent]:
        """The stream's events once the segment of the chain they sit in holds, as
        :meth:`events.EventStore.read_stream_verified` reads and checks them."""
        validate_stream_id(stream_id)
        p = self.placeholder
        where = [f"e.stream_id = {p}"]
        parameters: list[Any] = [stream_id]
        for condition, value in (
            (f"e.version >= {p}", from_version if from_version > 1 else None),
            (f"e.version <= {p}", to_version),
            (f"e.position <= {p}", to_position),
            (f"e.recorded_at <= {p}", as_of and stored_moment(as_of, sqlite=self.sqlite)),
        ):
            if value is not None:
                where.append(condition)
                parameters.append(value)
        rows = self._linked_rows(" AND ".join(where), parameters)
        last = rows[-1][0].version if rows else from_version - 1
        following = self.rows(
            f"SELECT version, position FROM events WHERE stream_id = {p} AND version > {p} "
            "ORDER BY version LIMIT 1",
            (stream_id, last),
        )
        check_stream_segment(
            stream_id,
            rows,
            (following[0][0], following[0][1]) if following else None,
            first_version=from_version,
        )
        return decode_rows(self.registry, [row for row, _ in rows])

    def stream_links_hold(self, stream_id: str, through_version: int) -> bool:
        """Whether the stream's versions 1 to ``through_version`` are all in the log, each
        still following the row before it (:meth:`events.EventStore.stream_links_hold`)."""
        validate_stream_id(stream_id)
        p = self.placeholder
        before = "(SELECT b.hash FROM events AS b WHERE b.position = e.position - 1)"
        ((count, unlinked),) = self.rows(
            "SELECT count(*), coalesce(sum(CASE WHEN e.position > 1 AND "
            f"coalesce({before}, '') <> e.prev_hash THEN 1 ELSE 0 END), 0) "
            f"FROM events AS e WHERE e.stream_id = {p} AND e.version <= {p}",
            (stream_id, through_version),
        )
        return bool(count == through_version and not unlinked)
