"""Report states this process folded from the log, kept so that the next read of the same
stream folds only the events that followed them (docs/decisions/0207).

Folding a long report stream from its first event, each hash checked, costs about 60 µs an
event: 300 ms for 5,000 events, on every command, as-of and diff. The states a process
folded itself are kept here, in its memory, at every ``CHECKPOINT_EVERY``-th version of a
stream and at the last version it folded. A later read starts from the newest checkpoint
its moment allows and reads the stream from that checkpoint's own row on:

* the row at the checkpoint's version must still hold the hash noted when the checkpoint
  was folded. Each row's hash covers the hash of the row before it in the log, so that
  hash vouches for every row before it, the checkpoint's prefix included: a log rewritten
  anywhere up to there (and re-chained) no longer shows it, and the stream is folded again
  from its first event;
* a verified read (as-of, diff, rendering, ``audit artifact``) checks that row and every
  row after it as :meth:`events.store.EventStore.read_stream_verified` does, starts only
  from checkpoints folded by verified reads, and checks with one query that the rows
  before the checkpoint are all still there, each following the row before it in the log
  (``stream_links_hold``); if not, it folds from the first event, which names the break.

Nothing here is read from the database but the log's own rows: a checkpoint cannot be
forged by editing a table, unlike a snapshot (docs/decisions/0206). What a warm read does
not do is hash the rows before its checkpoint again: a row edited there in place (its hash
left stale), after this process folded it, goes unnoticed by that read, and its answer is
still what the log held when it was checked; a row removed or moved there is noticed. A
fresh process, ``jixiao audit verify``, ``audit replay`` and a rebuild hash every row.
"""

from __future__ import annotations

import bisect
import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from events.model import RecordedEvent
from events.protocol import LogReads
from workflow.report import ReportState, evolve

#: A stream's state is kept at every this many versions: a read folds at most this many
#: events past the checkpoint its moment allows (and the events appended since).
CHECKPOINT_EVERY = 32
#: Report streams whose checkpoints a process keeps, least recently read dropped first.
MAX_STREAMS = 1024


@dataclass(frozen=True, slots=True)
class Folded:
    """A report's state after its event ``version`` (0: none yet, and no position or time)."""

    state: ReportState
    version: int
    position: int | None
    recorded_at: datetime | None
    hash: str | None


@dataclass(frozen=True, slots=True)
class _Checkpoint:
    folded: Folded
    #: Whether the rows up to it were checked against their hashes when it was folded.
    verified: bool

    def within(self, to_version: int | None, to_position: int | None, as_of: Any) -> bool:
        folded = self.folded
        return (
            (to_version is None or folded.version <= to_version)
            and (to_position is None or (folded.position or 0) <= to_position)
            and (as_of is None or (folded.recorded_at is not None and folded.recorded_at <= as_of))
        )


_NOTHING = Folded(ReportState(), 0, None, None, None)


class FoldedStates:
    """Checkpoints of the report streams one process has folded, for one store."""

    def __init__(self, *, every: int = CHECKPOINT_EVERY, streams: int = MAX_STREAMS) -> None:
        self.every = every
        self.streams = streams
        self._kept: OrderedDict[str, list[_Checkpoint]] = OrderedDict()
        self._lock = threading.Lock()

    def _start(
        self,
        stream_id: str,
        verified: bool,
        to_version: int | None,
        to_position: int | None,
        as_of: datetime | None,
    ) -> _Checkpoint | None:
        with self._lock:
            kept = self._kept.get(stream_id)
            if kept is None:
                return None
            self._kept.move_to_end(stream_id)
            for checkpoint in reversed(kept):
                if (checkpoint.verified or not verified) and checkpoint.within(
                    to_version, to_position, as_of
                ):
                    return checkpoint
        return None

    def fold(
        self,
        store: LogReads,
        stream_id: str,
        *,
        verified: bool,
        to_version: int | None = None,
        to_position: int | None = None,
        as_of: datetime | None = None,
        links_hold_through: int = 0,
    ) -> Folded:
        """The report stream folded up to the cut (a version, a position, a moment, or its
        end), from the newest usable checkpoint; with ``verified``, every row read is
        checked (TamperedEvent or BrokenChain) and only verified checkpoints are used.
        ``links_hold_through``: a version up to which the caller has just had the stream
        checked by a verified fold (a diff's other moment), so the links need no query."""
        if to_position is not None and not verified:
            raise ValueError("a cut at a log position is read verified only")
        start = self._start(stream_id, verified, to_version, to_position, as_of)
        if start is not None:
            records = self._read(
                store, stream_id, verified, start.folded.version, to_version, to_position, as_of
            )
            anchor = records[0] if records else None
            if (
                anchor is not None
                and (anchor.version, anchor.hash) == (start.folded.version, start.folded.hash)
                and (
                    not verified
                    or anchor.version <= links_hold_through
                    or store.stream_links_hold(stream_id, anchor.version)
                )
            ):
                return self._fold(stream_id, verified, start.folded, records[1:])
            # The log no longer holds the row folded there: start again from the first.
            with self._lock:
                self._kept.pop(stream_id, None)
        records = self._read(store, stream_id, verified, 1, to_version, to_position, as_of)
        return self._fold(stream_id, verified, _NOTHING, records)

    @staticmethod
    def _read(
        store: LogReads,
        stream_id: str,
        verified: bool,
        from_version: int,
        to_version: int | None,
        to_position: int | None,
        as_of: datetime | None,
    ) -> list[RecordedEvent]:
        if verified:
            return store.read_stream_verified(
                stream_id,
                from_version=from_version,
                to_version=to_version,
                to_position=to_position,
                as_of=as_of,
            )
        return store.read_stream(
            stream_id, from_version=from_version, to_version=to_version, as_of=as_of
        )

    def _fold(
        self, stream_id: str, verified: bool, start: Folded, records: Sequence[RecordedEvent]
    ) -> Folded:
        if not records:
            return start
        state, every, marks = start.state, self.every, []
        for record in records:
            state = evolve(state, record.event)
            if record.version % every == 0:
                marks.append(_point(state, record))
        last = records[-1]
        if last.version % every:
            marks.append(_point(state, last))
        self._keep(stream_id, [_Checkpoint(mark, verified) for mark in marks])
        return marks[-1]

    def recorded(self, stream_id: str, state: ReportState, last: RecordedEvent) -> None:
        """Keep ``state``, the report after ``last``, which this process has just appended:
        the state its command folded from the stream it read from the log and the events it
        appended, so the next read folds on from it as from a state read back (it is not
        marked verified: no row was checked against its hash on the way)."""
        self._keep(stream_id, [_Checkpoint(_point(state, last), verified=False)])

    def _keep(self, stream_id: str, checkpoints: list[_Checkpoint]) -> None:
        with self._lock:
            kept = self._kept.setdefault(stream_id, [])
            self._kept.move_to_end(stream_id)
            for checkpoint in checkpoints:
                version = checkpoint.folded.version
                at = bisect.bisect_left(kept, version, key=lambda c: c.folded.version)
                if at < len(kept) and kept[at].folded.version == version:
                    if checkpoint.verified and not kept[at].verified:
                        kept[at] = checkpoint
                    continue
                kept.insert(at, checkpoint)
            # Only the last state folded is kept off the every-th versions: one such per
            # stream bounds a stream's checkpoints by its length over ``every``.
            last = kept[-1].folded.version
            if any(c.folded.version % self.every and c.folded.version != last for c in kept):
                kept[:] = [
                    c for c in kept if not c.folded.version % self.every or c.folded.version == last
                ]
            while len(self._kept) > self.streams:
                self._kept.popitem(last=False)


def _point(state: ReportState, record: RecordedEvent) -> Folded:
    return Folded(state, record.version, record.position, record.recorded_at, record.hash)


_BY_STORE: weakref.WeakKeyDictionary[Any, FoldedStates] = weakref.WeakKeyDictionary()
_BY_STORE_LOCK = threading.Lock()


def folded_states(store: LogReads) -> FoldedStates:
    """The checkpoints this process keeps for ``store`` (made on first use; dropped with
    the store object)."""
    with _BY_STORE_LOCK:
        kept = _BY_STORE.get(store)
        if kept is None:
            kept = _BY_STORE[store] = FoldedStates()
        return kept
