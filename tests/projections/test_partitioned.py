"""A rebuild in shares writes the tables a serial rebuild writes, on both backends, and refuses
what a serial rebuild refuses, changing nothing."""

from __future__ import annotations

import pytest

from events.errors import TamperedEvent
from projections.partitioned import ShareFailed, rebuild_in_shares, share_of
from projections.runner import ProjectionRunner
from tests.events.test_tamper import tamper
from tests.projections.test_rebuild import a_busy_year, contents
from tests.projections.world import run
from tests.workflow.world import World
from workflow.commands import SetInitialBudget
from workflow.streams import report_stream_id

#: The busy year's reports.
REPORTS = [report_stream_id(code, 2021) for code in ("gusu-rc", "gusu-edu")]


@pytest.mark.parametrize("shares", [3, 5])
def test_a_rebuild_in_shares_writes_what_a_serial_rebuild_writes(
    world: World, runner: ProjectionRunner, shares: int
) -> None:
    # Otherwise the test would not split the reports between processes.
    assert len({share_of(report, shares) for report in REPORTS}) == 2
    a_busy_year(world, runner)
    head = world.store.head_position()
    serial = contents(runner)
    positions: list[tuple[int, int]] = []
    applied = rebuild_in_shares(
        runner, shares, progress=lambda done, of: positions.append((done, of))
    )
    assert applied == head
    assert contents(runner) == serial
    assert all(status.position == head for status in runner.status())
    assert positions and positions[-1] == (head, head)
    assert positions == sorted(positions)


def test_a_rebuild_in_shares_of_one_projection_leaves_the_others_alone(
    world: World, runner: ProjectionRunner
) -> None:
    a_busy_year(world, runner)
    before = contents(runner)
    assert rebuild_in_shares(runner, 2, ["inboxes"]) == world.store.head_position()
    assert contents(runner) == before


def test_a_rebuild_in_shares_catches_up_with_what_came_after_its_head(
    seeded: World, runner: ProjectionRunner
) -> None:
    runner.catch_up()
    run(
        seeded,
        seeded.preparer,
        SetInitialBudget(department="gusu-rc", year=2021, line="it", amount="9"),
    )
    rebuild_in_shares(runner, 2)
    rebuilt = contents(runner)
    runner.rebuild()
    assert contents(runner) == rebuilt


@pytest.mark.parametrize("edited_share", [0, 1])
def test_a_rebuild_in_shares_refuses_an_edited_event_and_writes_nothing(
    world: World, runner: ProjectionRunner, edited_share: int
) -> None:
    a_busy_year(world, runner)
    store = world.store
    # An event of the report one share folds, then the other's: each row's hash is checked
    # by one share only, and any share's refusal refuses the rebuild.
    assert sorted(share_of(report, 3) for report in REPORTS) == [0, 1]
    report = next(r for r in REPORTS if share_of(r, 3) == edited_share)
    before, head = contents(runner), store.head_position()
    edited = store.read_stream(report)[5]  # type: ignore[attr-defined]
    tamper(store, f"UPDATE events SET actor = 'someone.else' WHERE position = {edited.position}")  # type: ignore[arg-type]
    with pytest.raises(TamperedEvent) as refused:
        rebuild_in_shares(runner, 3)
    assert refused.value.position == edited.position
    # Refused in the transaction that would have emptied them: the tables stay as they were.
    assert all(position == head for position in runner.positions().values())
    assert contents(runner) == before


def test_a_rebuild_in_shares_of_a_database_no_other_process_can_open_is_refused_first(
    seeded: World, runner: ProjectionRunner
) -> None:
    runner.catch_up()
    before = contents(runner)
    with pytest.raises(ShareFailed, match="database: got 'sqlite://', expected a SQLite file"):
        rebuild_in_shares(runner, 2, url="sqlite://")
    assert contents(runner) == before
