"""Appends whose wait for the disk is taken over by their caller.

A SQLite append is written in full sync (decision 0003): its ``COMMIT`` returns once the
write-ahead log is on the disk, some 1 ms of ``fdatasync`` on a server's disk. A server
process that serves its requests on one event loop would serve nobody during that wait.

Inside :func:`disk_wait_taken_over`, an append on SQLite commits without waiting for the
disk (``synchronous=NORMAL`` for that transaction) and notes its log file; the caller then
waits until the noted files are on the disk before it tells anyone the change was recorded
(:meth:`Unsynced.sync` in a thread of its own, or any process's ``fdatasync`` of the same
files: a flush of a file covers every write made to it before the flush began). The
change is durable before it is answered, as ever; in between, for the time of one
``fdatasync``, it is visible to other readers before it is on the disk. A power cut
in that moment loses it together with everything after it in the log (the write-ahead log
is replayed in order, up to its last whole commit), so the hash chain stays whole
(docs/decisions/0636).

Outside it, appends wait for the disk in their ``COMMIT`` as before. PostgreSQL is left as
it is: its commits wait for the disk in the server, not in this process's interpreter.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar


class Unsynced:
    """The SQLite log files appended to, in one context, without waiting for the disk."""

    __slots__ = ("files",)

    def __init__(self) -> None:
        self.files: set[str] = set()

    def __bool__(self) -> bool:
        return bool(self.files)

    def note(self, path: str) -> None:
        """A change to the database at ``path`` committed without waiting for the disk."""
        self.files.add(f"{path}-wal")

    def sync(self) -> None:
        """Wait until every change noted is on the disk: ``fdatasync`` of each write-ahead
        log (:func:`sync_files`)."""
        sync_files(sorted(self.files))
        self.files.clear()


def sync_files(paths: Iterable[str | bytes]) -> None:
    """``fdatasync`` each file of ``paths`` (any descriptor of a file flushes the file). A
    log that is gone was checkpointed into its database, and synced, when its last
    connection closed: nothing is left to wait for.

    It uses the standard library's ``os`` alone, so that a process of its own can run its
    source without importing this package."""
    for path in paths:
        try:
            descriptor = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            os.fdatasync(descriptor)
        finally:
            os.close(descriptor)


_TAKEN_OVER: ContextVar[Unsynced | None] = ContextVar("jixiao_disk_wait", default=None)


def unsynced() -> Unsynced | None:
    """Where the running context's appends note their log files, when its caller takes
    over their wait for the disk; None when they wait for it themselves."""
    return _TAKEN_OVER.get()


@contextmanager
def disk_wait_taken_over() -> Iterator[Unsynced]:
    """Appends made inside commit without waiting for the disk; the caller must call the
    yielded :meth:`Unsynced.sync` before it answers for them."""
    taken = Unsynced()
    token = _TAKEN_OVER.set(taken)
    try:
        yield taken
    finally:
        _TAKEN_OVER.reset(token)
