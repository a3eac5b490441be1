"""The SQL event store: append with optimistic concurrency, read, follow, snapshot.

Positions are assigned by the writer while it holds the lock on the single
``event_log_head`` row, so they are gapless and in commit order: a reader that
has seen position N has seen every position below it, and following the log by
``position > checkpoint`` never skips an event (docs/decisions/0001).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from events.chain import Row, build_rows, canonical_json, check_append_arguments
from events.database import create_database_engine, write_connection
from events.errors import ConcurrencyError
from events.model import Event, Metadata, RecordedEvent, validate_stream_id
from events.protocol import OutboxMessage, Snapshot
from events.registry import EventRegistry, default_registry
from events.schema import (
    create_store_schema,
    events_table,
    head_table,
    outbox_table,
    snapshots_table,
)
from events.verify import ChainReport, verify_rows

_E = events_table.c
_COLUMNS = [
    _E.position,
    _E.stream_id,
    _E.version,
    _E.event_id,
    _E.event_type,
    _E.schema_version,
    _E.payload,
    _E.actor,
    _E.role,
    _E.recorded_at,
    _E.correlation_id,
    _E.causation_id,
    _E.prev_hash,
    _E.hash,
]


def _utc(moment: datetime) -> datetime:
    """Naive UTC, the form both backends store (the column has no time zone)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _upsert_ignoring(connection: Connection, table: sa.Table) -> Any:
    """INSERT … ON CONFLICT DO NOTHING for the connection's dialect."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


class EventStore:
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
        self._head_and_version = (
            sa.select(
                head_table.c.position,
                head_table.c.hash,
                sa.select(sa.func.max(_E.version))
                .where(_E.stream_id == sa.bindparam("stream_id"))
                .scalar_subquery(),
            )
            .where(head_table.c.id == 1)
            .with_for_update(of=head_table)
        )

    @classmethod
    def open(
        cls, url: str | None = None, registry: EventRegistry = default_registry, **kwargs: Any
    ) -> EventStore:
        """Open the store at ``url`` (or ``JIXIAO_DB``, or the SQLite default), creating tables."""
        store = cls(create_database_engine(url), registry, **kwargs)
        store.create_schema()
        return store

    def create_schema(self) -> None:
        """Create the store's tables and append-only guards if they are missing."""
        with write_connection(self.engine) as connection, connection.begin():
            create_store_schema(connection)

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
        if not checked:
            return []
        recorded_at = _utc(self.clock())
        with write_connection(self.engine) as connection:
            try:
                with connection.begin():
                    rows = self._append_rows(
                        connection, stream_id, expected_version, checked, metadata, recorded_at
                    )
                    if outbox:
                        self._insert_outbox(connection, outbox, rows[-1].position, recorded_at)
                    if snapshot is not None:
                        self._insert_snapshot(connection, snapshot, recorded_at)
            except sa.exc.IntegrityError as error:
                # Another writer took the version between our read and our insert.
                actual = self.stream_version(stream_id)
                if actual != expected_version:
                    raise ConcurrencyError(stream_id, expected_version, actual) from None
                raise error
        return [self._recorded(row, event) for row, event in zip(rows, checked, strict=True)]

    def _append_rows(
        self,
        connection: Connection,
        stream_id: str,
        expected_version: int,
        events: list[Event],
        metadata: Metadata,
        recorded_at: datetime,
    ) -> list[Row]:
        position, prev_hash, version = connection.execute(
            self._head_and_version, {"stream_id": stream_id}
        ).one()
        actual = version or 0
        if actual != expected_version:
            raise ConcurrencyError(stream_id, expected_version, actual)
        rows = build_rows(
            events,
            stream_id=stream_id,
            first_version=actual + 1,
            first_position=position + 1,
            prev_hash=prev_hash,
            metadata=metadata,
            recorded_at=recorded_at,
        )
        connection.execute(sa.insert(events_table), [row.as_dict() for row in rows])
        connection.execute(
            sa.update(head_table)
            .where(head_table.c.id == 1)
            .values(position=rows[-1].position, hash=rows[-1].hash)
        )
        return rows

    def _insert_outbox(
        self,
        connection: Connection,
        messages: Sequence[OutboxMessage],
        position: int,
        created_at: datetime,
    ) -> None:
        connection.execute(
            _upsert_ignoring(connection, outbox_table),
            [
                {
                    "key": message.key,
                    "topic": message.topic,
                    "payload": canonical_json(message.payload),
                    "position": position,
                    "created_at": created_at,
                    "attempts": 0,
                }
                for message in messages
            ],
        )

    def _insert_snapshot(
        self, connection: Connection, snapshot: Snapshot, created_at: datetime
    ) -> None:
        validate_stream_id(snapshot.stream_id)
        connection.execute(
            _upsert_ignoring(connection, snapshots_table),
            {
                "stream_id": snapshot.stream_id,
                "version": snapshot.version,
                "kind": snapshot.kind,
                "schema_version": snapshot.schema_version,
                "state": canonical_json(snapshot.state),
                "created_at": created_at,
            },
        )

    def save_snapshot(self, snapshot: Snapshot) -> None:
        """Store a snapshot on its own; a second one at the same version is ignored."""
        with self.engine.begin() as connection:
            self._insert_snapshot(connection, snapshot, _utc(self.clock()))

    # -- reading -----------------------------------------------------------------------

    def _recorded(self, row: Any, event: Event | None = None) -> RecordedEvent:
        if event is None:
            event = self.registry.decode(row.event_type, row.schema_version, row.payload)
        return RecordedEvent(
            position=row.position,
            stream_id=row.stream_id,
            version=row.version,
            event_id=row.event_id,
            event_type=row.event_type,
            schema_version=row.schema_version,
            event=event,
            actor=row.actor,
            role=row.role,
            recorded_at=row.recorded_at.replace(tzinfo=UTC),
            correlation_id=row.correlation_id,
            causation_id=row.causation_id,
            prev_hash=row.prev_hash,
            hash=row.hash,
        )

    def read_stream(
        self,
        stream_id: str,
        *,
        from_version: int = 1,
        to_version: int | None = None,
        as_of: datetime | None = None,
    ) -> list[RecordedEvent]:
        """The stream's events in version order, optionally up to a version or a moment."""
        validate_stream_id(stream_id)
        query = sa.select(*_COLUMNS).where(_E.stream_id == stream_id, _E.version >= from_version)
        if to_version is not None:
            query = query.where(_E.version <= to_version)
        if as_of is not None:
            query = query.where(_E.recorded_at <= _utc(as_of))
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(_E.version)).all()
        return [self._recorded(row) for row in rows]

    def stream_version(self, stream_id: str) -> int:
        """The stream's current version (0 for a stream with no events)."""
        validate_stream_id(stream_id)
        with self.engine.connect() as connection:
            version = connection.execute(
                sa.select(sa.func.max(_E.version)).where(_E.stream_id == stream_id)
            ).scalar()
        return version or 0

    def head_position(self) -> int:
        """The position of the last committed event (0 for an empty log)."""
        with self.engine.connect() as connection:
            return connection.execute(sa.select(head_table.c.position)).scalar_one()

    def read_all(self, after: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        """Up to ``limit`` events with position greater than ``after``, in log order."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(*_COLUMNS).where(_E.position > after).order_by(_E.position).limit(limit)
            ).all()
        return [self._recorded(row) for row in rows]

    def iter_all(self, after: int = 0, batch_size: int = 1000) -> Iterator[list[RecordedEvent]]:
        """The whole log after ``after`` in batches, ending at the head as it was when reached."""
        while batch := self.read_all(after, batch_size):
            yield batch
            after = batch[-1].position

    def follow(
        self,
        after: int = 0,
        *,
        batch_size: int = 1000,
        poll_interval: float = 0.05,
        stop: Callable[[], bool] = lambda: False,
    ) -> Iterator[list[RecordedEvent]]:
        """Tail the log: yield batches as they commit, polling while idle, until ``stop()``."""
        while not stop():
            batch = self.read_all(after, batch_size)
            if batch:
                after = batch[-1].position
                yield batch
            else:
                time.sleep(poll_interval)

    def load_snapshot(self, stream_id: str, *, max_version: int | None = None) -> Snapshot | None:
        """The newest snapshot of the stream at or below ``max_version``, if any."""
        s = snapshots_table.c
        query = sa.select(s.stream_id, s.version, s.kind, s.schema_version, s.state).where(
            s.stream_id == validate_stream_id(stream_id)
        )
        if max_version is not None:
            query = query.where(s.version <= max_version)
        with self.engine.connect() as connection:
            row = connection.execute(query.order_by(s.version.desc()).limit(1)).first()
        if row is None:
            return None
        return Snapshot(
            row.stream_id, row.version, row.kind, row.schema_version, json.loads(row.state)
        )

    def pending_outbox(self, limit: int = 100) -> list[tuple[int, OutboxMessage]]:
        """Outbox messages not yet published, oldest first, with their row ids."""
        o = outbox_table.c
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(o.id, o.topic, o.payload, o.key)
                .where(o.published_at.is_(None))
                .order_by(o.id)
                .limit(limit)
            ).all()
        return [
            (row.id, OutboxMessage(row.topic, json.loads(row.payload), row.key)) for row in rows
        ]

    # -- integrity ---------------------------------------------------------------------

    def verify(
        self, *, batch_size: int = 5000, progress: Callable[[int], None] | None = None
    ) -> ChainReport:
        """Walk the whole chain and report the first position whose hash does not hold."""
        with self.engine.connect() as connection:
            head = connection.execute(sa.select(head_table.c.position, head_table.c.hash)).one()

            def batches() -> Iterator[Sequence[Any]]:
                after = -1
                while rows := connection.execute(
                    sa.select(*_COLUMNS)
                    .where(_E.position > after)
                    .order_by(_E.position)
                    .limit(batch_size)
                ).all():
                    yield rows
                    after = rows[-1].position

            return verify_rows(
                batches(), head_position=head.position, head_hash=head.hash, progress=progress
            )
