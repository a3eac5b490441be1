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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from events.store import EventStore
from events.verify import ChainReport
from projections.checkpoints import checkpoints_table
from projections.registry import all_projections
from projections.runner import REBUILD_BATCH, Projection
from projections.shared_fold import ReportStates
from projections.snapshots import SnapshotCheck, snapshot_verdict

_C = checkpoints_table.c


@dataclass
class LogVerification:
    """The chain's verdict, the snapshots' and the read models'."""

    chain: ChainReport
    snapshots_checked: int = 0
    #: The snapshots that do not match their events (see ``SnapshotCheck.mismatched``).
    bad_snapshots: list[dict[str, Any]] = field(default_factory=list)
    #: Each read model compared, with the checkpoint it was compared at.
    read_models: dict[str, int] = field(default_factory=dict)
    #: Read models not compared, each with why (one line each).
    skipped: list[str] = field(default_factory=list)
    #: The first read-model row that differs from the fold of the log (one line), if any.
    read_model_problem: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the chain holds and every snapshot and read model compared matches it."""
        return self.chain.ok and not self.bad_snapshots and self.read_model_problem is None

    def snapshot_verdict(self) -> str:
        """One line on the snapshots."""
        return snapshot_verdict(self.snapshots_checked, self.bad_snapshots)

    def as_data(
        self,
        anchors: Sequence[tuple[int, str]] = (),
        anchor_problems: Sequence[str] = (),
        *,
        chain_only: bool = False,
    ) -> dict[str, Any]:
        """The verification as `jixiao audit verify --json` prints it (and the server's API
        answers), with the ``anchors`` checked and the ``anchor_problems`` found."""
        chain = self.chain
        data: dict[str, Any] = {
            "ok": self.ok and not anchor_problems,
            "checked": chain.checked,
            "head_position": chain.head_position,
            "head_hash": chain.head_hash,
            "first_bad_position": chain.first_bad_position,
            "problem": chain.problem,
            "anchors": [{"position": position, "hash": digest} for position, digest in anchors],
            "anchor_problems": list(anchor_problems),
        }
        if not chain_only:
            data["snapshots"] = {
                "checked": self.snapshots_checked,
                "mismatched": self.bad_snapshots,
            }
            data["read_models"] = {
                "compared": self.read_models,
                "skipped": self.skipped,
                "problem": self.read_model_problem,
            }
        return data

    def read_model_verdict(self) -> str:
        """One line on the read models."""
        if self.read_model_problem is not None:
            return self.read_model_problem
        if not self.read_models:
            if not self.skipped:
                return (
                    "read models: none kept in this database yet (the first command that "
                    "reads one builds them)"
                )
            return "read models: none compared"
        positions = sorted(set(self.read_models.values()))
        at = ", ".join(str(p) for p in positions)
        return (
            f"read models: {len(self.read_models)} compared ({', '.join(self.read_models)}) "
            f"at position {at}, each matches a fold of the log"
        )


def _checkpoints(connection: Connection) -> dict[str, tuple[int, int]]:
    """Each projection's stored (version, position); empty before any was set up."""
    if not sa.inspect(connection).has_table(checkpoints_table.name):
        return {}
    rows = connection.execute(sa.select(_C.name, _C.version, _C.position)).all()
    return {row.name: (row.version, row.position) for row in rows}


def _chosen(
    projections: Sequence[Projection], stored: dict[str, tuple[int, int]], skipped: list[str]
) -> dict[str, tuple[Projection, int]]:
    """The projections whose tables can be compared, with their checkpoints (none, and no
    reason given, in a database that keeps no read model yet)."""
    chosen: dict[str, tuple[Projection, int]] = {}
    if not stored:
        return chosen
    for projection in projections:
        found = stored.get(projection.name)
        if found is None:
            skipped.append(f"read model {projection.name}: not kept in this database yet")
        elif found[0] != projection.version:
            skipped.append(
                f"read model {projection.name}: version {found[0]} in the database, this "
                f"program builds version {projection.version} (it is rebuilt on next use)"
            )
        else:
            chosen[projection.name] = (projection, found[1])
    return chosen


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

    def key(row: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(row[i] for i in indexes)

    def shown(row: Sequence[Any]) -> str:
        return f"row ({', '.join(str(value) for value in key(row))}) of {table.name}"

    mine, theirs = _ordered_rows(stored, table), _ordered_rows(folded, table)
    have, want = next(mine, None), next(theirs, None)
    while have is not None or want is not None:
        if want is None or (have is not None and key(have) < key(want)):
            assert have is not None
            return f"{shown(have)} is not in a fold of the log"
        if have is None or key(want) < key(have):
            return f"{shown(want)} is missing (a fold of the log has it)"
        if tuple(have) != tuple(want):
            columns = [c.name for c, a, b in zip(table.c, have, want, strict=True) if a != b]
            return f"{shown(have)} differs from the log ({', '.join(columns)})"
        have, want = next(mine, None), next(theirs, None)
    return None


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
        chosen = _chosen(projections, _checkpoints(stored), skipped)
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
                    if not chain.ok and checkpoint >= (chain.first_bad_position or 0):
                        skipped.append(
                            f"read model {name}: not compared, the chain breaks before its "
                            f"checkpoint (position {checkpoint})"
                        )
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
