"""A test world on the SQL store: the seed's department and year, one user per role, a clock
that moves one minute per append, and helpers that drive the report through its review."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from projections.migrations import open_store
from tests.seed import DEPARTMENT_CODE, YEAR, seed_commands
from tests.workflow.report_builders import stage_steps
from tests.workflow.world import NOW, World, set_up
from workflow.administration import GrantRole, RegisterDepartment
from workflow.commands import RecordRendering, ReportCommand
from workflow.roles import Actor
from workflow.service import Credentials, execute, record_rendering
from workflow.stages import Stage

#: The moment of the first append in a test world.
START = datetime(2022, 3, 1, 9, 0, tzinfo=UTC)


class SteppingClock:
    """The store's clock: one minute later at every append."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


def sql_world(url: str) -> World:
    """A store at ``url`` with the seed's department and fiscal year, and one user per role."""
    store = open_store(url, create=True, clock=SteppingClock())
    admin, people = set_up(store)
    return World(store, admin, *people.values())  # type: ignore[arg-type]


def run(world: World, who: Credentials, *commands: ReportCommand) -> None:
    """Issue ``commands`` as ``who``, in order."""
    for command in commands:
        execute(world.store, who, command, now=NOW)


def enter_seed(world: World, department: str = DEPARTMENT_CODE) -> None:
    """The preparer enters the whole seed report for ``department``."""
    run(world, world.preparer, *seed_commands(department, YEAR))


def drive(world: World, steps: Iterable[tuple[ReportCommand, Actor]]) -> None:
    """Issue review steps written with the workflow tests' actors, as this world's users."""
    by_user = {c.user_id: c for c in (world.preparer, world.head, world.finance)}
    for command, actor in steps:
        if isinstance(command, RecordRendering):
            record_rendering(
                world.store,
                command.department,
                command.year,
                revision=command.revision or 1,
                artifacts=command.artifacts,
            )
        else:
            run(world, by_user[actor.user_id], command)


def review_to(world: World, stage: Stage, department: str = DEPARTMENT_CODE) -> None:
    """Take the entered draft of ``department`` to ``stage``."""
    steps = stage_steps(stage)
    drive(world, [(replace(command, department=department), who) for command, who in steps])


def table_contents(engine: sa.Engine, table: sa.Table) -> list[tuple]:
    """Every row of ``table``, sorted, for comparing two runs."""
    with engine.connect() as connection:
        rows = connection.execute(sa.select(table)).all()
    return sorted(tuple(row) for row in rows)


def add_department(world: World, code: str, name: str) -> None:
    """Register another department; the world's preparer and head get their roles in it."""
    execute(world.store, world.admin, RegisterDepartment(code=code, name=name))
    for who, role in ((world.preparer, "preparer"), (world.head, "department_head")):
        execute(
            world.store, world.admin, GrantRole(user_id=who.user_id, role=role, department=code)
        )
