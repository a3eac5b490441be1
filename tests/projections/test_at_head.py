"""Whether the read models are at the head of the log (projections.at_head, decision 0208):
the one check that lets a read skip the catch-up and the SQL store."""

from __future__ import annotations

import sqlalchemy as sa

from projections.at_head import PROJECTION_VERSIONS, at_head, projection_status
from projections.checkpoints import checkpoints_table
from projections.registry import all_projections
from projections.runner import ProjectionRunner
from projections.sql import EngineRows


def test_every_projection_kept_is_checked(runner: ProjectionRunner) -> None:
    kept = {p.name: p.version for p in all_projections(runner.store)}
    assert kept == dict(PROJECTION_VERSIONS)


def test_at_head_only_once_every_projection_applied_the_last_event(
    seeded, runner: ProjectionRunner
) -> None:
    rows = EngineRows(runner.engine)
    head = runner.store.head_position()
    assert not at_head(rows, head)
    runner.catch_up()
    assert at_head(rows, head)
    assert not at_head(rows, head + 1)  # a command appended since
    with runner.engine.begin() as connection:
        connection.execute(
            sa.update(checkpoints_table)
            .where(checkpoints_table.c.name == "inboxes")
            .values(position=head - 1)
        )
    assert not at_head(rows, head)


def test_a_checkpoint_of_another_version_is_not_at_head(seeded, runner: ProjectionRunner) -> None:
    runner.catch_up()
    rows, head = EngineRows(runner.engine), runner.store.head_position()
    assert [s.lag for s in projection_status(rows, head) or []] == [0, 0, 0, 0]
    with runner.engine.begin() as connection:
        connection.execute(
            sa.update(checkpoints_table)
            .where(checkpoints_table.c.name == "audit_trail")
            .values(version=PROJECTION_VERSIONS["audit_trail"] + 1)
        )
    assert not at_head(rows, head)
    assert projection_status(rows, head) is None  # setting up would rebuild it: the store's work
