"""A child process that waits for the disk for a server process's event loop.

A command served on the event loop commits without waiting for the disk, and its answer
waits for the ``fdatasync`` of the log (decision 0636). Waited for in a thread, each
command woke a thread that needed the interpreter lock and a core: under ``bench/web.py``'s
load, with the two cores taken, the woken thread took them from the event loop, and the
loop then waited for the lock it had given up at its next SQLite call (decision 0640).

:class:`DiskSyncer` hands the wait to a child process instead, which runs the standard
library alone and shares no interpreter lock. The loop writes the path of each log file to
sync, one line each, to the child's input; the child reads what has come, ``fdatasync``\\ s
each path of it once (a flush of the file covers every write made to it before the flush
began, from any descriptor of any process), then answers each line with one byte. The loop
reads the answers as it reads a socket, and each byte completes the oldest wait. A child
that has gone (its output closed, its input refused) hands every wait, in progress and
later, back to a thread, as before: the change is on the disk before it is answered
either way.
"""

from __future__ import annotations

import asyncio
import collections
import inspect
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from anyio import to_thread
from anyio.lowlevel import RunVar

from events.durability import Unsynced, sync_files

log = logging.getLogger("jixiao.web")

#: The child: syncs each distinct path of what it has read (with the very function a
#: thread runs, its source), then answers each line. A Ctrl+C reaches the whole process
#: group: the child leaves when its input closes (its server's lifespan ends, or the
#: server dies), not with a traceback of its own.
CHILD = (
    # Annotations left unevaluated: the child has the standard library's names alone.
    "from __future__ import annotations\nimport os, signal\n"
    + inspect.getsource(sync_files)
    + r"""
signal.signal(signal.SIGINT, signal.SIG_IGN)
left = b""
while True:
    data = os.read(0, 65536)
    if not data:
        break
    *lines, left = (left + data).split(b"\n")
    sync_files(set(lines))
    os.write(1, b"." * len(lines))
"""
)


class SyncerGone(Exception):
    """The child stopped answering: the waits it held are taken over by a thread."""


class DiskSyncer:
    """The child process of one event loop, and the waits it holds, oldest first."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        # Isolated (-I): the standard library alone, whatever the environment says.
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-c", CHILD],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._requests = self.process.stdin.fileno()
        self._answers = self.process.stdout.fileno()
        os.set_blocking(self._answers, False)
        self._waiting: collections.deque[asyncio.Future[None]] = collections.deque()
        self.gone = False
        self.loop.add_reader(self._answers, self._answered)

    async def sync(self, unsynced: Unsynced) -> None:
        """Wait until every log file ``unsynced`` noted is on the disk."""
        files = sorted(unsynced.files)
        if files and not self.gone:
            waits = [self.loop.create_future() for _ in files]
            self._waiting.extend(waits)
            try:
                os.write(self._requests, "".join(f"{path}\n" for path in files).encode())
            except OSError:
                self._give_up()
            try:
                for wait in waits:
                    await wait
            except SyncerGone:
                for wait in waits:  # each one's SyncerGone seen, so none is reported unseen
                    if wait.done() and not wait.cancelled():
                        wait.exception()
            else:
                unsynced.files.clear()
                return
        await to_thread.run_sync(unsynced.sync)

    def _answered(self) -> None:
        try:
            answers = os.read(self._answers, 65536)
        except BlockingIOError:
            return
        if not answers:
            self._give_up()
            return
        for _ in answers:
            wait = self._waiting.popleft()
            if not wait.done():
                wait.set_result(None)

    def _give_up(self) -> None:
        """The child is gone: every wait it held, and every later one, goes to a thread."""
        if self.gone:
            return
        self.gone = True
        self.loop.remove_reader(self._answers)
        while self._waiting:
            wait = self._waiting.popleft()
            if not wait.done():
                wait.set_exception(SyncerGone())

    def close(self) -> None:
        """End the child (its input closed, it exits) and hand any wait left to a thread."""
        self._give_up()
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()


#: The running event loop's syncer, while its server serves.
_SYNCER: RunVar[DiskSyncer | None] = RunVar("jixiao_disk_syncer", default=None)


@contextmanager
def disk_syncer_serving() -> Iterator[DiskSyncer | None]:
    """A syncer for the running event loop, for as long as the block runs (the server's
    lifespan); None, and the waits in threads, if its child cannot be started."""
    try:
        syncer = DiskSyncer()
    except OSError as error:
        log.warning(
            "disk syncer: its child did not start (%s); waits for the disk in threads", error
        )
        yield None
        return
    _SYNCER.set(syncer)
    try:
        yield syncer
    finally:
        _SYNCER.set(None)
        syncer.close()


async def wait_for_disk(unsynced: Unsynced) -> None:
    """Wait until the changes ``unsynced`` noted are on the disk: through the running
    loop's syncer while its server serves, else in a thread."""
    syncer = _SYNCER.get()
    if syncer is None:
        await to_thread.run_sync(unsynced.sync)
    else:
        await syncer.sync(unsynced)
