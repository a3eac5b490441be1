"""The event store: an append-only, hash-chained log of typed events.

Owns the events table, optimistic concurrency, reading and following the log,
upcasting old event shapes, snapshots, the outbox rows written beside events,
and verification of the hash chain.

May import: the standard library, pydantic, SQLModel/SQLAlchemy and database
drivers. Never imports workflow, projections, worker or cli: it knows nothing
of reports.

:class:`EventStore` is loaded on first use: the domain's event classes import
:mod:`events.model`, which must not bring SQLAlchemy with it (a command that never opens
the database, such as `jixiao admin scheme list`, would pay for it).
"""

from typing import TYPE_CHECKING, Any

from events.errors import (
    ConcurrencyError,
    EventStoreError,
    InvalidEvent,
    InvalidExpectedVersion,
    InvalidStreamId,
    SchemaNotCurrent,
    StoreBusy,
    UnknownEventType,
)
from events.model import NO_STREAM, Event, Metadata, RecordedEvent, validate_stream_id
from events.protocol import (
    EventStoreProtocol,
    OutboxMessage,
    OutboxRecord,
    Snapshot,
    StreamAppend,
)
from events.registry import EventRegistry, default_registry
from events.verify import ChainReport

if TYPE_CHECKING:
    from events.store import EventStore

__all__ = [
    "NO_STREAM",
    "ChainReport",
    "ConcurrencyError",
    "Event",
    "EventRegistry",
    "EventStore",
    "EventStoreError",
    "EventStoreProtocol",
    "InvalidEvent",
    "InvalidExpectedVersion",
    "InvalidStreamId",
    "Metadata",
    "OutboxMessage",
    "OutboxRecord",
    "RecordedEvent",
    "SchemaNotCurrent",
    "Snapshot",
    "StoreBusy",
    "StreamAppend",
    "UnknownEventType",
    "default_registry",
    "validate_stream_id",
]


def __getattr__(name: str) -> Any:
    if name == "EventStore":
        from events.store import EventStore

        return EventStore
    raise AttributeError(f"module 'events' has no attribute {name!r}")
