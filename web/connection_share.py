"""How many connections each server process holds, so that a process holding more than its
share lets some go.

The kernel gives each new connection to one of the processes' listening sockets by a hash
of its addresses (cli.serving, decision 0632): even on average, but a few dozen kept-alive
connections often fall 30 : 20 or worse, and stay so for as long as they are kept. The
process holding more then serves more requests while the other idles, and its clients wait
longest. Under ``bench/web.py``'s 50 connections one process did up to twice the other's
work, with a fifth of the two cores idle (docs/decisions/0637).

The server's supervisor makes a small file of one slot per process (``JIXIAO_SERVE_SHARE``
names it to the processes it starts); each process claims a slot and keeps its number of
open connections there. A process holding more than the fewest any other holds, by two
connections and by a tenth of all, answers the request in hand with ``Connection: close``,
one connection at a time: its client connects again, and the kernel hashes the new
connection afresh. A browser, httpx and every HTTP/1.1 client reconnect without a word.
Letting go of every connection beyond an even share at once made the counts swing from
one process to the other for some twenty requests a connection; one at a time, with the
margin, they settle within the first few requests, a connection or two apart.
"""

from __future__ import annotations

import fcntl
import logging
import mmap
import os
import struct
import time

log = logging.getLogger("uvicorn.error")

#: The environment variable naming the shared file; unset, a process keeps no count.
SHARE_FILE = "JIXIAO_SERVE_SHARE"
#: A slot: the process id holding it, and its open connections.
_SLOT = struct.Struct("<qq")
#: More than the fewest any other process holds by this many (or a tenth of all the
#: connections, if more): a connection is let go.
SLACK = 2
#: At most one connection let go by a process in this many seconds.
PAUSE = 0.05


class ConnectionShare:
    """This process's slot in the shared file, and the others' counts."""

    def __init__(self, path: str) -> None:
        with open(path, "r+b") as file:
            # One process claims at a time. Unlocked by hand: the map holds a duplicate of
            # the descriptor, and with it the lock, for as long as it is open.
            fcntl.flock(file, fcntl.LOCK_EX)
            try:
                self._map = mmap.mmap(file.fileno(), 0)
                self._slot = self._claim()
            finally:
                fcntl.flock(file, fcntl.LOCK_UN)
        self.count = 0
        self._let_go = -PAUSE

    def _claim(self) -> int:
        """The first slot no live process holds, now this process's."""
        slots = len(self._map) // _SLOT.size
        for slot in range(slots):
            pid, _ = _SLOT.unpack_from(self._map, slot * _SLOT.size)
            if pid == 0 or not _alive(pid):
                _SLOT.pack_into(self._map, slot * _SLOT.size, os.getpid(), 0)
                return slot
        raise RuntimeError(f"{SHARE_FILE}: all {slots} slots are held by live processes")

    def opened(self) -> None:
        """A connection was opened to this process."""
        self.count += 1
        _SLOT.pack_into(self._map, self._slot * _SLOT.size, os.getpid(), self.count)

    def closed(self) -> None:
        """A connection to this process was closed."""
        self.count -= 1
        _SLOT.pack_into(self._map, self._slot * _SLOT.size, os.getpid(), self.count)

    def over_share(self) -> bool:
        """Whether this process should let a connection go now: it holds more than the
        fewest another live process holds by :data:`SLACK` and by a tenth of all, and it
        has let none go in the last :data:`PAUSE` seconds (the connection let go needs
        that long to come back, to either process, before the counts say anything)."""
        now = time.monotonic()
        if now - self._let_go < PAUSE:
            return False
        others = [
            _SLOT.unpack_from(self._map, slot * _SLOT.size)
            for slot in range(len(self._map) // _SLOT.size)
            if slot != self._slot
        ]
        # Whether the others are alive is asked (a system call each) only of a process
        # that would let a connection go: most requests find it within its share.
        if not self._beyond([count for pid, count in others if pid]):
            return False
        if not self._beyond([count for pid, count in others if pid and _alive(pid)]):
            return False
        self._let_go = now
        return True

    def _beyond(self, counts: list[int]) -> bool:
        """Whether this process holds more than the fewest of ``counts`` by the margin."""
        if not counts:
            return False
        margin = max(SLACK, (self.count + sum(counts)) // 10)
        return self.count >= min(counts) + margin


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process, alive
        return True
    return True


def process_share() -> ConnectionShare | None:
    """This process's :class:`ConnectionShare`, when its supervisor made a shared file; None
    (and a warning) when that file cannot be used: the process then serves every connection
    it is given, as without one."""
    path = os.environ.get(SHARE_FILE)
    if not path:
        return None
    try:
        return ConnectionShare(path)
    except (OSError, ValueError, RuntimeError) as error:
        log.warning(
            "%s: got %r, which cannot be used (%s): connections are not evened out",
            SHARE_FILE,
            path,
            error,
        )
        return None
