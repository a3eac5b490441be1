"""Fixtures: SQL worlds (SQLite, then PostgreSQL) with the seed entered, and runners.

Each world is built once per session and backend (tests/worlds.py) and copied into the
test's database, its clock going on from where the built world's stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime

import pytest
import sqlalchemy as sa

from events.store import EventStore
from projections.registry import projection_runner
from projections.runner import ProjectionRunner
from tests.projections.world import SteppingClock, enter_seed, sql_world
from tests.workflow.world import World
from tests.worlds import TemplateDatabases


class SqlWorlds:
    """The session's built worlds, by how they were built and on which backend."""

    def __init__(self, templates: TemplateDatabases) -> None:
        self.templates = templates
        self.built: dict[tuple[Callable[[World], None], str], tuple[str, World, datetime]] = {}

    def restore(self, url: str, build: Callable[[World], None]) -> World:
        """A world at ``url``: a copy of the users' world with ``build`` run on it."""
        key = (build, sa.engine.make_url(url).get_backend_name())
        if key not in self.built:
            template_url = self.templates.new_like(url)
            template = sql_world(template_url)
            build(template)
            template.store.engine.dispose()  # type: ignore[attr-defined]
            self.built[key] = (template_url, template, template.store.clock.now)  # type: ignore[attr-defined]
        template_url, template, now = self.built[key]
        self.templates.copy(template_url, url)
        return replace(template, store=EventStore.open(url, clock=SteppingClock(now)))


def users_only(world: World) -> None:
    """Nothing more than the department, the fiscal year and the users."""


@pytest.fixture(scope="session")
def sql_worlds(template_databases: TemplateDatabases) -> SqlWorlds:
    """The session's built worlds."""
    return SqlWorlds(template_databases)


@pytest.fixture
def world(
    database_url: str, sql_worlds: SqlWorlds, request: pytest.FixtureRequest
) -> Iterator[World]:
    """A fresh SQL world: department, fiscal year and users, no report yet; with the seed
    entered already when the test also asks for ``seeded`` (the same world)."""
    build = enter_seed if "seeded" in request.fixturenames else users_only
    world = sql_worlds.restore(database_url, build)
    yield world
    world.store.engine.dispose()  # type: ignore[attr-defined]


@pytest.fixture
def seeded(world: World) -> World:
    """The world with the whole seed report entered by the preparer (a draft)."""
    return world


@pytest.fixture
def runner(world: World) -> ProjectionRunner:
    """A runner over every projection of the world's store, set up."""
    runner = projection_runner(world.store)  # type: ignore[arg-type]
    runner.setup()
    return runner
