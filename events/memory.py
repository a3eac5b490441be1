"""An in-memory event store with the same rules as the SQL store, for unit tests of the domain.

``rows``, ``snapshots`` and ``outbox`` are what the SQL store's tables hold; tests may edit
them as an attacker would edit the tables.
"""

from __future__ import annotations

import bisect
import dataclasses
import json
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from events.chain import (
    GENESIS_HASH,
    Row,
    build_rows,
    canonical_json,
    check_append_arguments,
    check_streams_once,
    utc_text,
)
from events.errors import ConcurrencyError
from events.model import Event, Metadata, RecordedEvent, validate_stream_id
from events.protocol import (
    EventStoreProtocol,
    OutboxMessage,
    OutboxRecord,
    Snapshot,
    StreamAppend,
)
from events.registry import EventRegistry, default_registry
from events.verify import (
    ChainReport,
    check_noted_positions,
    check_stream_segment,
    verify_rows,
)


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


def _utc(moment: datetime) -> datetime:
    """Aware UTC; a naive moment is taken as UTC, as the SQL store takes it."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class InMemoryEventStore(EventStoreProtocol):
    """A list-backed store: same validation, versioning and hash chain, no durability."""

    def __init__(
        self,
        registry: EventRegistry = default_registry,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.registry = registry
        self.clock = clock
        #: The events "table", in position order.
        self.rows: list[Row] = []
        #: The outbox "table", in row-id order.
        self.outbox: list[OutboxRecord] = []
        #: The snapshots "table", per stream in the order they were stored.
        self.snapshots: dict[str, list[Snapshot]] = {}
        # The log head, kept apart from the rows as the SQL store keeps it in its own table.
        self._head: tuple[int, str] = (0, GENESIS_HASH)
        self._versions: dict[str, int] = {}

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
        """Append all of ``events`` or none; see :meth:`events.store.EventStore.append`."""
        checked = check_append_arguments(self.registry, stream_id, expected_version, events)
        if not isinstance(metadata, Metadata):
            raise TypeError("metadata must be an events.Metadata")
        if snapshot is not None:
            validate_stream_id(snapshot.stream_id)
        if not checked:
            return []
        actual = self._versions.get(stream_id, 0)
        if actual != expected_version:
            raise ConcurrencyError(stream_id, expected_version, actual)
        now = _utc(self.clock())
        position, prev_hash = self._head
        rows = [
            Row._make(values)
            for values in build_rows(
                checked,
                stream_id=stream_id,
                first_version=actual + 1,
                first_position=position + 1,
                prev_hash=prev_hash,
                metadata=metadata,
                recorded_at=now,
            )
        ]
        self.rows.extend(rows)
        self._head = (rows[-1].position, rows[-1].hash)
        self._versions[stream_id] = actual + len(rows)
        self._keep_outbox(outbox, rows[-1].position, now)
        if snapshot is not None:
            self._keep_snapshot(snapshot)
        return [recorded(self.registry, row) for row in rows]

    def append_streams(
        self, appends: Sequence[StreamAppend], *, metadata: Metadata
    ) -> list[list[RecordedEvent]]:
        """All of the appends or none; see :meth:`events.store.EventStore.append_streams`."""
        check_streams_once(appends)
        for part in appends:
            check_append_arguments(
                self.registry, part.stream_id, part.expected_version, part.events
            )
            actual = self._versions.get(part.stream_id, 0)
            if actual != part.expected_version:
                raise ConcurrencyError(part.stream_id, part.expected_version, actual)
        if not isinstance(metadata, Metadata):
            raise TypeError("metadata must be an events.Metadata")
        # Every check is made before the first append: none of them can fail after it.
        return [
            self.append(part.stream_id, part.expected_version, part.events, metadata=metadata)
            for part in appends
        ]

    def _keep_outbox(self, outbox: Sequence[OutboxMessage], position: int, now: datetime) -> None:
        keys = {record.key for record in self.outbox}
        for message in outbox:
            if message.key in keys:
                continue
            keys.add(message.key)
            self.outbox.append(
                OutboxRecord(
                    id=len(self.outbox) + 1,
                    key=message.key,
                    topic=message.topic,
                    # What the SQL store reads back: the payload as JSON round-trips it.
                    payload=json.loads(canonical_json(message.payload)),
                    position=position,
                    created_at=now,
                    published_at=None,
                    attempts=0,
                )
            )

    def _keep_snapshot(self, snapshot: Snapshot) -> None:
        kept = self.snapshots.setdefault(snapshot.stream_id, [])
        if all(s.version != snapshot.version for s in kept):
            kept.append(
                dataclasses.replace(snapshot, state=json.loads(canonical_json(snapshot.state)))
            )

    # -- reading -----------------------------------------------------------------------

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
        from_version: int = 1,
        to_version: int | None = None,
        to_position: int | None = None,
        as_of: datetime | None = None,
    ) -> list[RecordedEvent]:
        """The stream's events from ``from_version``, once the segment of the chain they
        sit in holds; see :meth:`events.store.EventStore.read_stream_verified`."""
        validate_stream_id(stream_id)
        cutoff = utc_text(as_of) if as_of is not None else None
        mine = [row for row in self.rows if row.stream_id == stream_id]
        read = [
            row
            for row in mine
            if row.version >= from_version
            and (to_version is None or row.version <= to_version)
            and (to_position is None or row.position <= to_position)
            and (cutoff is None or utc_text(row.recorded_at) <= cutoff)
        ]
        last = read[-1].version if read else from_version - 1
        following = next(((r.version, r.position) for r in mine if r.version > last), None)
        hashes = {row.position: row.hash for row in self.rows}
        check_stream_segment(
            stream_id,
            ((row, hashes.get(row.position - 1)) for row in read),
            following,
            first_version=from_version,
        )
        return [recorded(self.registry, row) for row in read]

    def stream_links_hold(self, stream_id: str, through_version: int) -> bool:
        """Whether versions 1 to ``through_version`` are all there, each following the row
        before it; see :meth:`events.store.EventStore.stream_links_hold`."""
        validate_stream_id(stream_id)
        hashes = {row.position: row.hash for row in self.rows}
        mine = [r for r in self.rows if r.stream_id == stream_id and r.version <= through_version]
        return len(mine) == through_version and all(
            row.position == 1 or hashes.get(row.position - 1) == row.prev_hash for row in mine
        )

    def read_all(
        self, after: int = 0, limit: int = 1000, *, event_types: Collection[str] | None = None
    ) -> list[RecordedEvent]:
        """Up to ``limit`` events with position greater than ``after``, in log order; with
        ``event_types``, only events of those types."""
        start = bisect.bisect_right(self.rows, after, key=lambda row: row.position)
        rows = self.rows[start:]
        if event_types is not None:
            wanted = set(event_types)
            rows = [row for row in rows if row.event_type in wanted]
        return [recorded(self.registry, row) for row in rows[:limit]]

    def find_events(self, event_type: str, containing: str) -> list[RecordedEvent]:
        """The events of ``event_type`` whose stored payload contains ``containing``."""
        return [
            recorded(self.registry, row)
            for row in self.rows
            if row.event_type == event_type and containing in row.payload
        ]

    def stream_version(self, stream_id: str) -> int:
        """The stream's current version (0 for a stream with no events)."""
        return self._versions.get(validate_stream_id(stream_id), 0)

    def head_position(self) -> int:
        """The position of the last committed event (0 for an empty log)."""
        return self._head[0]

    def _row_at(self, position: int) -> Row | None:
        index = bisect.bisect_left(self.rows, position, key=lambda row: row.position)
        if index < len(self.rows) and self.rows[index].position == position:
            return self.rows[index]
        return None

    def hash_at(self, position: int) -> str | None:
        """The stored hash of the event at ``position`` (None if the log holds no such row)."""
        row = self._row_at(position)
        return None if row is None else row.hash

    # -- integrity ---------------------------------------------------------------------

    def verify(
        self,
        *,
        batch_size: int = 5000,
        progress: Callable[[int], None] | None = None,
        accepted: Callable[[Sequence[Any]], None] | None = None,
    ) -> ChainReport:
        """Walk the whole chain; see :meth:`events.store.EventStore.verify`."""
        rows = list(self.rows)
        batches = (rows[start : start + batch_size] for start in range(0, len(rows), batch_size))
        position, head_hash = self._head
        return verify_rows(
            batches,
            head_position=position,
            head_hash=head_hash,
            progress=progress,
            accepted=accepted,
        )

    def decode_rows(self, rows: Sequence[Sequence[Any]]) -> list[RecordedEvent]:
        """Rows as :meth:`verify` hands them out, as recorded events."""
        return [recorded(self.registry, Row._make(row)) for row in rows]

    def check_positions(self, expected: Mapping[int, str | None], *, chunk: int = 500) -> None:
        """Check the events at the given positions; see
        :meth:`events.reads.DriverReads.check_positions`."""
        check_noted_positions(
            expected,
            lambda part: [
                (row, self.hash_at(row.position - 1))
                for row in map(self._row_at, part)
                if row is not None
            ],
            chunk=chunk,
        )

    # -- snapshots ---------------------------------------------------------------------

    def load_snapshot(self, stream_id: str, *, max_version: int | None = None) -> Snapshot | None:
        """The newest snapshot of the stream at or below ``max_version``, if any."""
        validate_stream_id(stream_id)
        fitting = [
            s
            for s in self.snapshots.get(stream_id, [])
            if max_version is None or s.version <= max_version
        ]
        return max(fitting, key=lambda s: s.version, default=None)

    def save_snapshot(self, snapshot: Snapshot) -> None:
        """Store a snapshot on its own; a second one at the same version is ignored."""
        validate_stream_id(snapshot.stream_id)
        self._keep_snapshot(snapshot)

    def snapshot_keys(self, kind: str, schema_version: int) -> list[tuple[str, int]]:
        """The stream and version of every stored snapshot of ``kind`` at ``schema_version``."""
        return sorted(
            (s.stream_id, s.version)
            for kept in self.snapshots.values()
            for s in kept
            if s.kind == kind and s.schema_version == schema_version
        )

    def snapshot_text(self, stream_id: str, version: int) -> str | None:
        """A stored snapshot's state as the SQL store keeps it (canonical JSON), if any."""
        for s in self.snapshots.get(stream_id, []):
            if s.version == version:
                return canonical_json(s.state)
        return None

    # -- the outbox --------------------------------------------------------------------

    def pending_outbox(
        self, limit: int = 100, *, topic: str | None = None
    ) -> list[tuple[int, OutboxMessage]]:
        """Outbox messages (of ``topic``) not yet published, oldest first, with their row ids."""
        return [
            (r.id, OutboxMessage(r.topic, r.payload, r.key))
            for r in self.outbox
            if r.published_at is None and (topic is None or r.topic == topic)
        ][:limit]

    def _outbox_index(self, row_id: int) -> int | None:
        return next((i for i, r in enumerate(self.outbox) if r.id == row_id), None)

    def mark_published(self, row_id: int, at: datetime) -> bool:
        """Mark an outbox row published at ``at`` (one more attempt); False if it was already."""
        index = self._outbox_index(row_id)
        if index is None or self.outbox[index].published_at is not None:
            return False
        row = self.outbox[index]
        self.outbox[index] = dataclasses.replace(
            row, published_at=_utc(at), attempts=row.attempts + 1
        )
        return True

    def count_failed_attempt(self, row_id: int) -> None:
        """Record that publishing an outbox row failed."""
        index = self._outbox_index(row_id)
        if index is not None:
            row = self.outbox[index]
            self.outbox[index] = dataclasses.replace(row, attempts=row.attempts + 1)

    def claim(self, row_id: int, at: datetime) -> int | None:
        """Take a pending row for delivery: marked delivered, one more attempt; the attempts
        made so far, or None when it was taken already (or there is no such row)."""
        if not self.mark_published(row_id, at):
            return None
        index = self._outbox_index(row_id)
        assert index is not None
        return self.outbox[index].attempts

    def release(self, row_id: int) -> None:
        """Give a claimed row back (its delivery failed): pending again, attempts kept."""
        index = self._outbox_index(row_id)
        if index is not None:
            self.outbox[index] = dataclasses.replace(self.outbox[index], published_at=None)

    def outbox_rows(self, topic: str | None = None) -> list[OutboxRecord]:
        """Every outbox row (of ``topic``), oldest first."""
        return [r for r in self.outbox if topic is None or r.topic == topic]
