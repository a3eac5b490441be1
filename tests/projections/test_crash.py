"""Killing the projector with SIGKILL mid-batch, then restarting: nothing lost, nothing twice."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from projections.audit_trail import audit_trail_table
from projections.registry import projection_runner
from projections.runner import ProjectionRunner
from tests.projections import crashing
from tests.projections.test_rebuild import contents
from tests.workflow.world import World

pytestmark = pytest.mark.slow

CONTEXT = multiprocessing.get_context("spawn")


def report_positions(world: World) -> list[int]:
    return [
        e.position for e in world.store.read_all(limit=10_000) if e.stream_id.startswith("report:")
    ]


def audited_positions(runner: ProjectionRunner) -> list[int]:
    with runner.engine.connect() as connection:
        query = sa.select(audit_trail_table.c.position).order_by(audit_trail_table.c.position)
        return list(connection.execute(query).scalars())


def kill(process) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.join(timeout=30)
    assert process.exitcode == -signal.SIGKILL


def restart_and_check(world: World, runner: ProjectionRunner) -> None:
    """A fresh projector finishes the job; its tables equal a rebuild from zero."""
    restarted = projection_runner(world.store)  # type: ignore[arg-type]
    restarted.setup()
    restarted.catch_up(batch_size=10)
    head = world.store.head_position()
    assert all(s.position == head for s in restarted.status())
    assert audited_positions(restarted) == report_positions(world)
    after_restart = contents(restarted)
    restarted.rebuild()
    assert contents(restarted) == after_restart


def test_a_projector_killed_inside_a_batch_leaves_nothing_of_it(
    seeded: World, runner: ProjectionRunner, database_url: str, tmp_path: Path
) -> None:
    marker = tmp_path / "inside-a-batch"
    process = CONTEXT.Process(target=crashing.block_mid_batch, args=(database_url, str(marker)))
    process.start()
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert time.monotonic() < deadline and process.is_alive(), "projector never blocked"
        time.sleep(0.02)
    blocked_at = int(marker.read_text())
    kill(process)

    checkpoints = runner.positions()
    # Every projection stands where the last committed batch left it, before the killed one.
    assert len(set(checkpoints.values())) == 1
    committed = checkpoints["audit_trail"]
    assert 0 < committed < blocked_at
    assert audited_positions(runner) == [p for p in report_positions(seeded) if p <= committed]
    restart_and_check(seeded, runner)


def test_projectors_killed_at_random_moments_lose_and_repeat_nothing(
    seeded: World, runner: ProjectionRunner, database_url: str
) -> None:
    rng = random.Random(4)
    kills = 0
    for _ in range(3):
        started_at = runner.positions()["audit_trail"]
        process = CONTEXT.Process(target=crashing.crawl, args=(database_url,))
        process.start()
        # Let it get past its start-up (imports) and into its batches, then kill it anywhere.
        while process.is_alive() and runner.positions()["audit_trail"] == started_at:
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.3))
        if process.is_alive():
            kill(process)
            kills += 1
        else:
            process.join()
    assert kills >= 1
    assert runner.positions()["audit_trail"] > 0
    restart_and_check(seeded, runner)
