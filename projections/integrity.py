"""Everything `jixiao audit verify` checks, in one pass over the log.

The chain is walked from position 1 (:meth:`events.store.EventStore.verify`); the rows it
vouches for are decoded once and folded once (:class:`projections.shared_fold.
ReportStates`), and that fold is used twice:

- every stored report snapshot is compared with the state at its version
  (:class:`projections.snapshots.SnapshotCheck`);
- every read model is rebuilt into a scratch SQLite file, up to the position its own
  checkpoint names, and its tables are compared row by row, in key order, with the ones
  the database holds. The first row that differs is named by table and key.

The database's read models are read in one read transaction with their checkpoints, so a
projector catching up meanwhile cannot make them look wrong. Nothing is written to the
database.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from events.store import EventStore
from projections.checkpoints import checkpoints_table
from projections.registry import all_projections
from projections.runner import REBUILD_BATCH, Projection
from projections.shared_fold import ReportStates
from projections.snapshots import SnapshotCheck
from projections.verification import (
    LogVerification,
    chain_breaks_before,
    chosen_projections,
    not_compared,
)
from projections.verification import first_difference as compare_rows

_C = checkpoints_table.c


def _checkpoints(connection: Connection) -> dict[str, tuple[int, int]]:
    """Each projection's stored (version, position); empty before any was set up."""
    if not sa.inspect(connection).has_table(checkpoints_table.name):
        return {}
    rows = connection.execute(sa.select(_C.name, _C.version, _C.position)).all()
    return {row.name: (row.version, row.position) for row in rows}


def _scratch_engine(folder: str) -> Engine:
    """A throwaway SQLite file: no journal, no fsync (it is deleted after the comparison)."""
    engine = sa.create_engine(f"sqlite:///{Path(folder) / 'fold.db'}")

    @sa.event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=OFF")
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()

    return engine


class _Fold:
    """Hands each batch the chain accepted to the snapshot check and the scratch read models."""

    def __init__(
        self,
        store: EventStore,
        states: ReportStates,
        snapshots: SnapshotCheck,
        chosen: dict[str, tuple[Projection, int]],
        scratch: Connection,
    ) -> None:
        self.store, self.states, self.snapshots = store, states, snapshots
        self.chosen = list(chosen.values())
        self.scratch = scratch
        self.unflushed = 0

    def consume(self, rows: Sequence[Any]) -> None:
        records = self.store.decode_rows(rows)
        for transition in self.states.transitions(records):
            self.snapshots.reached(transition.record, transition.after)
        for projection, checkpoint in self.chosen:
            # The same list when the whole batch is due, so the fold is shared (ReportStates).
            due = (
                records
                if records[-1].position <= checkpoint
                else [r for r in records if r.position <= checkpoint]
            )
            if due:
                projection.apply(self.scratch, due)
        self.unflushed += len(records)
        if self.unflushed >= REBUILD_BATCH:
            self.flush()

    def flush(self) -> None:
        self.unflushed = 0
        for projection, _ in self.chosen:
            if (flush := getattr(projection, "flush", None)) is not None:
                flush(self.scratch)


def _ordered_rows(connection: Connection, table: sa.Table) -> Iterator[Sequence[Any]]:
    """The table's rows in key order, the same order on both backends: text keys by code
    point (PostgreSQL's "C" collation; SQLite's own), streamed."""
    postgres = connection.dialect.name == "postgresql"
    keys = [
        sa.collate(column, "C") if postgres and isinstance(column.type, sa.String) else column
        for column in table.primary_key.columns
    ]
    result = connection.execution_options(stream_results=True, yield_per=2000).execute(
        sa.select(table).order_by(*keys)
    )
    yield from result


def first_difference(table: sa.Table, stored: Connection, folded: Connection) -> str | None:
    """How the first row of ``table`` (in key order) that differs between the database's
    copy ``stored`` and the fold ``folded`` differs, in a few words; None if none does."""
    if not sa.inspect(stored).has_table(table.name):
        return f"table {table.name} is missing"
    indexes = [list(table.c).index(column) for column in table.primary_key.columns]
    return compare_rows(
        table.name,
        [c.name for c in table.c],
        indexes,
        _ordered_rows(stored, table),
        _ordered_rows(folded, table),
    )


def verify_log(
    store: EventStore,
    *,
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> LogVerification:
    """Walk the chain, compare every report snapshot and every read model with the fold
    of the log, all in one pass. ``progress(checked)`` is told after each batch."""
    states = ReportStates(store)
    projections = all_projections(store, states)
    snapshots = SnapshotCheck(store)
    skipped: list[str] = []
    stored = store.engine.connect()
    if stored.dialect.name == "postgresql":
        stored = stored.execution_options(isolation_level="REPEATABLE READ")
    with stored, stored.begin(), tempfile.TemporaryDirectory(prefix="jixiao-verify-") as folder:
        chosen = chosen_projections(projections, _checkpoints(stored), skipped)
        scratch_engine = _scratch_engine(folder)
        try:
            with scratch_engine.connect() as scratch, scratch.begin():
                for projection, _ in chosen.values():
                    for table in projection.tables:
                        table.create(scratch)
                fold = _Fold(store, states, snapshots, chosen, scratch)
                chain = store.verify(
                    batch_size=batch_size, progress=progress, accepted=fold.consume
                )
                fold.flush()
                if chain.ok:
                    snapshots.finish()
                result = LogVerification(
                    chain, snapshots.checked, snapshots.mismatched, skipped=skipped
                )
                for name, (projection, checkpoint) in chosen.items():
                    if chain_breaks_before(chain, checkpoint):
                        skipped.append(not_compared(name, checkpoint))
                        continue
                    result.read_models[name] = checkpoint
                    for table in projection.tables:
                        problem = first_difference(table, stored, scratch)
                        if problem is not None:
                            result.read_model_problem = f"read model {name}: {problem}"
                            return result
                return result
        finally:
            scratch_engine.dispose()
