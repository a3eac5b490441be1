"""The log's reads as driver SQL, shared by the SQL store and the driver-only reader.

:class:`DriverReads` reads and checks streams with the store's statements
(:mod:`events.statements`) on whatever connection its subclass runs them on: the SQL
store's held DBAPI connection (:class:`events.store.EventStore`), or a plain driver
connection (:class:`events.driver.LogReader`, which loads no SQLAlchemy). One text of each
query and one set of checks serve both (docs/decisions/0208).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from events.chain import Row
from events.model import RecordedEvent, validate_stream_id
from events.protocol import Snapshot
from events.registry import EventRegistry
from events.rows import aware_utc, decode_rows, stored_moment
from events.statements import END_OF_TIME, EVENT_COLUMNS, LAST_VERSION, Statements
from events.verify import (
    ChainReport,
    check_noted_positions,
    check_run,
    check_stream_segment,
    verify_rows,
)

#: How many events after a position :meth:`DriverReads.streams_after` looks through: a
#: reader wanting to know which streams moved is fine reading the log another way when more
#: have been recorded (an import of a whole report is some 400).
STREAMS_AFTER_EVENTS = 2000

#: The hash stored at the position before ``e``'s: one primary-key probe per row read, not a
#: join, which PostgreSQL may plan as a hash of the whole log once the log is large.
_BEFORE_HASH = "(SELECT b.hash FROM events AS b WHERE b.position = e.position - 1)"


class DriverReads:
    """Reads of the log on a driver connection: a subclass gives :meth:`_query`."""

    registry: EventRegistry
    _sql: Statements

    def _query(self, sql: str, parameters: Sequence[Any]) -> list[tuple[Any, ...]]:
        """The rows of one read statement (in the driver's parameter style)."""
        raise NotImplementedError

    def _decode(self, rows: Sequence[Sequence[Any]]) -> list[RecordedEvent]:
        return decode_rows(self.registry, rows)

    def decode_rows(self, rows: Sequence[Sequence[Any]]) -> list[RecordedEvent]:
        """Rows of the events table (its columns in order, as :meth:`verify` hands them
        out) as recorded events."""
        return self._decode(rows)

    def rows_checked(
        self,
        after: int,
        limit: int,
        prev_hash: str | None,
        hashed: Callable[[Sequence[Any]], bool] | None = None,
    ) -> list[tuple[Any, ...]]:
        """Up to ``limit`` rows of the log after position ``after``, as plain tuples in the
        events table's column order, once they hold as a run of the chain after the row whose
        stored hash is ``prev_hash`` (:func:`events.verify.check_run`, with ``hashed``):
        TamperedEvent or BrokenChain at the first that does not. Undecoded, so a reader may
        decode only the rows it needs."""
        rows = self._query(self._sql.read_all, (after, limit))
        check_run(rows, after, prev_hash, aware_utc, hashed)
        return rows

    def verify(
        self,
        *,
        batch_size: int = 5000,
        progress: Callable[[int], None] | None = None,
        accepted: Callable[[Sequence[Any]], None] | None = None,
    ) -> ChainReport:
        """Walk the whole chain, as :meth:`events.EventStore.verify` does: every row from
        position 1 in batches of ``batch_size``, checked by :func:`events.verify.verify_rows`
        against the head's position and hash; ``accepted(rows)`` is handed the rows the chain
        vouches for (:class:`events.chain.Row`, the moment as aware UTC)."""
        ((head_position, head_hash),) = self._query(
            "SELECT position, hash FROM event_log_head WHERE id = 1", ()
        )

        def batches() -> Iterator[list[Row]]:
            after = -1
            moments: dict[Any, datetime] = {}
            while found := self._query(self._sql.read_all, (after, batch_size)):
                rows = []
                for values in found:
                    row = Row._make(values)
                    # SQLite's driver returns the moment as its stored text; the hash
                    # covers it as a moment, as the SQL store reads it.
                    moment = moments.get(row.recorded_at)
                    if moment is None:
                        moment = moments[row.recorded_at] = aware_utc(row.recorded_at)
                    rows.append(row._replace(recorded_at=moment))
                yield rows
                after = rows[-1].position

        return verify_rows(
            batches(),
            head_position=int(head_position),
            head_hash=head_hash,
            progress=progress,
            accepted=accepted,
        )

    def load_snapshot(self, stream_id: str, *, max_version: int | None = None) -> Snapshot | None:
        """The newest snapshot of the stream at or below ``max_version``, if any."""
        validate_stream_id(stream_id)
        upto = LAST_VERSION if max_version is None else max_version
        rows = self._query(self._sql.load_snapshot, (stream_id, upto))
        if not rows:
            return None
        stream, version, kind, schema_version, state = rows[0]
        return Snapshot(stream, version, kind, schema_version, json.loads(state))

    def snapshot_keys(self, kind: str, schema_version: int) -> list[tuple[str, int]]:
        """The stream and version of every stored snapshot of ``kind`` at ``schema_version``
        (the ones a loader of that kind would start from), ordered as
        :meth:`events.EventStore.snapshot_keys` orders them."""
        p = self._sql.placeholder
        found = self._query(
            f"SELECT stream_id, version FROM snapshots WHERE kind = {p} AND schema_version = {p}",
            (kind, schema_version),
        )
        # Ordered here, by code point, whatever the database's collation.
        return sorted((stream_id, int(version)) for stream_id, version in found)

    def snapshot_text(self, stream_id: str, version: int) -> str | None:
        """A stored snapshot's state exactly as stored (JSON text), if there is one."""
        p = self._sql.placeholder
        found = self._query(
            f"SELECT state FROM snapshots WHERE stream_id = {p} AND version = {p}",
            (stream_id, version),
        )
        return found[0][0] if found else None

    def hash_at(self, position: int) -> str | None:
        """The stored hash of the event at ``position`` (None if the log holds no such row)."""
        rows = self._query(self._sql.hash_at, (position,))
        return rows[0][0] if rows else None

    def head_position(self) -> int:
        """The position of the last committed event (0 for an empty log)."""
        ((position,),) = self._query(self._sql.head_position, ())
        return int(position)

    def streams_after(
        self, position: int, limit: int, *, events: int = STREAMS_AFTER_EVENTS
    ) -> list[str] | None:
        """The ids of the streams of the events after ``position``; None when there are
        more than ``limit`` of them, or more than ``events`` events to look through."""
        p = self._sql.placeholder
        # The events after the position, by position, then their streams: asked for the
        # distinct streams of the whole range, SQLite walked the (stream, version) index
        # over the whole log, some 50 ms at 50,000 events, in every inbox read under load.
        found = self._query(
            f"SELECT stream_id, count(*) FROM (SELECT stream_id FROM events "
            f"WHERE position > {p} ORDER BY position LIMIT {p}) AS recent GROUP BY stream_id",
            (position, events),
        )
        if len(found) > limit or sum(count for _, count in found) >= events:
            return None
        return [stream for stream, _ in found]

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
        until = stored_moment(as_of or END_OF_TIME, sqlite=self._sql.sqlite)
        found = self._query(self._sql.read_stream, (stream_id, from_version, upto, until))
        return self._decode(found)

    def stream_version(self, stream_id: str) -> int:
        """The stream's current version (0 for a stream with no events)."""
        validate_stream_id(stream_id)
        ((version,),) = self._query(self._sql.stream_version, (stream_id,))
        return int(version or 0)

    def _linked_rows(self, where: str, parameters: Sequence[Any]) -> list[tuple[Row, str | None]]:
        """Event rows matching ``where`` (on ``e``), by position, each with the hash stored at
        the position before it (None where no row holds it), as the SQL store reads them."""
        columns = ", ".join(f"e.{name}" for name in EVENT_COLUMNS)
        found = self._query(
            f"SELECT {columns}, {_BEFORE_HASH} FROM events AS e WHERE {where} ORDER BY e.position",
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
        """Check the events at the given positions as a
        reader that shows them must: each is in the log, matches its hash, follows the row
        before it, and has the hash noted for it (None: no hash noted). Raises
        :class:`events.errors.TamperedEvent` or :class:`events.errors.BrokenChain` at the
        first position that does not hold."""

        def linked_rows(part: list[int]) -> list[tuple[Row, str | None]]:
            marks = ", ".join([self._sql.placeholder] * len(part))
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
        p = self._sql.placeholder
        where = [f"e.stream_id = {p}"]
        parameters: list[Any] = [stream_id]
        for condition, value in (
            (f"e.version >= {p}", from_version if from_version > 1 else None),
            (f"e.version <= {p}", to_version),
            (f"e.position <= {p}", to_position),
            (f"e.recorded_at <= {p}", as_of and stored_moment(as_of, sqlite=self._sql.sqlite)),
        ):
            if value is not None:
                where.append(condition)
                parameters.append(value)
        rows = self._linked_rows(" AND ".join(where), parameters)
        last = rows[-1][0].version if rows else from_version - 1
        following = self._query(
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
        return self._decode([row for row, _ in rows])

    def stream_links_hold(self, stream_id: str, through_version: int) -> bool:
        """Whether the stream's versions 1 to ``through_version`` are all in the log, each
        still following the row before it (:meth:`events.EventStore.stream_links_hold`)."""
        validate_stream_id(stream_id)
        p = self._sql.placeholder
        ((count, unlinked),) = self._query(
            "SELECT count(*), coalesce(sum(CASE WHEN e.position > 1 AND "
            f"coalesce({_BEFORE_HASH}, '') <> e.prev_hash THEN 1 ELSE 0 END), 0) "
            f"FROM events AS e WHERE e.stream_id = {p} AND e.version <= {p}",
            (stream_id, through_version),
        )
        return bool(count == through_version and not unlinked)
