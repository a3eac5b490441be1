"""An in-memory event store with the same rules as the SQL store, for unit tests of the domain."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from events.chain import GENESIS_HASH, Row, build_rows, check_append_arguments, utc_text
from events.errors import ConcurrencyError
from events.model import Event, Metadata, RecordedEvent, validate_stream_id
from events.protocol import OutboxMessage, Snapshot
from events.registry import EventRegistry, default_registry
from events.verify import check_stream_segment


def recorded(registry: EventRegistry, row: Row) -> RecordedEvent:
    """Decode a stored row into a RecordedEvent."""
    return RecordedEvent(
        position=row.position,
        stream_id=row.stream_id,
        version=row.version,
        event_id=row.event_id,
        event_type=row.event_type,
        schema_version=row.schema_version,
        event=registry.decode(row.event_type, row.schema_version, row.payload),
        actor=row.actor,
        role=row.role,
        recorded_at=row.recorded_at,
        correlation_id=row.correlation_id,
        causation_id=row.causation_id,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


class InMemoryEventStore:
    """A list-backed store: same validation, versioning and hash chain, no durability."""

    def __init__(
        self,
        registry: EventRegistry = default_registry,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.registry = registry
        self.clock = clock
        self.rows: list[Row] = []
        self.outbox: list[OutboxMessage] = []
        self.snapshots: dict[str, list[Snapshot]] = {}
        self._versions: dict[str, int] = {}

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
        """Append all of ``events`` or none; see :meth:`events.store.EventStore.append`."""
        checked = check_append_arguments(self.registry, stream_id, expected_version, events)
        actual = self._versions.get(stream_id, 0)
        if actual != expected_version:
            raise ConcurrencyError(stream_id, expected_version, actual)
        rows = [
            Row._make(values)
            for values in build_rows(
                checked,
                stream_id=stream_id,
                first_version=actual + 1,
                first_position=len(self.rows) + 1,
                prev_hash=self.rows[-1].hash if self.rows else GENESIS_HASH,
                metadata=metadata,
                recorded_at=self.clock(),
            )
        ]
        self.rows.extend(rows)
        self._versions[stream_id] = actual + len(rows)
        self.outbox.extend(outbox)
        if snapshot is not None:
            self.snapshots.setdefault(snapshot.stream_id, []).append(snapshot)
        return [recorded(self.registry, row) for row in rows]

    def read_stream(
        self,
        stream_id: str,
        *,
        from_version: int = 1,
        to_version: int | None = None,
        as_of: datetime | None = None,
    ) -> list[RecordedEvent]:
        """The stream's events in version order, optionally cut at a version or a moment."""
        validate_stream_id(stream_id)
        cutoff = utc_text(as_of) if as_of is not None else None
        return [
            recorded(self.registry, row)
            for row in self.rows
            if row.stream_id == stream_id
            and row.version >= from_version
            and (to_version is None or row.version <= to_version)
            and (cutoff is None or utc_text(row.recorded_at) <= cutoff)
        ]

    def read_stream_verified(
        self,
        stream_id: str,
        *,
        to_version: int | None = None,
        to_position: int | None = None,
        as_of: datetime | None = None,
    ) -> list[RecordedEvent]:
        """The stream's events from its first, once the segment of the chain they sit in
        holds; see :meth:`events.store.EventStore.read_stream_verified`."""
        validate_stream_id(stream_id)
        cutoff = utc_text(as_of) if as_of is not None else None
        mine = [row for row in self.rows if row.stream_id == stream_id]
        read = [
            row
            for row in mine
            if (to_version is None or row.version <= to_version)
            and (to_position is None or row.position <= to_position)
            and (cutoff is None or utc_text(row.recorded_at) <= cutoff)
        ]
        last = read[-1].version if read else 0
        following = next(((r.version, r.position) for r in mine if r.version > last), None)
        hashes = {row.position: row.hash for row in self.rows}
        check_stream_segment(
            stream_id, ((row, hashes.get(row.position - 1)) for row in read), following
        )
        return [recorded(self.registry, row) for row in read]

    def read_all(self, from_position: int = 0, limit: int | None = None) -> list[RecordedEvent]:
        """Events after ``from_position`` in log order."""
        rows = self.rows[from_position:]
        if limit is not None:
            rows = rows[:limit]
        return [recorded(self.registry, row) for row in rows]

    def stream_version(self, stream_id: str) -> int:
        """The stream's current version (0 for a stream with no events)."""
        return self._versions.get(validate_stream_id(stream_id), 0)

    def load_snapshot(self, stream_id: str, *, max_version: int | None = None) -> Snapshot | None:
        """The newest snapshot of the stream at or below ``max_version``, if any."""
        fitting = [
            s
            for s in self.snapshots.get(stream_id, [])
            if max_version is None or s.version <= max_version
        ]
        return max(fitting, key=lambda s: s.version, default=None)
