"""Running projections: checkpoints, batches, catching up, following and rebuilding.

Each batch of events is applied to every projection and their checkpoints are moved in
one transaction, so a crash mid-batch leaves the tables as they were before it. The
checkpoint rows are locked while a batch is applied, so two runners on one database
cannot apply a batch twice.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from events.database import driver_placeholder, driver_rows, write_connection
from events.migrations import require_revisions
from events.model import RecordedEvent
from events.store import EventStore
from events.transient import retrying
from projections.at_head import ProjectionStatus
from projections.checkpoints import checkpoints_table
from projections.migrations import REVISIONS
from projections.sql import insert_missing

_C = checkpoints_table.c

#: Events per transaction when rebuilding: each transaction writes every report it touches
#: once, so large transactions write each report's view fewer times (docs/decisions/0201).
REBUILD_BATCH = 300_000
#: Events read, decoded and folded at a time within a transaction: bounds the memory a
#: rebuild holds, whatever the transaction's size.
REBUILD_CHUNK = 20_000


class Projection(Protocol):
    """A read model: the tables it owns and how a batch of events changes them."""

    #: The checkpoint's key.
    name: str
    #: Raised whenever the projection's tables or logic change; a new version rebuilds.
    version: int

    @property
    def tables(self) -> Sequence[sa.Table]:
        """The tables the projection owns (created by its migrations); a rebuild empties them.

        Read-only, so that a class attribute holding a tuple of tables fits."""
        ...

    def apply(self, connection: Connection, events: Sequence[RecordedEvent]) -> None:
        """Apply ``events`` (in log order, all newer than the checkpoint) inside the transaction.

        A transaction may hand a projection several batches, in log order. A projection may
        defer writes to the end of the transaction by also having ``flush(connection)``
        (called once, after the last batch, before the checkpoints move) and ``discard()``
        (called instead when the transaction fails).
        """
        ...


#: How many events before a change :meth:`ProjectionRunner.apply_change` reads to apply it;
#: further behind, the projections catch up in batches instead.
_CHANGE_READS_AT_MOST = 500


def _driver_statement(
    connection: Connection, sql: str, parameters: Sequence[Any]
) -> list[tuple[Any, ...]]:
    """One statement in the driver's SQL on ``connection``'s driver cursor, in its
    transaction; its rows (none for a write). SQLAlchemy's execution around a text
    statement cost more than the statement: the checkpoints are locked and moved by every
    catch-up (decision 0634)."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, tuple(parameters))
        return [tuple(row) for row in cursor.fetchall()] if cursor.description else []
    finally:
        cursor.close()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (restoring it after).

    A batch allocates many small, acyclic objects: the collector's passes over them cost as
    much as the work itself, and nothing is freed by them.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


@contextmanager
def _commit_unsynced(connection: Connection) -> Iterator[None]:
    """Commit the read models' transactions without waiting for the disk (SQLite
    ``synchronous=NORMAL`` in WAL mode; PostgreSQL ``synchronous_commit=off``, set in the
    transaction), restoring the store's setting after.

    A power cut may lose the last few such transactions, never half of one: the rows and
    the checkpoints they moved go together, and the next catch-up applies those events
    again. Read models are copies of the log, which is always written in full sync
    (docs/decisions/0207). The fsync was most of a one-command catch-up.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    # On the driver's connection: a statement on the SQLAlchemy one would begin a transaction.
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute("PRAGMA synchronous=NORMAL")
    try:
        yield
    finally:
        driver.execute("PRAGMA synchronous=FULL")


@contextmanager
def read_model_transaction(engine: sa.Engine) -> Iterator[Connection]:
    """A write transaction of the read models: in the writers' queue, committed without
    waiting for the disk (:func:`_commit_unsynced`, and PostgreSQL's ``synchronous_commit``
    off for it alone)."""
    with (
        write_connection(engine) as connection,
        _commit_unsynced(connection),
        connection.begin(),
    ):
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
        yield connection


class ProjectionRunner:
    """Keeps a set of projections up to date with the log of one store."""

    def __init__(self, store: EventStore, projections: Sequence[Projection]) -> None:
        names = [p.name for p in projections]
        if len(set(names)) != len(names):
            raise ValueError(f"projection names must be unique, got {names}")
        self.store = store
        self.engine = store.engine
        self.projections = list(projections)
        # The checkpoints' statements are the driver's, written once: made afresh, each
        # SQLAlchemy statement's construction cost more than running it in a one-command
        # catch-up, and even prebuilt, its cache key and compiled execution were a fifth of
        # one (decision 0620).
        dialect = self.engine.dialect
        quote = dialect.identifier_preparer.quote
        mark = driver_placeholder(dialect)
        table = quote(checkpoints_table.name)
        among = f"{quote(_C.name.name)} IN ({', '.join([mark] * len(names))})"
        self._names = tuple(names)
        self._positions = f"SELECT {quote(_C.name.name)}, {quote(_C.position.name)} FROM {table}"
        self._locked = f"{self._positions} WHERE {among}" + (
            " FOR UPDATE" if dialect.name == "postgresql" else ""
        )
        self._advance = (
            f"UPDATE {table} SET {quote(_C.position.name)} = {mark}, "
            f"{quote(_C.updated_at.name)} = {mark} WHERE {among} "
            f"AND {quote(_C.position.name)} < {mark}"
        )
        # The moment as the column stores it (text on SQLite), as SQLAlchemy would bind it.
        self._moment = _C.updated_at.type.dialect_impl(dialect).bind_processor(dialect)

    # -- schema -------------------------------------------------------------------------

    def setup(self) -> list[str]:
        """Check the read models' tables are there, add missing checkpoints, and rebuild any
        projection whose stored version is older. Changes no schema: the tables come from
        ``jixiao admin migrate`` (:mod:`projections.migrations`), so a role with only
        SELECT/INSERT/UPDATE/DELETE rights can run this.

        Returns the names of the projections that were rebuilt.
        """
        with write_connection(self.engine) as connection, connection.begin():
            require_revisions(connection, REVISIONS)
            stored = dict(connection.execute(sa.select(_C.name, _C.version)).all())
            missing = [p for p in self.projections if p.name not in stored]
            if missing:
                # Two processes may add the same checkpoint at once: the second adds nothing.
                insert_missing(
                    connection,
                    checkpoints_table,
                    [{"name": p.name, "version": p.version, "position": 0} for p in missing],
                )
        outdated = [
            p.name for p in self.projections if p.name in stored and stored[p.name] != p.version
        ]
        if outdated:
            self.reset(outdated)
        return outdated

    def reset(self, names: Sequence[str] | None = None) -> None:
        """Empty the tables of the named projections (all by default) and move their
        checkpoints to zero, in one transaction; their schema stays as it is."""
        chosen = self.selected(names)
        with write_connection(self.engine) as connection, connection.begin():
            self.empty(connection, chosen)

    def empty(self, connection: Connection, projections: Sequence[Projection]) -> None:
        """In ``connection``'s transaction: the tables of ``projections`` emptied and their
        checkpoints moved to zero, at each projection's version."""
        for projection in projections:
            for table in reversed(projection.tables):
                connection.execute(sa.delete(table))
            connection.execute(
                sa.update(checkpoints_table)
                .where(_C.name == projection.name)
                .values(position=0, version=projection.version, updated_at=None)
            )

    def lock_checkpoints(self, connection: Connection) -> dict[str, int]:
        """In ``connection``'s transaction: every projection's checkpoint, locked until the
        transaction ends, so no other runner applies events meanwhile."""
        return dict(_driver_statement(connection, self._locked, self._names))

    def _advance_to(self, connection: Connection, last: int) -> None:
        """In ``connection``'s transaction: every checkpoint below ``last`` moved to it."""
        moment: object = datetime.now(UTC).replace(tzinfo=None)
        if self._moment is not None:
            moment = self._moment(moment)
        _driver_statement(connection, self._advance, (last, moment, *self._names, last))

    def selected(self, names: Sequence[str] | None) -> list[Projection]:
        """The projections ``names`` names (all of them for None); ValueError naming any
        unknown name."""
        if names is None:
            return self.projections
        known = {p.name: p for p in self.projections}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ValueError(
                f"projection: got {', '.join(unknown)}, expected one of {', '.join(known)}"
            )
        return [known[n] for n in names]

    # -- running ------------------------------------------------------------------------

    def positions(self) -> dict[str, int]:
        """Each projection's checkpoint."""
        # On a pooled driver connection: a SQLAlchemy connection around the one statement
        # cost five times the statement (decision 0620); every read that may need a
        # catch-up asks this.
        return dict(driver_rows(self.engine, self._positions))

    def run_batch(self, batch_size: int = 2000, *, chunk_size: int | None = None) -> int:
        """Apply the next batch of the log to every projection behind it; return its size.

        The batch is one transaction; with ``chunk_size`` it is read and applied that many
        events at a time (what a projection defers to ``flush`` is still written once).
        """
        with collector_paused():
            return retrying(lambda: self._run_batch(batch_size, chunk_size, None))

    def _run_batch(
        self,
        batch_size: int,
        chunk_size: int | None,
        applied_to: Callable[[int], None] | None,
        verified: bool = False,
        low: int | None = None,
    ) -> int:
        """One batch, from ``low`` (the lowest checkpoint as the caller just read it, else
        read here): checkpoints only advance, and the events at or below a checkpoint
        read under lock are not applied again, so a stale ``low`` costs a longer read,
        never a second application."""
        chunk = min(batch_size, chunk_size or batch_size)
        if low is None:
            positions = self.positions()
            low = min(positions.get(p.name, 0) for p in self.projections)
        read = self.store.read_all_verified if verified else self.store.read_all
        events = read(low, chunk)
        if not events:
            return 0
        applied = 0
        with read_model_transaction(self.engine) as connection:
            # Re-read under lock: another runner may have applied this batch meanwhile.
            locked = self.lock_checkpoints(connection)
            with self._flushed(connection):
                while True:
                    self._apply(connection, locked, events)
                    applied += len(events)
                    last = events[-1].position
                    if applied_to is not None:
                        applied_to(last)
                    if applied >= batch_size or len(events) < chunk:
                        break
                    events = read(last, min(chunk, batch_size - applied))
                    if not events:
                        break
            self._advance_to(connection, last)
        return applied

    def apply_change(self, change: Sequence[RecordedEvent]) -> int:
        """Bring every projection up to ``change``, the events of one append just recorded
        (log order), and no further; return the events applied.

        The checkpoints are read once, under the transaction's lock. Events before the
        change that no projection has applied yet are read from the log; the change's own
        are applied as the append gave them, not read and decoded back (decision 0634).
        More than :data:`_CHANGE_READS_AT_MOST` behind, the projections catch up to the
        head in batches instead.
        """
        if not change:
            return 0
        with collector_paused():
            applied = retrying(lambda: self._apply_change(change))
        # Far behind the change: caught up in batches, as any read would.
        return self.catch_up() if applied is None else applied

    def _apply_change(self, change: Sequence[RecordedEvent]) -> int | None:
        first, through = change[0].position, change[-1].position
        with read_model_transaction(self.engine) as connection:
            locked = self.lock_checkpoints(connection)
            low = min(locked.get(p.name, 0) for p in self.projections)
            if low >= through:
                return 0
            if first - 1 - low > _CHANGE_READS_AT_MOST:
                return None
            events = list(change)
            if low < first - 1:
                # Another writer's events, committed before the change, not yet applied.
                before = self.store.read_all(low, first - 1 - low)
                events[:0] = [e for e in before if e.position < first]
            with self._flushed(connection):
                self._apply(connection, locked, events)
            self._advance_to(connection, through)
        return len(events)

    @contextmanager
    def _flushed(self, connection: Connection) -> Iterator[None]:
        """Around the batches of one transaction: what the projections deferred is written
        at the end (``flush``), or forgotten if the block fails (``discard``)."""
        try:
            yield
            for projection in self.projections:
                if (flush := getattr(projection, "flush", None)) is not None:
                    flush(connection)
        except BaseException:
            for projection in self.projections:
                if (discard := getattr(projection, "discard", None)) is not None:
                    discard()
            raise

    def _apply(
        self, connection: Connection, locked: dict[str, int], events: Sequence[RecordedEvent]
    ) -> None:
        """Hand ``events`` to each projection, less those at or below its locked checkpoint."""
        for projection in self.projections:
            checkpoint = locked[projection.name]
            # The same list for every projection that is not ahead, so the shared fold
            # recognises the batch (ReportStates.transitions).
            fresh = (
                events
                if checkpoint < events[0].position
                else [e for e in events if e.position > checkpoint]
            )
            if fresh:
                projection.apply(connection, fresh)

    def catch_up(
        self,
        *,
        batch_size: int = 2000,
        chunk_size: int | None = None,
        progress: Callable[[int, int], None] | None = None,
        verified: bool = False,
        head: int | None = None,
        low: int | None = None,
    ) -> int:
        """Apply batches until every projection reaches the head; return the events applied.

        ``progress(position, head)`` is called after each chunk of events is applied (each
        batch, without ``chunk_size``). With ``verified`` every event read is checked
        against the chain first (``EventStore.read_all_verified``), as a rebuild does.
        ``head`` and ``low``: the log's head and the lowest checkpoint, as the caller has
        just read them (a read that found the projections behind), so they are not asked
        again; the first batch starts from ``low``.
        """
        if head is None:
            head = self.store.head_position()
        start = [low]
        applied = 0
        # Paused across batches too: re-enabled between them, the collector would walk every
        # state and view the fold cache holds after each batch.
        with collector_paused():
            report = None if progress is None else lambda position: progress(position, head)
            # A batch the database refused (a deadlock between two runners) is one rolled-back
            # transaction: it is tried again from the checkpoints.
            while size := retrying(
                lambda: self._run_batch(batch_size, chunk_size, report, verified, start[0])
            ):
                start[0] = None
                applied += size
                if size < batch_size:
                    # The batch read to the end of the log, which holds every event
                    # committed before ``head`` was read: no round of queries to find none.
                    break
        return applied

    def follow(
        self,
        *,
        stop: Callable[[], bool] = lambda: False,
        batch_size: int = 2000,
        poll_interval: float = 0.1,
    ) -> None:
        """Keep applying new events as they commit, until ``stop()`` is true."""
        while not stop():
            if not self.run_batch(batch_size):
                time.sleep(poll_interval)

    def rebuild(
        self,
        names: Sequence[str] | None = None,
        *,
        batch_size: int = REBUILD_BATCH,
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """Empty the named projections' tables and replay the whole log into them, every
        event checked against the chain as it is read (TamperedEvent or BrokenChain, and
        the transaction rolled back, at the first that does not hold).

        Rows are deleted, not tables dropped, and the indexes stay: rebuilding is a
        day-to-day command that needs no schema rights (docs/decisions/0006).
        """
        self.reset(names)
        applied = self.catch_up(
            batch_size=batch_size, chunk_size=REBUILD_CHUNK, progress=progress, verified=True
        )
        # No collection here: the collector is running again and frees what the rebuild left
        # behind (a few memoised budget tables hold reference cycles) on its next pass. A full
        # pass here took 0.6 s of 17 s after the city-scale year, and a process that exits
        # after the rebuild (the CLI) would pay it for nothing.
        return applied

    def status(self) -> list[ProjectionStatus]:
        """Every projection's checkpoint, version and lag behind the head."""
        head = self.store.head_position()
        with self.engine.connect() as connection:
            rows = {
                row.name: row
                for row in connection.execute(
                    sa.select(_C.name, _C.version, _C.position, _C.updated_at)
                ).all()
            }
        return [
            ProjectionStatus(
                p.name,
                rows[p.name].version if p.name in rows else p.version,
                rows[p.name].position if p.name in rows else 0,
                head,
                rows[p.name].updated_at if p.name in rows else None,
            )
            for p in self.projections
        ]
