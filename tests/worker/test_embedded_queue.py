"""The render queue on the embedded broker is created once, before a worker and its beat
start: kombu's SQLAlchemy transport creates its tables and a queue's row at first use behind
a lock of one process only, so two processes starting on a new broker file could both try,
and the one that lost died (decision 0301)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from worker.celery_app import RENDER_QUEUE, declare_render_queue
from worker.settings import load_settings

#: Declares the render queue at the instant given, on the store given (argv).
DECLARE = """
import sys, time
from worker.celery_app import declare_render_queue
from worker.settings import load_settings
settings = load_settings({}, db_url=sys.argv[1], out_dir=sys.argv[2])
while time.time() < float(sys.argv[3]):
    pass
declare_render_queue(settings)
"""


def _queues(broker: Path) -> list[tuple[str]]:
    with sqlite3.connect(broker) as connection:
        return connection.execute("SELECT name FROM kombu_queue").fetchall()


def test_declaring_creates_the_queue_once(tmp_path: Path) -> None:
    settings = load_settings({}, db_url=f"sqlite:///{tmp_path}/jixiao.db", out_dir=tmp_path)
    declare_render_queue(settings)
    declare_render_queue(settings)
    assert _queues(tmp_path / "jixiao-broker.db") == [(RENDER_QUEUE,)]


def test_processes_declaring_at_once_on_a_new_broker_all_succeed(tmp_path: Path) -> None:
    for attempt in range(3):
        folder = tmp_path / str(attempt)
        folder.mkdir()
        start = time.time() + 2.5  # after every process has imported Celery
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", DECLARE, f"sqlite:///{folder}/jixiao.db", str(folder),
                 str(start)],
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]  # fmt: skip
        failures = [p.stderr.read()[-500:] for p in processes if p.wait() != 0]
        assert failures == []
        assert _queues(folder / "jixiao-broker.db") == [(RENDER_QUEUE,)]
