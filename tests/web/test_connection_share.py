"""The server processes' shared counts of their connections (web.connection_share, decision
0637): each process claims a slot, and one holding more than its share lets a connection go,
one at a time."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from web import connection_share
from web.connection_share import SHARE_FILE, ConnectionShare, process_share


def _file(tmp_path: Path, slots: int) -> str:
    path = tmp_path / "serve.share"
    path.write_bytes(bytes(16 * slots))
    return str(path)


def _other(path: str, slot: int, pid: int, count: int) -> None:
    """Another process's slot, as that process would write it."""
    data = bytearray(Path(path).read_bytes())
    struct.pack_into("<qq", data, slot * 16, pid, count)
    Path(path).write_bytes(bytes(data))


def _dead_pid() -> int:
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    return int(child.stdout)


def test_a_process_claims_a_free_slot_and_keeps_its_count(tmp_path: Path) -> None:
    path = _file(tmp_path, 2)
    _other(path, 0, _dead_pid(), 7)  # a worker that died: its slot is free again
    share = ConnectionShare(path)
    share.opened()
    share.opened()
    share.closed()
    assert struct.unpack_from("<qq", Path(path).read_bytes(), 0) == (os.getpid(), 1)


def test_every_slot_held_by_a_live_process_is_refused(tmp_path: Path) -> None:
    path = _file(tmp_path, 1)
    _other(path, 0, os.getppid(), 0)
    with pytest.raises(RuntimeError, match="all 1 slots are held by live processes"):
        ConnectionShare(path)


def test_one_connection_is_let_go_at_a_time_beyond_the_margin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _file(tmp_path, 2)
    share = ConnectionShare(path)
    _other(path, 1, os.getppid(), 20)  # a live process holding 20
    for _ in range(21):
        share.opened()
    assert not share.over_share()  # 21 against 20: within the margin
    for _ in range(9):
        share.opened()
    now = [1000.0]
    monkeypatch.setattr(connection_share.time, "monotonic", lambda: now[0])
    assert share.over_share()  # 30 against 20: beyond a tenth of 50 and beyond 2
    assert not share.over_share()  # one at a time
    now[0] += 2 * connection_share.PAUSE
    assert share.over_share()
    _other(path, 1, _dead_pid(), 0)  # the other process is gone: nobody to share with
    now[0] += 2 * connection_share.PAUSE
    assert not share.over_share()


def test_no_shared_file_keeps_no_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SHARE_FILE, raising=False)
    assert process_share() is None


def test_a_shared_file_that_cannot_be_used_keeps_no_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(SHARE_FILE, str(tmp_path / "gone.share"))
    assert process_share() is None
    assert "connections are not evened out" in caplog.text
    monkeypatch.setenv(SHARE_FILE, _file(tmp_path, 0))  # no slot at all: mmap refuses it
    assert process_share() is None
