"""``kill -9`` of ``jixiao worker start`` takes its Celery worker and pool processes with it.

The command runs as a real subprocess on the machine's Redis; its descendants are found
in /proc before the kill and must all be gone a few seconds after it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from projections.migrations import open_store
from tests.worker.conftest import REDIS_URL, wait_for
from tests.worker.signed_off import Office
from worker.process import WorkerProcess
from worker.runner import relay_for
from worker.settings import WorkerSettings

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc"),
]


def parent_of(pid: int) -> int | None:
    """The parent pid of a live process, None for one gone (or a zombie: it has exited)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name (field 2) may hold spaces and parentheses: read after the last ')'.
    state, parent = stat[stat.rindex(")") + 2 :].split()[:2]
    return None if state in ("Z", "X") else int(parent)


def descendants(root: int) -> set[int]:
    """Every live process below ``root``."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parent = parent_of(int(entry.name))
            if parent is not None:
                children.setdefault(parent, []).append(int(entry.name))
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    return {pid for pid in pids if parent_of(pid) is not None}


def test_kill_9_of_jixiao_worker_start_leaves_no_orphan(
    db_url: str, redis_prefix: str, tmp_path: Path
) -> None:
    open_store(db_url, create=True).close()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("JIXIAO_")},
        "JIXIAO_DB": db_url,
        "JIXIAO_BROKER": REDIS_URL,
        "JIXIAO_BROKER_PREFIX": redis_prefix,
        "JIXIAO_OUT": str(tmp_path / "out"),
    }
    log = tmp_path / "start.log"
    with log.open("wb") as output:
        parent = subprocess.Popen(
            [sys.executable, "-m", "cli", "worker", "start", "--concurrency", "2"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: " ready." in log.read_text(errors="replace"), 90, "the Celery worker")
        # The Celery main process and its two pool processes.
        wait_for(lambda: len(descendants(parent.pid)) >= 3, 30, "the pool processes")
        children = descendants(parent.pid)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        wait_for(lambda: not alive(children), 20, f"the children {sorted(alive(children))} to die")
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        for pid in alive(descendants(parent.pid)):
            os.kill(pid, signal.SIGKILL)


def test_kill_9_of_the_celery_worker_takes_its_pool_processes_even_mid_render(
    office: Office, redis_settings: WorkerSettings, tmp_path: Path
) -> None:
    # An idle pool process notices its parent's death on its own pipe; one busy rendering
    # would go on until the render ends, unless it dies with its parent (Celery asks the
    # kernel for that on Linux; worker.lifeline adds a watchdog where it cannot).
    settings = redis_settings.but(render_pause=60.0)
    relay_for(settings, office.store).publish_pending()
    worker = WorkerProcess(settings, concurrency=2, log_path=tmp_path / "worker.log")
    worker.start()
    try:
        assert worker.process is not None
        main = worker.process.pid
        wait_for(lambda: any(settings.out_dir.glob("*.html")), 60, "the render to be under way")
        pool = descendants(main)
        assert len(pool) >= 2
        # The main process alone, not its process group: the pool must follow by itself.
        os.kill(main, signal.SIGKILL)
        worker.process.wait(10)
        wait_for(lambda: not alive(pool), 10, f"the pool processes {sorted(alive(pool))} to die")
    finally:
        worker.kill()


def test_a_child_whose_parent_is_already_gone_stops_at_once(tmp_path: Path) -> None:
    # The worker asks for the kernel's signal only once it has started: a parent that died
    # before then is noticed by the pid it left in the environment.
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import signal, sys, time\n"
        "from worker.lifeline import die_with_parent\n"
        "die_with_parent(signal.SIGTERM, parent=int(sys.argv[1]))\n"
        "time.sleep(30)\n"
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(probe), "1"], timeout=20, capture_output=True, check=False
    )
    assert done.returncode == -signal.SIGTERM, done.stderr
    assert time.monotonic() - started < 15
