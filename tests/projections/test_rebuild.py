"""Rebuilding from zero gives the same tables as catching up step by step, on both backends."""

from __future__ import annotations

import multiprocessing

import pytest

from projections.registry import projection_runner
from projections.runner import ProjectionRunner
from tests.projections import writers
from tests.projections.world import (
    add_department,
    drive,
    enter_seed,
    review_to,
    run,
    table_contents,
)
from tests.workflow.report_builders import KEY, stage_steps
from tests.workflow.world import World
from workflow.commands import (
    ApproveReport,
    ReopenReport,
    ReturnReport,
    SetInitialBudget,
    SubmitReport,
)
from workflow.stages import Stage

CONTEXT = multiprocessing.get_context("spawn")


def contents(runner: ProjectionRunner) -> dict[str, list[tuple]]:
    """Every projection table's rows, by table name."""
    return {
        table.name: table_contents(runner.engine, table)
        for projection in runner.projections
        for table in projection.tables
    }


def a_busy_year(world: World, runner: ProjectionRunner) -> None:
    """Two departments through returns, approvals, sign-off, reopening; a third not started.

    The runner catches up after every step, in small batches, as a follower would.
    """

    def step(*actions) -> None:
        for action in actions:
            action()
        runner.catch_up(batch_size=7)

    step(lambda: enter_seed(world))
    step(lambda: add_department(world, "gusu-edu", "姑苏区教育局"))
    step(lambda: add_department(world, "gusu-hw", "姑苏区卫健委"))
    step(lambda: enter_seed(world, "gusu-edu"))
    step(lambda: run(world, world.preparer, SubmitReport(**KEY)))
    step(lambda: run(world, world.head, ReturnReport(**KEY, comment="请核对", items=("line:it",))))
    step(
        lambda: run(world, world.preparer, SetInitialBudget(**KEY, line="it", amount="3")),
        lambda: run(world, world.preparer, SetInitialBudget(**KEY, line="it", amount="2")),
        lambda: run(world, world.preparer, SubmitReport(**KEY)),
        lambda: run(world, world.head, ApproveReport(**KEY)),
    )
    step(lambda: run(world, world.finance, ApproveReport(**KEY)))
    step(lambda: review_to(world, Stage.SUBMITTED, "gusu-edu"))
    step(lambda: drive_to_published(world))
    step(lambda: run(world, world.finance, ReopenReport(**KEY, reason="审计发现调整数有误")))
    step(lambda: run(world, world.preparer, SetInitialBudget(**KEY, line="it", amount="2.5")))


def drive_to_published(world: World) -> None:
    """From approved by finance: both signatures, rendering, publication."""
    drive(world, stage_steps(Stage.PUBLISHED)[3:])


def test_rebuild_from_zero_equals_catching_up_step_by_step(
    world: World, runner: ProjectionRunner
) -> None:
    a_busy_year(world, runner)
    head = world.store.head_position()
    assert all(status.position == head for status in runner.status())
    incremental = contents(runner)
    assert len(incremental["pj_report_state"]) == 3  # gusu-rc revisions 1 and 2, gusu-edu
    assert len(incremental["pj_year_overview"]) == 3

    assert runner.rebuild() == head
    assert contents(runner) == incremental

    # A fresh process, with nothing folded in memory, rebuilds the same tables too.
    fresh = projection_runner(world.store)  # type: ignore[arg-type]
    fresh.rebuild(batch_size=50)
    assert contents(fresh) == incremental


def test_rebuilding_one_projection_leaves_the_others_alone(
    seeded: World, runner: ProjectionRunner
) -> None:
    runner.catch_up()
    before = contents(runner)
    runner.rebuild(["audit_trail"])
    assert contents(runner) == before
    with pytest.raises(ValueError, match="projection: got nope, expected one of report_state"):
        runner.rebuild(["nope"])


@pytest.mark.slow
def test_a_projector_following_writer_processes_equals_a_rebuild(
    world: World, runner: ProjectionRunner, database_url: str
) -> None:
    departments = [f"w{index}" for index in range(3)]
    for code in departments:
        add_department(world, code, f"第{code}部门")
    results = CONTEXT.Queue()
    processes = [
        CONTEXT.Process(
            target=writers.prepare_and_submit,
            args=(database_url, code, world.preparer, world.head, results),
        )
        for code in departments
    ]
    for process in processes:
        process.start()
    batches = 0

    def done() -> bool:
        nonlocal batches
        batches += 1
        writing = any(p.is_alive() for p in processes)
        return not writing and runner.positions()["audit_trail"] == world.store.head_position()

    runner.follow(stop=done, batch_size=40, poll_interval=0.01)
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    assert sorted(results.get(timeout=5) for _ in departments) == sorted(departments)

    followed = contents(runner)
    stages = {row[0]: row[5] for row in followed["pj_report_state"]}
    assert stages == {f"report:{code}:2021": "approved_by_department" for code in departments}
    assert batches > 5
    runner.rebuild()
    assert contents(runner) == followed
