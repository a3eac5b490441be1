"""A rebuild spread over processes, each folding its share of the report streams.

A report's state is a fold of its own stream and nothing else, so the report streams of a
log can be folded apart. A rebuild with ``workers`` processes gives each one share of them
(by a checksum of the stream id, the same in every process): each reads the log through the
database driver up to the head the rebuild started from, checks every row against the
chain as a rebuild does, decodes the rows of its share and every row of another kind of
stream (the users', departments' and years', which the inboxes and the overview need), and
folds them into the read models in memory (:mod:`projections.folded`, the fold `jixiao audit
verify` compares the tables with). It sends its rows to the rebuilding process, which writes
every row in one transaction and moves the checkpoints to that head: a worker that meets an
edited or missing event fails the whole rebuild, and nothing is written. Events appended
meanwhile are caught up after it, as any projector catches up.

Which share writes which rows, so that each row is written once and by the share that folded
what it depends on:

- the audit trail's and the report states' rows: the share that folded the report;
- an inbox's work rows: the share of the report they wait on (a reminder recorded before a
  report was opened, in the year's stream, is folded by every share and written by that one);
- a year's overview row of a department: the share of the department's 部门整体 report,
  whose transitions alone change it;
- the grants, the departments and the years: the first share.

Every share transitions (flushes) at the positions a serial rebuild ends its transactions
at, so the rows equal a serial rebuild's.
"""

from __future__ import annotations

import multiprocessing
import pickle
import queue
import threading
import zlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from multiprocessing.connection import Connection as Pipe
from typing import Any

import sqlalchemy as sa

from events.driver import LogReader
from events.errors import EventStoreError
from projections.checkpoints import checkpoints_table
from projections.folded import MemoryFold, memory_folds
from projections.read_model_rows import AUDIT_TRAIL, REBUILD_BATCH, TableShape
from projections.runner import (
    REBUILD_CHUNK,
    ProjectionRunner,
    collector_paused,
    read_model_transaction,
)
from projections.shared_fold import REPORT_PREFIX, ReportStates
from projections.sql import insert_values
from workflow.streams import report_stream_id

#: What a share's process is started with: a fresh interpreter, so nothing of the rebuilding
#: process (its connections, its threads) is shared with it.
_PROCESSES = multiprocessing.get_context("spawn")


class ShareFailed(EventStoreError):
    """A share's process of a rebuild could not finish: it ended early, or met an error
    other than the log's own (which is raised as the share met it)."""


def share_of(stream_id: str, shares: int) -> int:
    """The share a stream belongs to: the same in every process (``hash`` is salted per
    process, a CRC is not)."""
    return zlib.crc32(stream_id.encode()) % shares


def _written_by(shape: TableShape, shares: int) -> Callable[[tuple[Any, ...]], int]:
    """Which share writes each row of ``shape``'s table."""
    columns = shape.columns
    if shape.name == "pj_year_overview":
        year, department = columns.index("year"), columns.index("department")
        return lambda row: share_of(report_stream_id(row[department], row[year]), shares)
    if "report" in columns:
        report = columns.index("report")
        return lambda row: share_of(row[report], shares)
    return lambda _row: 0


def fold_share(
    url: str, names: Sequence[str], share: int, shares: int, through: int, pipe: Pipe
) -> None:
    """One share's process: fold the log up to position ``through`` and send the rows of
    the read models ``names`` this share writes, as ``("rows", table, rows)`` messages, then
    ``("done", position)``; ``("failed", error)`` instead at the first error."""
    # Paused as in the serial rebuild's batches: the collector's passes over the states and
    # views a fold holds cost as much as the fold, and free nothing.
    try:
        with collector_paused():
            _fold_share(url, names, share, shares, through, pipe)
    except BaseException as error:
        try:
            pipe.send(("failed", error))
        except Exception:  # an error that does not pickle: its type and message still go
            pipe.send(
                ("failed", ShareFailed(f"rebuild: a share met {type(error).__name__}: {error}"))
            )
    finally:
        pipe.close()


def _fold_share(
    url: str, names: Sequence[str], share: int, shares: int, through: int, pipe: Pipe
) -> None:
    log = LogReader.connect(url)
    if log is None:
        raise ShareFailed(f"database: got {url!r}, expected one its driver can open")
    states = ReportStates(log)
    folds: list[MemoryFold] = [fold for fold in memory_folds(states) if fold.name in names]
    trail = next((fold for fold in folds if fold.name == "audit_trail"), None)
    after, previous = 0, None

    def folded_here(row: Sequence[Any]) -> bool:
        # A report's rows are folded by its share; every other stream's by every share.
        return not row[1].startswith(REPORT_PREFIX) or share_of(row[1], shares) == share

    def hashed_here(row: Sequence[Any]) -> bool:
        # Each row hashed by one share (the others take its stored hash): the first hashes
        # the rows of streams that are not reports.
        stream = row[1]
        if stream.startswith(REPORT_PREFIX):
            return share_of(stream, shares) == share
        return share == 0

    with log.snapshot():
        while after < through:
            limit = min(REBUILD_CHUNK, through - after)
            rows = log.rows_checked(after, limit, previous, hashed_here)
            if not rows:
                raise ShareFailed(f"log: ended at position {after}, expected {through}")
            after, previous = rows[-1][0], rows[-1][13]
            mine = [row for row in rows if folded_here(row)]
            records = log.decode_rows(mine)
            for fold in folds:
                fold.apply(records)
            if trail is not None:
                pipe.send(("rows", AUDIT_TRAIL.name, trail.take()))  # type: ignore[union-attr]
            if after % REBUILD_BATCH == 0 or after == through:
                for fold in folds:
                    fold.flush()
            pipe.send(("at", after))
    log.close()
    for fold in folds:
        if fold is trail:
            continue
        for shape in fold.tables:
            writer = _written_by(shape, shares)
            rows = [row for row in fold.rows(shape) if writer(row) == share]  # type: ignore[union-attr]
            pipe.send(("rows", shape.name, rows))
    pipe.send(("done", after))


def rebuild_in_shares(
    runner: ProjectionRunner,
    workers: int,
    names: Sequence[str] | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    url: str | None = None,
) -> int:
    """Rebuild the named projections (all by default) with ``workers`` processes, then
    catch up with what was appended meanwhile; return the events applied, as
    :meth:`ProjectionRunner.rebuild` does. Raises what a share's process met (an edited or
    missing event: TamperedEvent, BrokenChain), with nothing written. The processes open
    the runner's database (``url``, if given, instead)."""
    chosen = [p.name for p in runner.selected(names)]
    if url is None:
        url = runner.engine.url.render_as_string(hide_password=False)
    reader = LogReader.connect(url)
    if reader is None:
        raise ShareFailed(
            f"database: got {url!r}, expected a SQLite file or a PostgreSQL server for a "
            "rebuild in several processes"
        )
    reader.close()
    through = runner.store.head_position()
    tables = {
        table.name: table for p in runner.projections if p.name in chosen for table in p.tables
    }
    pipes, processes = [], []
    try:
        for share in range(workers):
            receiving, sending = _PROCESSES.Pipe(duplex=False)
            process = _PROCESSES.Process(
                target=fold_share,
                args=(url, chosen, share, workers, through, sending),
                name=f"jixiao-rebuild-{share}",
                daemon=True,
            )
            process.start()
            sending.close()
            pipes.append(receiving)
            processes.append(process)
        _write(runner, tables, chosen, through, pipes, progress)
        for process in processes:
            process.join()
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
                process.join()
    return through + runner.catch_up(progress=progress, verified=True)


def _write(
    runner: ProjectionRunner,
    tables: dict[str, sa.Table],
    chosen: Sequence[str],
    through: int,
    pipes: list[Pipe],
    progress: Callable[[int, int], None] | None,
) -> None:
    """Write the rows the shares send, and the checkpoints, in one transaction.

    A thread per share takes its messages off the pipe as they come, so a share goes on
    folding while this thread writes another's rows (a pipe holds 64 KiB: a share whose
    rows wait for the writer would wait with them)."""
    arrived: queue.Queue[tuple[int, bytes | None]] = queue.Queue()

    def take(share: int, pipe: Pipe) -> None:
        try:
            while True:
                arrived.put((share, pipe.recv_bytes()))
        except (EOFError, OSError):
            arrived.put((share, None))

    for share, pipe in enumerate(pipes):
        threading.Thread(target=take, args=(share, pipe), daemon=True).start()
    at = [0] * len(pipes)
    waiting = set(range(len(pipes)))
    with read_model_transaction(runner.engine) as connection:
        # Emptied in this transaction, under the checkpoints' lock: a runner catching up
        # meanwhile (a server after a command) waits for the rebuilt rows, and finds its
        # checkpoints at the rebuild's head.
        runner.lock_checkpoints(connection)
        runner.empty(connection, runner.selected(chosen))
        while waiting:
            share, data = arrived.get()
            if data is None:
                if share in waiting:
                    raise ShareFailed("rebuild: a share's process ended before sending its rows")
                continue
            try:
                message = pickle.loads(data)
            except Exception as error:
                raise ShareFailed(
                    f"rebuild: a share's message could not be read ({error})"
                ) from None
            kind = message[0]
            if kind == "rows":
                insert_values(connection, tables[message[1]], message[2])
            elif kind == "at":
                at[share] = message[1]
                if progress is not None:
                    progress(min(at), through)
            elif kind == "done":
                waiting.discard(share)
            else:
                raise message[1]
        connection.execute(
            sa.update(checkpoints_table)
            .where(checkpoints_table.c.name.in_(chosen))
            .values(position=through, updated_at=datetime.now(UTC).replace(tzinfo=None))
        )
