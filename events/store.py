"""The SQL event store: append with optimistic concurrency, read, follow, snapshot.

Positions are assigned by the writer while it holds the lock on the single
``event_log_head`` row, so they are gapless and in commit order: a reader that
has seen position N has seen every position below it, and following the log by
``position > checkpoint`` never skips an event (docs/decisions/0001).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from events.chain import (
    Row,
    RowValues,
    build_rows,
    canonical_json,
    check_append_arguments,
    check_streams_once,
)
from events.database import (
    begin_immediate,
    create_database_engine,
    write_connection,
    writers_queue,
)
from events.durability import unsynced
from events.errors import ConcurrencyError
from events.migrations import STORE_VERSIONS, applied_revisions, require_revisions, upgrade
from events.model import Event, Metadata, RecordedEvent, validate_stream_id
from events.protocol import (
    EventStoreProtocol,
    OutboxMessage,
    OutboxRecord,
    Snapshot,
    StreamAppend,
)
from events.reads import DriverReads
from events.registry import EventRegistry, default_registry
from events.rows import as_utc, aware_utc, naive_utc, stored_moment
from events.schema import STORE_REVISION, outbox_table, snapshots_table
from events.statements import Statements
from events.transient import retrying, transient_reason
from events.verify import (
    check_run,
)

#: On PostgreSQL, appends of at most this many events (a command's worth) try the
#: two-round-trip conditional statement first; appends of at least _COPY_FROM use COPY.
_CONDITIONAL_MAX = 8
_COPY_FROM = 100
#: After a lost race, how long a writer reads the head before appending conditionally.
_CONTENDED_SECONDS = 1.0


class _Append(NamedTuple):
    """One append, checked: what every write path needs to know."""

    stream_id: str
    expected_version: int
    events: list[Event]
    metadata: Metadata
    recorded_at: datetime
    outbox: Sequence[OutboxMessage]
    snapshot: Snapshot | None


def _recorded(
    rows: Sequence[RowValues], checked: Sequence[Event], at: datetime
) -> list[RecordedEvent]:
    """The recorded events of an append's rows, with the events as given."""
    # tuple.__new__ builds the same RecordedEvent without the named tuple's Python __new__;
    # unpacking each row into names costs half what slicing it would.
    make, recorded = tuple.__new__, RecordedEvent
    return [
        make(recorded, (p, s, v, i, t, sv, event, a, r, at, c, ca, ph, h))
        for (p, s, v, i, t, sv, _, a, r, _, c, ca, ph, h), event in zip(rows, checked, strict=True)
    ]


class _HeldConnection:
    """A thread's pooled DBAPI connection, held between calls: the context manager every
    statement runs in, which drops the connection from the pool if the server broke it."""

    __slots__ = ("driver", "owner", "pid", "pooled")

    def __init__(self, owner: threading.local, pooled: Any) -> None:
        self.owner, self.pooled, self.pid = owner, pooled, os.getpid()
        self.driver = pooled.driver_connection

    def __enter__(self) -> Any:
        return self.driver

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        # psycopg marks a connection the server dropped; sqlite3 connections have no flags.
        driver = self.driver
        if kind is None:
            return
        if getattr(driver, "broken", False) or getattr(driver, "closed", False):
            self.owner.connection = None
            self.pooled.invalidate()


class EventStore(DriverReads, EventStoreProtocol):
    """The durable, hash-chained event log on SQLite or PostgreSQL."""

    def __init__(
        self,
        engine: Engine,
        registry: EventRegistry = default_registry,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.registry = registry
        self.clock = clock
        self._sql = Statements(engine.dialect.name)
        self._sqlite = self._sql.sqlite
        database = engine.url.database
        self._file = os.path.abspath(database) if self._sqlite and database else None
        self._integrity_error = engine.dialect.loaded_dbapi.IntegrityError
        self._held = threading.local()

    @classmethod
    def open(
        cls,
        url: str | None = None,
        registry: EventRegistry = default_registry,
        *,
        create: bool = False,
        revisions: Sequence[str] = (STORE_REVISION,),
        pool_size: int = 5,
        **kwargs: Any,
    ) -> EventStore:
        """Open the store at ``url`` (or ``JIXIAO_DB``, or the SQLite default).

        Changes no schema: the database must be at ``revisions`` (the store's by default;
        the CLI asks for the read models' too), else :class:`SchemaNotCurrent`. With
        ``create``, the store's tables are created first if the database has none (see
        :meth:`create_schema`).
        """
        store = cls(create_database_engine(url, pool_size=pool_size), registry, **kwargs)
        try:
            if create:
                store.create_schema()
            with store.engine.connect() as connection:
                require_revisions(connection, revisions)
        except BaseException:
            store.engine.dispose()
            raise
        return store

    def create_schema(self) -> None:
        """Migrate a database without the store's tables to the store's head revision (a
        store of its own: tests, tools); leave one already there alone.

        The read models' tables are not created: ``jixiao admin init`` and
        ``jixiao admin migrate`` (:func:`projections.migrations.migrate`) build the
        database every command needs.
        """
        with write_connection(self.engine) as connection, connection.begin():
            applied = applied_revisions(connection) or ()
            if STORE_REVISION not in applied:
                upgrade(connection, [STORE_VERSIONS])

    # -- the driver connection ---------------------------------------------------------

    def _driver(self) -> _HeldConnection:
        """This thread's DBAPI connection, kept between calls (a pool checkout per append
        costs as much as the append's statements); use it as ``with self._driver() as c``."""
        held = getattr(self._held, "connection", None)
        if held is None or held.pid != os.getpid():
            held = self._held.connection = _HeldConnection(self._held, self.engine.raw_connection())
        return held

    def close(self) -> None:
        """Return this thread's connection to the pool and close the pool's connections."""
        held = getattr(self._held, "connection", None)
        if held is not None and held.pid == os.getpid():
            held.pooled.close()
        self._held.connection = None
        self.engine.dispose()

    def _stored_moment(self, moment: datetime) -> Any:
        """A UTC moment in the form the recorded_at column holds on this backend."""
        return stored_moment(moment, sqlite=self._sqlite)

    def _query(self, sql: str, parameters: Sequence[Any]) -> list[tuple[Any, ...]]:
        """Run one read statement outside any transaction and return its rows."""
        with self._driver() as connection:
            if self._sqlite:
                return connection.execute(sql, parameters).fetchall()
            # Autocommit: one round trip, no BEGIN and no ROLLBACK around a single read.
            connection.autocommit = True
            try:
                return connection.execute(sql, parameters).fetchall()
            finally:
                connection.autocommit = False

    # -- writing -----------------------------------------------------------------------

    def append(
        self,
        stream_id: str,
        expected_version: int,
        events: Sequence[Event],
        *,
        metadata: Metadata,
        outbox: Sequence[OutboxMessage] = (),
        snapshot: Snapshot | None = None,
    ) -> list[RecordedEvent]:
        """Append ``events`` to ``stream_id`` if it is at ``expected_version``, in one transaction.

        Outbox messages and a snapshot commit with the events or not at all. A stale
        expected version raises :class:`ConcurrencyError` and writes nothing.
        """
        checked = check_append_arguments(self.registry, stream_id, expected_version, events)
        if not isinstance(metadata, Metadata):
            raise TypeError("metadata must be an events.Metadata")
        if snapshot is not None:
            validate_stream_id(snapshot.stream_id)
        if not checked:
            return []
        request = _Append(
            stream_id, expected_version, checked, metadata, as_utc(self.clock()), outbox, snapshot
        )
        write = self._write_sqlite if self._sqlite else self._write_postgres

        queue = writers_queue(self.engine) if self._sqlite else nullcontext()

        def attempt() -> list[RowValues]:
            try:
                with queue, self._driver() as connection:
                    return write(connection, request)
            except Exception as error:
                if transient_reason(error) is not None:
                    self._held.head = None  # chain after the head as it is read next time
                raise

        try:
            rows = retrying(attempt)
        except self._integrity_error:
            # Another writer took the version between our read and our insert.
            actual = self.stream_version(stream_id)
            if actual != expected_version:
                raise ConcurrencyError(stream_id, expected_version, actual) from None
            raise
        return _recorded(rows, checked, request.recorded_at)

    def append_streams(
        self, appends: Sequence[StreamAppend], *, metadata: Metadata
    ) -> list[list[RecordedEvent]]:
        """Append to several streams in one transaction, each after the one before it in the
        chain: every stream's events or none (see :class:`EventStoreProtocol`)."""
        check_streams_once(appends)
        if not isinstance(metadata, Metadata):
            raise TypeError("metadata must be an events.Metadata")
        at = as_utc(self.clock())
        requests = [
            _Append(
                part.stream_id,
                part.expected_version,
                check_append_arguments(
                    self.registry, part.stream_id, part.expected_version, part.events
                ),
                metadata,
                at,
                (),
                None,
            )
            for part in appends
        ]
        writing = [request for request in requests if request.events]
        if not writing:
            return [[] for _ in requests]
        queue = writers_queue(self.engine) if self._sqlite else nullcontext()

        def attempt() -> list[list[RowValues]]:
            try:
                with queue, self._driver() as connection:
                    if self._sqlite:
                        return self._write_sqlite_streams(connection, writing)
                    return self._write_postgres_streams(connection, writing)
            except Exception as error:
                if transient_reason(error) is not None:
                    self._held.head = None
                raise

        try:
            written = iter(retrying(attempt))
        except self._integrity_error:
            for request in writing:
                actual = self.stream_version(request.stream_id)
                if actual != request.expected_version:
                    raise ConcurrencyError(
                        request.stream_id, request.expected_version, actual
                    ) from None
            raise
        return [
            _recorded(next(written), request.events, at) if request.events else []
            for request in requests
        ]

    def _write_sqlite_streams(
        self, connection: Any, requests: Sequence[_Append]
    ) -> list[list[RowValues]]:
        sql, stored_at = self._sql, self._stored_moment(requests[0].recorded_at)
        cursor = connection.cursor()
        with self._commit_mode(cursor):
            return self._streams_transaction(cursor, connection, sql, stored_at, requests)

    def _streams_transaction(
        self,
        cursor: Any,
        connection: Any,
        sql: Statements,
        stored_at: Any,
        requests: Sequence[_Append],
    ) -> list[list[RowValues]]:
        begin_immediate(cursor)
        try:
            written = []
            for request in requests:
                # The head read after the previous stream's rows: each chains on the last.
                head = cursor.execute(sql.lock_head, (request.stream_id,)).fetchone()
                rows = self._chain(head, request, stored_at)
                cursor.executemany(sql.insert, rows)
                last = Row._make(rows[-1])
                cursor.execute(sql.move_head, (last.position, last.hash))
                written.append(rows)
            cursor.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        return written

    def _write_postgres_streams(
        self, connection: Any, requests: Sequence[_Append]
    ) -> list[list[RowValues]]:
        sql, stored_at = self._sql, naive_utc(requests[0].recorded_at)
        try:
            written = []
            with connection.cursor() as cursor:
                for request in requests:
                    cursor.execute(sql.lock_head, (request.stream_id,))
                    rows = self._chain(cursor.fetchone(), request, stored_at)
                    cursor.executemany(sql.insert, rows)
                    last = Row._make(rows[-1])
                    cursor.execute(sql.move_head, (last.position, last.hash))
                    written.append(rows)
            connection.commit()
        except BaseException:
            if not connection.closed:
                connection.rollback()
            raise
        last = Row._make(written[-1][-1])
        self._held.head = (last.position, last.hash)
        return written

    @staticmethod
    def _chain(head: Sequence[Any], request: _Append, stored_at: Any) -> list[RowValues]:
        """Check the version read with the head, then chain the rows after the head, their
        recorded_at in the column's form ``stored_at``."""
        position, prev_hash, version = head
        actual = version or 0
        if actual != request.expected_version:
            raise ConcurrencyError(request.stream_id, request.expected_version, actual)
        return build_rows(
            request.events,
            stream_id=request.stream_id,
            first_version=actual + 1,
            first_position=position + 1,
            prev_hash=prev_hash,
            metadata=request.metadata,
            recorded_at=request.recorded_at,
            stored_at=stored_at,
        )

    def _extras(
        self,
        cursor: Any,
        position: int,
        stored_at: Any,
        outbox: Sequence[OutboxMessage],
        snapshot: Snapshot | None,
    ) -> None:
        """Write the outbox messages and snapshot that commit with the events."""
        if outbox:
            cursor.executemany(
                self._sql.insert_outbox,
                [(m.key, m.topic, canonical_json(m.payload), position, stored_at) for m in outbox],
            )
        if snapshot is not None:
            cursor.execute(
                self._sql.insert_snapshot,
                (
                    snapshot.stream_id,
                    snapshot.version,
                    snapshot.kind,
                    snapshot.schema_version,
                    canonical_json(snapshot.state),
                    stored_at,
                ),
            )

    @contextmanager
    def _commit_mode(self, cursor: Any) -> Iterator[None]:
        """Around a SQLite write transaction: when the caller takes over the wait for the
        disk (:mod:`events.durability`), the transaction commits without it and, committed,
        notes its log for the caller to sync; the connection is in full sync again after."""
        taken = unsynced()
        if taken is None or self._file is None:
            yield
            return
        cursor.execute("PRAGMA synchronous=NORMAL")
        try:
            yield
            taken.note(self._file)
        finally:
            cursor.execute("PRAGMA synchronous=FULL")

    def _write_sqlite(self, connection: Any, request: _Append) -> list[RowValues]:
        sql, stored_at = self._sql, self._stored_moment(request.recorded_at)
        # One cursor for the transaction's statements (Connection.execute makes one each).
        cursor = connection.cursor()
        with self._commit_mode(cursor):
            return self._append_transaction(cursor, connection, sql, stored_at, request)

    def _append_transaction(
        self, cursor: Any, connection: Any, sql: Statements, stored_at: Any, request: _Append
    ) -> list[RowValues]:
        begin_immediate(cursor)
        try:
            head = cursor.execute(sql.lock_head, (request.stream_id,)).fetchone()
            rows = self._chain(head, request, stored_at)
            cursor.executemany(sql.insert, rows)
            last = Row._make(rows[-1])
            cursor.execute(sql.move_head, (last.position, last.hash))
            if request.outbox or request.snapshot is not None:
                self._extras(cursor, last.position, stored_at, request.outbox, request.snapshot)
            cursor.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        return rows

    def _write_postgres(self, connection: Any, request: _Append) -> list[RowValues]:
        if (
            not request.outbox
            and request.snapshot is None
            and len(request.events) <= _CONDITIONAL_MAX
        ):
            rows = self._write_postgres_conditionally(connection, request)
            if rows is not None:
                return rows
        rows = self._write_postgres_locked(connection, request)
        last = Row._make(rows[-1])
        self._held.head = (last.position, last.hash)
        return rows

    def _write_postgres_conditionally(
        self, connection: Any, request: _Append
    ) -> list[RowValues] | None:
        """One round trip while this thread is the only writer: chain after the head it
        last saw and append with one conditional statement; after a lost race, read the
        head first for a while (two round trips).

        Returns None when the head or the stream moved: the caller then appends under the
        lock, which re-reads the stream's version and reports a conflict properly.
        """
        sql, stream_id, expected = self._sql, request.stream_id, request.expected_version
        seen = getattr(self._held, "head", None)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                if seen is None or time.monotonic() < getattr(self._held, "contended", 0.0):
                    cursor.execute(sql.read_head, (stream_id,))
                    position, prev_hash, version = cursor.fetchone()
                    if (version or 0) != expected:
                        raise ConcurrencyError(stream_id, expected, version or 0)
                    seen = (position, prev_hash)
                rows = self._chain((*seen, expected), request, naive_utc(request.recorded_at))
                last = Row._make(rows[-1])
                parameters: list[Any] = [
                    last.position,
                    last.hash,
                    *seen,
                    stream_id,
                    expected,
                ]
                for row in rows:
                    parameters.extend(row)
                cursor.execute(sql.conditional_append(len(rows)), parameters)
                if cursor.rowcount == len(rows):
                    self._held.head = (last.position, last.hash)
                    return rows
        finally:
            if not connection.closed:
                connection.autocommit = False
        # Other writers are active: stop trusting the remembered head for a second.
        self._held.head = None
        self._held.contended = time.monotonic() + _CONTENDED_SECONDS
        return None

    def _write_postgres_locked(self, connection: Any, request: _Append) -> list[RowValues]:
        """Lock the head row, check the version, insert (COPY for imports), move the head."""
        sql, stored_at = self._sql, naive_utc(request.recorded_at)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql.lock_head, (request.stream_id,))
                rows = self._chain(cursor.fetchone(), request, stored_at)
                if len(rows) >= _COPY_FROM:
                    with cursor.copy(sql.copy) as copy:
                        for row in rows:
                            copy.write_row(row)
                else:
                    cursor.executemany(sql.insert, rows)
                last = Row._make(rows[-1])
                cursor.execute(sql.move_head, (last.position, last.hash))
                self._extras(cursor, last.position, stored_at, request.outbox, request.snapshot)
            connection.commit()
        except BaseException:
            if not connection.closed:
                connection.rollback()
            raise
        return rows

    # -- reading -----------------------------------------------------------------------

    def decode_rows(self, rows: Sequence[Sequence[Any]]) -> list[RecordedEvent]:
        """Rows of the events table (its columns in order, as :meth:`verify` hands them
        out) as recorded events."""
        return self._decode(rows)

    def read_all(
        self, after: int = 0, limit: int = 1000, *, event_types: Collection[str] | None = None
    ) -> list[RecordedEvent]:
        """Up to ``limit`` events with position greater than ``after``, in log order; with
        ``event_types``, only events of those types."""
        if event_types is None:
            return self._decode(self._query(self._sql.read_all, (after, limit)))
        types = sorted(set(event_types))
        if not types:
            return []
        return self._decode(self._query(self._sql.read_types(len(types)), (after, *types, limit)))

    def read_all_verified(self, after: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        """Up to ``limit`` events after position ``after``, in log order, once they hold as
        a run of the chain: positions one after another from ``after + 1``, each row
        matching its hash and following the row before it (the first, the row at ``after``).
        Raises TamperedEvent or BrokenChain at the first row that does not; a rebuild of
        the read models reads the log this way (:func:`events.verify.check_run`)."""
        rows = self._query(self._sql.read_all, (after, limit))
        check_run(rows, after, self.hash_at(after) if after else None, aware_utc)
        return self._decode(rows)

    def find_events(self, event_type: str, containing: str) -> list[RecordedEvent]:
        """The events of ``event_type`` whose stored payload text contains ``containing``
        (a digest, an id: compared exactly, case included), in log order."""
        return self._decode(self._query(self._sql.find_events, (event_type, containing)))

    def save_snapshot(self, snapshot: Snapshot) -> None:
        """Store a snapshot on its own; a second one at the same version is ignored."""
        validate_stream_id(snapshot.stream_id)
        stored_at = self._stored_moment(self.clock())

        def attempt() -> None:
            with self._driver() as connection:
                if self._sqlite:
                    self._extras(connection, 0, stored_at, (), snapshot)
                    return
                try:
                    with connection.cursor() as cursor:
                        self._extras(cursor, 0, stored_at, (), snapshot)
                    connection.commit()
                except BaseException:
                    if not connection.closed:
                        connection.rollback()
                    raise

        retrying(attempt)

    def snapshot_keys(self, kind: str, schema_version: int) -> list[tuple[str, int]]:
        """The stream and version of every stored snapshot of ``kind`` at ``schema_version``
        (the ones a loader of that kind would start from), ordered."""
        s = snapshots_table.c
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(s.stream_id, s.version)
                .where(s.kind == kind, s.schema_version == schema_version)
                .order_by(s.stream_id, s.version)
            ).all()
        return [(row.stream_id, row.version) for row in rows]

    def snapshot_text(self, stream_id: str, version: int) -> str | None:
        """A stored snapshot's state exactly as stored (JSON text), if there is one."""
        s = snapshots_table.c
        with self.engine.connect() as connection:
            return connection.execute(
                sa.select(s.state).where(s.stream_id == stream_id, s.version == version)
            ).scalar()

    # -- the outbox --------------------------------------------------------------------

    def pending_outbox(
        self, limit: int = 100, *, topic: str | None = None
    ) -> list[tuple[int, OutboxMessage]]:
        """Outbox messages (of ``topic``) not yet published, oldest first, with their row ids.

        Each consumer asks for its own topic, so that rows another one has not delivered
        (mail while the mail server is down) never hide its own behind the limit.
        """
        o = outbox_table.c
        query = sa.select(o.id, o.topic, o.payload, o.key).where(o.published_at.is_(None))
        if topic is not None:
            query = query.where(o.topic == topic)
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(o.id).limit(limit)).all()
        return [
            (row.id, OutboxMessage(row.topic, json.loads(row.payload), row.key)) for row in rows
        ]

    def mark_published(self, row_id: int, at: datetime) -> bool:
        """Mark an outbox row published at ``at`` (one more attempt); False if it was
        already (another relay marked it first) or there is no such row."""
        o = outbox_table.c
        with write_connection(self.engine) as connection, connection.begin():
            result = connection.execute(
                sa.update(outbox_table)
                .where(o.id == row_id, o.published_at.is_(None))
                .values(published_at=naive_utc(at), attempts=o.attempts + 1)
            )
        return result.rowcount == 1

    def count_failed_attempt(self, row_id: int) -> None:
        """Record that publishing an outbox row failed (the broker was unreachable)."""
        o = outbox_table.c
        with write_connection(self.engine) as connection, connection.begin():
            connection.execute(
                sa.update(outbox_table).where(o.id == row_id).values(attempts=o.attempts + 1)
            )

    def claim(self, row_id: int, at: datetime) -> int | None:
        """Take a pending row for delivery at ``at``: marked delivered, one more attempt; the
        attempts made so far, or None when another deliverer took it first (or no such row).

        The mark comes before the delivery, so two deliverers never both send a row; a
        failed delivery gives it back (:meth:`release`).
        """
        o = outbox_table.c
        with write_connection(self.engine) as connection, connection.begin():
            result = connection.execute(
                sa.update(outbox_table)
                .where(o.id == row_id, o.published_at.is_(None))
                .values(published_at=naive_utc(at), attempts=o.attempts + 1)
            )
            if result.rowcount != 1:
                return None
            attempts: int = connection.execute(
                sa.select(o.attempts).where(o.id == row_id)
            ).scalar_one()
        return attempts

    def release(self, row_id: int) -> None:
        """Give a claimed row back (its delivery failed): pending again, attempts kept."""
        o = outbox_table.c
        with write_connection(self.engine) as connection, connection.begin():
            connection.execute(
                sa.update(outbox_table).where(o.id == row_id).values(published_at=None)
            )

    def outbox_rows(self, topic: str | None = None) -> list[OutboxRecord]:
        """Every outbox row (of ``topic``), oldest first: for inspection and tests."""
        o = outbox_table.c
        query = sa.select(outbox_table).order_by(o.id)
        if topic is not None:
            query = query.where(o.topic == topic)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [
            OutboxRecord(
                id=row.id,
                key=row.key,
                topic=row.topic,
                payload=json.loads(row.payload),
                position=row.position,
                created_at=aware_utc(row.created_at),
                published_at=None if row.published_at is None else aware_utc(row.published_at),
                attempts=row.attempts,
            )
            for row in rows
        ]
