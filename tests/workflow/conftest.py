"""Fixtures: fresh worlds (an in-memory store with the seed's department, year and users)."""

from __future__ import annotations

import copy

import pytest

from tests.workflow.world import World, make_world, seeded_template


@pytest.fixture
def world() -> World:
    """A fresh world under the default scheme."""
    return make_world()


@pytest.fixture
def seeded() -> World:
    """A world in which the preparer has entered the whole seed report (a private copy)."""
    return copy.deepcopy(seeded_template())
