"""The view a catch-up has just stored, as the shared fold keeps it, is the stored view:
equal value for value and type for type, so a reader may take it instead of the stored
text."""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa

from projections.report_state import ReportStateProjection, report_state_table
from projections.runner import ProjectionRunner
from projections.shared_fold import ReportStates
from tests.projections.test_rebuild import a_busy_year
from tests.workflow.world import World


def _strictly_equal(kept: Any, stored: Any, path: str = "$") -> None:
    assert type(kept) is type(stored), f"{path}: {type(kept).__name__} {type(stored).__name__}"
    if isinstance(kept, dict):
        assert list(kept) == list(stored), path
        for key in kept:
            _strictly_equal(kept[key], stored[key], f"{path}.{key}")
    elif isinstance(kept, list):
        assert len(kept) == len(stored), path
        for index, (one, other) in enumerate(zip(kept, stored, strict=True)):
            _strictly_equal(one, other, f"{path}[{index}]")
    else:
        assert kept == stored, path


def _states(runner: ProjectionRunner) -> ReportStates:
    (projection,) = [p for p in runner.projections if isinstance(p, ReportStateProjection)]
    return projection.states


def test_each_reports_latest_view_is_kept_as_it_was_stored(
    world: World, runner: ProjectionRunner
) -> None:
    a_busy_year(world, runner)
    states = _states(runner)
    table = report_state_table
    with runner.engine.connect() as connection:
        rows = connection.execute(
            sa.select(table.c.report, table.c.revision, table.c.version, table.c.view)
        ).all()
    latest: dict[str, tuple[int, int, str]] = {}
    for report, revision, version, text in rows:
        if report not in latest or revision > latest[report][0]:
            latest[report] = (revision, version, text)
    assert len(latest) == 2  # the two reports the busy year opens
    for report, (_, version, text) in latest.items():
        kept = states.kept_view(report, version)
        assert kept is not None, report
        _strictly_equal(kept, orjson.loads(text))
        # Another version of the report, or a report never folded, has nothing kept.
        assert states.kept_view(report, version - 1) is None
    assert states.kept_view("report:nowhere/2021", 1) is None


def test_a_fold_that_has_viewed_nothing_keeps_nothing(
    world: World, runner: ProjectionRunner
) -> None:
    a_busy_year(world, runner)
    report, version = next(iter(_latest_versions(runner)))
    assert ReportStates(world.store).kept_view(report, version) is None  # type: ignore[arg-type]


def _latest_versions(runner: ProjectionRunner) -> list[tuple[str, int]]:
    table = report_state_table
    with runner.engine.connect() as connection:
        return [
            (report, version)
            for report, version in connection.execute(
                sa.select(table.c.report, sa.func.max(table.c.version)).group_by(table.c.report)
            ).all()
        ]
