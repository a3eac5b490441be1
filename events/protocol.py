"""What the domain's application services need of a store, and the records that join an append.

The workflow layer depends on this protocol only, so it can be driven by the SQL
store in production and by :class:`events.memory.InMemoryEventStore` in unit tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from events.model import Event, Metadata, RecordedEvent


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A message for the outbox relay, committed in the same transaction as its events.

    ``key`` makes delivery idempotent downstream: two messages with one key are one task.
    """

    topic: str
    payload: dict[str, Any]
    key: str


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A stream's folded state at ``version``, so loading need not replay from the start."""

    stream_id: str
    version: int
    kind: str
    schema_version: int
    state: dict[str, Any] = field(default_factory=dict)


class EventStoreProtocol(Protocol):
    """The operations application services use; both stores implement them."""

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
        """Append ``events`` if the stream is at ``expected_version``; all or nothing."""
        ...

    def read_stream(
        self,
        stream_id: str,
        *,
        from_version: int = 1,
        to_version: int | None = None,
        as_of: datetime | None = None,
    ) -> list[RecordedEvent]:
        """The stream's events in version order, optionally cut at a version or a moment."""
        ...

    def read_stream_verified(
        self,
        stream_id: str,
        *,
        to_version: int | None = None,
        to_position: int | None = None,
        as_of: datetime | None = None,
    ) -> list[RecordedEvent]:
        """The stream's events from its first, optionally cut, once the segment of the
        chain they sit in holds (TamperedEvent or BrokenChain otherwise)."""
        ...

    def stream_version(self, stream_id: str) -> int:
        """The stream's current version (0 for a stream with no events)."""
        ...

    def load_snapshot(self, stream_id: str, *, max_version: int | None = None) -> Snapshot | None:
        """The newest snapshot of the stream at or below ``max_version``, if any."""
        ...
