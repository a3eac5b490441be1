"""The one interface of an event store, and the records that join an append.

Everything outside ``events/`` reaches the log through these operations, never through
the store's tables. The SQL store (:class:`events.store.EventStore`) and the in-memory
one (:class:`events.memory.InMemoryEventStore`) both subclass :class:`EventStoreProtocol`,
so their signatures cannot drift apart unnoticed, and one contract suite
(tests/events/store_contract.py) holds both to the same behaviour (docs/decisions/0007).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from events.model import Event, Metadata, RecordedEvent
from events.verify import ChainReport


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A message for the outbox relay, committed in the same transaction as its events.

    ``key`` makes delivery idempotent downstream: two messages with one key are one task.
    """

    topic: str
    payload: dict[str, Any]
    key: str


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    """An outbox message as the store keeps it: its row id, the position of the append
    that wrote it, when it was written and published, how many times publishing it was
    tried."""

    id: int
    key: str
    topic: str
    payload: dict[str, Any]
    position: int
    created_at: datetime
    published_at: datetime | None
    attempts: int


@dataclass(frozen=True, slots=True)
class StreamAppend:
    """One stream's part of an append to several streams at once
    (:meth:`EventStoreProtocol.append_streams`)."""

    stream_id: str
    expected_version: int
    events: Sequence[Event]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A stream's folded state at ``version``, so loading need not replay from the start."""

    stream_id: str
    version: int
    kind: str
    schema_version: int
    state: dict[str, Any] = field(default_factory=dict)


class StreamReader(Protocol):
    """What reading one stream needs of a store: :class:`EventStoreProtocol` has it, and so
    does the driver-only reader of the read commands (:class:`events.driver.LogReader`)."""

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


class LogReads(StreamReader, Protocol):
    """What the read commands need of the log: :class:`EventStoreProtocol` has it, and so
    does the driver-only reader (:class:`events.driver.LogReader`), so a read folds, checks
    and authenticates the same way through either (docs/decisions/0208)."""

    def read_stream_verified(
        self,
        stream_id: str,
        *,
        from_version: int = 1,
        to_version: int | None = None,
        to_position: int | None = None,
        as_of: datetime | None = None,
    ) -> list[RecordedEvent]:
        """The stream's events from ``from_version`` (its first by default), optionally
        cut, once the segment of the chain they sit in holds (TamperedEvent or BrokenChain
        otherwise)."""
        ...

    def stream_links_hold(self, stream_id: str, through_version: int) -> bool:
        """Whether the stream's versions 1 to ``through_version`` are all in the log, each
        still following the row before it (stored hashes compared, contents not hashed)."""
        ...

    def stream_version(self, stream_id: str) -> int:
        """The stream's current version (0 for a stream with no events)."""
        ...

    def head_position(self) -> int:
        """The position of the last committed event (0 for an empty log)."""
        ...

    def check_positions(self, expected: Mapping[int, str | None], *, chunk: int = 500) -> None:
        """Check the events at the given positions as a reader that shows them must: each
        is in the log, matches its hash, follows the row before it, and has the hash noted
        for it (None: no hash noted); TamperedEvent or BrokenChain at the first that does
        not hold."""
        ...


class LogWalk(LogReads, Protocol):
    """What a walk of the whole log needs (`jixiao audit verify` and `audit replay`): the
    chain walked and its rows decoded, the stored snapshots compared with the fold. The SQL
    store has it, and so does the driver-only reader (docs/decisions/0209)."""

    def hash_at(self, position: int) -> str | None:
        """The stored hash of the event at ``position`` (None if the log holds no such row)."""
        ...

    # -- integrity ---------------------------------------------------------------------

    def verify(
        self,
        *,
        batch_size: int = 5000,
        progress: Callable[[int], None] | None = None,
        accepted: Callable[[Sequence[Any]], None] | None = None,
    ) -> ChainReport:
        """Walk the whole chain and report the first position whose hash does not hold.

        ``accepted(rows)`` is handed the rows the chain vouches for (the events table's
        columns in order, each also by name), in position order and batches, so one pass
        can both verify and fold the log (:meth:`decode_rows` decodes them).
        """
        ...

    def decode_rows(self, rows: Sequence[Sequence[Any]]) -> list[RecordedEvent]:
        """Rows as :meth:`verify` hands them out, as recorded events."""
        ...

    # -- snapshots ---------------------------------------------------------------------

    def load_snapshot(self, stream_id: str, *, max_version: int | None = None) -> Snapshot | None:
        """The newest snapshot of the stream at or below ``max_version``, if any."""
        ...

    def snapshot_keys(self, kind: str, schema_version: int) -> list[tuple[str, int]]:
        """The stream and version of every stored snapshot of ``kind`` at ``schema_version``
        (the ones a loader of that kind would start from), ordered."""
        ...

    def snapshot_text(self, stream_id: str, version: int) -> str | None:
        """A stored snapshot's state exactly as stored (canonical JSON), if there is one."""
        ...


class EventStoreProtocol(LogWalk, Protocol):
    """What the domain, the read models, the worker and the faces need of a store.

    Times come back as aware UTC datetimes; a naive one given is taken as UTC.
    """

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
        """Append ``events`` if the stream is at ``expected_version``, with the outbox
        messages (a key already there is kept, not doubled) and the snapshot (one already
        at its version is kept): all of it or nothing. A stale expected version raises
        :class:`events.errors.ConcurrencyError` and writes nothing."""
        ...

    def append_streams(
        self, appends: Sequence[StreamAppend], *, metadata: Metadata
    ) -> list[list[RecordedEvent]]:
        """Append to several streams in one transaction: every stream's events, chained one
        stream after the other in the order given, or none of them. Each stream at most
        once; a stale expected version of any raises
        :class:`events.errors.ConcurrencyError` naming it and writes nothing. The recorded
        events of each append, in the order given."""
        ...

    # -- reading (and the reads of LogReads) -------------------------------------------

    def read_all(
        self, after: int = 0, limit: int = 1000, *, event_types: Collection[str] | None = None
    ) -> list[RecordedEvent]:
        """Up to ``limit`` events with position greater than ``after``, in log order; with
        ``event_types``, only events of those types."""
        ...

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

    def find_events(self, event_type: str, containing: str) -> list[RecordedEvent]:
        """The events of ``event_type`` whose stored payload text contains ``containing``
        (a digest, an id: compared exactly, case included), in log order."""
        ...

    # -- snapshots ---------------------------------------------------------------------

    def save_snapshot(self, snapshot: Snapshot) -> None:
        """Store a snapshot on its own; a second one at the same version is ignored."""
        ...

    # -- the outbox --------------------------------------------------------------------

    def pending_outbox(
        self, limit: int = 100, *, topic: str | None = None
    ) -> list[tuple[int, OutboxMessage]]:
        """Outbox messages (of ``topic``) not yet published, oldest first, with their row ids.

        Each consumer asks for its own topic, so that rows another one has not delivered
        (mail while the mail server is down) never hide its own behind the limit.
        """
        ...

    def mark_published(self, row_id: int, at: datetime) -> bool:
        """Mark an outbox row published at ``at`` (one more attempt); False if it was
        already (another relay marked it first) or there is no such row."""
        ...

    def count_failed_attempt(self, row_id: int) -> None:
        """Record that publishing an outbox row failed (the broker was unreachable)."""
        ...

    def claim(self, row_id: int, at: datetime) -> int | None:
        """Take a pending row for delivery at ``at``: marked delivered, one more attempt; the
        attempts made so far, or None when another deliverer took it first (or no such row)."""
        ...

    def release(self, row_id: int) -> None:
        """Give a claimed row back (its delivery failed): pending again, attempts kept."""
        ...

    def outbox_rows(self, topic: str | None = None) -> list[OutboxRecord]:
        """Every outbox row (of ``topic``), oldest first: for inspection and tests."""
        ...
