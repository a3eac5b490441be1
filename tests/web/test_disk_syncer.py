"""A server process's waits for the disk go to a child process of its own while it serves,
and back to a thread if the child has gone (decision 0640)."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from events.durability import Unsynced
from tests.web.conftest import REPORT, Site
from web.disk_syncer import DiskSyncer, disk_syncer_serving, wait_for_disk


def _noted(*databases: Path) -> Unsynced:
    unsynced = Unsynced()
    for database in databases:
        Path(f"{database}-wal").write_bytes(b"log")
        unsynced.note(str(database))
    return unsynced


def test_a_wait_is_answered_by_the_child(tmp_path: Path, thread_syncs: list) -> None:
    async def scenario() -> tuple[set[str], bool]:
        with disk_syncer_serving() as syncer:
            waiting = _noted(tmp_path / "a.db", tmp_path / "b.db")
            await wait_for_disk(waiting)
            return waiting.files, syncer.gone

    assert asyncio.run(scenario()) == (set(), False)
    assert thread_syncs == []


def test_many_waits_at_once_are_each_answered(tmp_path: Path, thread_syncs: list) -> None:
    async def scenario() -> list[set[str]]:
        with disk_syncer_serving():
            waits = [_noted(tmp_path / f"{n % 3}.db") for n in range(60)]
            await asyncio.wait_for(asyncio.gather(*(wait_for_disk(w) for w in waits)), 30)
            return [w.files for w in waits]

    assert asyncio.run(scenario()) == [set()] * 60
    assert thread_syncs == []


def test_a_log_that_is_gone_is_answered(tmp_path: Path, thread_syncs: list) -> None:
    async def scenario() -> set[str]:
        with disk_syncer_serving():
            waiting = Unsynced()
            waiting.note(str(tmp_path / "checkpointed.db"))  # no log file: nothing to sync
            await asyncio.wait_for(wait_for_disk(waiting), 30)
            return waiting.files

    assert asyncio.run(scenario()) == set()
    assert thread_syncs == []


def test_a_child_gone_hands_its_waits_to_a_thread(tmp_path: Path, thread_syncs: list) -> None:
    database = tmp_path / "a.db"

    async def scenario() -> tuple[bool, bool]:
        with disk_syncer_serving() as syncer:
            # A wait the child holds when it dies, stopped before it could answer it.
            os.kill(syncer.process.pid, signal.SIGSTOP)
            held = asyncio.ensure_future(wait_for_disk(_noted(database)))
            await asyncio.sleep(0.05)
            assert not held.done()
            syncer.process.kill()
            await asyncio.wait_for(held, 30)
            # And a wait after it: to a thread at once.
            await asyncio.wait_for(wait_for_disk(_noted(database)), 30)
            return syncer.gone, held.exception() is None

    assert asyncio.run(scenario()) == (True, True)
    assert thread_syncs == [{f"{database}-wal"}, {f"{database}-wal"}]


def test_without_a_syncer_a_wait_is_a_threads(tmp_path: Path, thread_syncs: list) -> None:
    database = tmp_path / "a.db"
    asyncio.run(wait_for_disk(_noted(database)))
    assert thread_syncs == [{f"{database}-wal"}]


def test_the_server_waits_through_its_child_while_it_serves(
    site: Site, thread_syncs: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    children: list[DiskSyncer] = []
    real = DiskSyncer.sync

    async def sync(self: DiskSyncer, unsynced: Unsynced) -> None:
        children.append(self)
        await real(self, unsynced)

    monkeypatch.setattr(DiskSyncer, "sync", sync)
    head = site.head()
    with TestClient(site.client().app) as served:  # the lifespan runs: the server serves
        answer = served.post(
            f"{REPORT}/commands/record-actual-spending",
            json={"line": "homes", "amount": "4.10"},
            headers=site.bearer("zhang.san"),
        )
        assert answer.status_code == 200, answer.text
    assert site.head() == head + 1
    assert len(children) == 1 and thread_syncs == []
    # The lifespan's end ends the child.
    assert children[0].gone and children[0].process.poll() is not None


def test_a_child_that_cannot_start_leaves_the_waits_to_threads(
    tmp_path: Path, thread_syncs: list, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    import subprocess

    def refused(*args: object, **kwargs: object) -> None:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(subprocess, "Popen", refused)
    database = tmp_path / "a.db"

    async def scenario() -> object:
        with disk_syncer_serving() as syncer:
            await wait_for_disk(_noted(database))
            return syncer

    assert asyncio.run(scenario()) is None
    assert thread_syncs == [{f"{database}-wal"}]
    assert "its child did not start" in caplog.text
