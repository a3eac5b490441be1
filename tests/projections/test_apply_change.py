"""A change applied to the read models as its append gave it (ProjectionRunner.apply_change)
leaves every row a catch-up from the log leaves, brings in what other writers recorded
before it, and nothing after it."""

from __future__ import annotations

from projections.runner import ProjectionRunner
from tests.projections.test_rebuild import contents
from tests.projections.world import enter_seed
from tests.seed import DEPARTMENT_CODE, YEAR
from tests.workflow.report_builders import stage_steps
from tests.workflow.world import World
from workflow.commands import EditNarrative, RecordActualSpending, SetInitialBudget
from workflow.service import execute
from workflow.stages import Stage


def _record(world: World, command) -> list:
    return execute(world.store, world.preparer, command)


def test_changes_applied_as_recorded_leave_the_rows_of_a_catch_up(
    world: World, runner: ProjectionRunner
) -> None:
    enter_seed(world)
    runner.catch_up()
    key = {"department": DEPARTMENT_CODE, "year": YEAR}
    for amount in ("12.5", "13", "14.25"):
        change = _record(world, RecordActualSpending(**key, line="homes", amount=amount))
        assert runner.apply_change(change) == len(change)
    # Another writer's change, not applied, then this one: both come in, in log order.
    theirs = _record(world, SetInitialBudget(**key, line="it", amount="3"))
    mine = _record(world, EditNarrative(**key, section="1.3", text="修改后的部门职能概述"))
    assert runner.apply_change(mine) == len(theirs) + len(mine)
    assert set(runner.positions().values()) == {world.store.head_position()}
    applied = contents(runner)
    runner.rebuild()
    assert contents(runner) == applied


def test_a_review_applied_as_recorded_leaves_the_rows_of_a_catch_up(
    seeded: World, runner: ProjectionRunner
) -> None:
    runner.catch_up()
    by_user = {c.user_id: c for c in (seeded.preparer, seeded.head, seeded.finance)}
    for command, actor in stage_steps(Stage.APPROVED_BY_FINANCE):
        change = execute(seeded.store, by_user[actor.user_id], command)
        assert runner.apply_change(change) == len(change)
    applied = contents(runner)
    assert any(str(Stage.APPROVED_BY_FINANCE) in row for row in applied["pj_report_state"])
    runner.rebuild()
    assert contents(runner) == applied


def test_a_change_is_applied_no_further_than_itself(
    seeded: World, runner: ProjectionRunner
) -> None:
    runner.catch_up()
    key = {"department": DEPARTMENT_CODE, "year": YEAR}
    mine = _record(seeded, RecordActualSpending(**key, line="homes", amount="7"))
    later = _record(seeded, RecordActualSpending(**key, line="homes", amount="8"))
    assert runner.apply_change(mine) == len(mine)
    assert set(runner.positions().values()) == {mine[-1].position}
    # Already applied (by another process's read, say): nothing is applied twice.
    runner.catch_up()
    assert runner.apply_change(mine) == 0
    assert set(runner.positions().values()) == {later[-1].position}
