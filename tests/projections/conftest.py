"""Fixtures: SQL worlds (SQLite, then PostgreSQL) with the seed entered, and runners."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from projections.registry import projection_runner
from projections.runner import ProjectionRunner
from tests.projections.world import enter_seed, sql_world
from tests.workflow.world import World


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    """A fresh SQL world: department, fiscal year and users, no report yet."""
    world = sql_world(database_url)
    yield world
    world.store.engine.dispose()  # type: ignore[attr-defined]


@pytest.fixture
def seeded(world: World) -> World:
    """The world with the whole seed report entered by the preparer (a draft)."""
    enter_seed(world)
    return world


@pytest.fixture
def runner(world: World) -> ProjectionRunner:
    """A runner over every projection of the world's store, set up."""
    runner = projection_runner(world.store)  # type: ignore[arg-type]
    runner.setup()
    return runner
