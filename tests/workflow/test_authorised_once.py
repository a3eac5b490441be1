"""Every report command is authorised once: the decision that checks its rules also names
the role its events are recorded under, and a refusal is the same one line as ever."""

from __future__ import annotations

import pytest

from tests.workflow.report_builders import KEY, PREPARER, context
from tests.workflow.world import NOW, World
from workflow import decisions
from workflow.commands import ApproveReport, OpenReport, ReportCommand, SetNetAssets
from workflow.decisions import decision
from workflow.errors import NotAuthorized
from workflow.report import ReportState, fold
from workflow.roles import Actor, Role
from workflow.service import execute, execute_all


@pytest.fixture
def authorised(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The commands authorised, in order: the real rule runs, each call is counted."""
    calls: list[str] = []
    real = decisions.authorize

    def counted(state: ReportState, command: ReportCommand, actor: Actor) -> Role:
        calls.append(type(command).__name__)
        return real(state, command, actor)

    monkeypatch.setattr(decisions, "authorize", counted)
    return calls


def test_a_decision_carries_the_role_it_was_authorised_in() -> None:
    decided = decision(ReportState(), OpenReport(**KEY), PREPARER, context())
    assert decided.role is Role.PREPARER
    assert [type(e).__name__ for e in decided.events] == ["ReportOpened"]
    assert decided.state == fold(decided.events)


def test_a_command_is_authorised_once_and_recorded_in_that_role(
    world: World, authorised: list[str]
) -> None:
    recorded = execute(world.store, world.preparer, OpenReport(**KEY), now=NOW)
    assert authorised == ["OpenReport"]
    assert [(r.event_type, r.actor, r.role) for r in recorded] == [
        ("ReportOpened", "zhang.san", "preparer")
    ]


def test_each_command_of_one_change_is_authorised_once(world: World, authorised: list[str]) -> None:
    commands = [
        ("report", OpenReport(**KEY)),
        ("net_assets", SetNetAssets(**KEY, amount="24904.73", unit="元")),
    ]
    recorded = execute_all(world.store, world.preparer, commands, now=NOW)
    assert authorised == ["OpenReport", "SetNetAssets"]
    assert {r.role for r in recorded} == {"preparer"}


def test_a_refused_command_is_authorised_once_and_appends_nothing(
    seeded: World, authorised: list[str]
) -> None:
    before = seeded.appended()
    with pytest.raises(NotAuthorized) as refused:
        execute(seeded.store, seeded.preparer, ApproveReport(**KEY))
    assert str(refused.value) == (
        "user zhang.san role in department gusu-rc: got 填报人（preparer）, expected "
        "部门负责人（department_head） or 财政局审核人（finance_reviewer） "
        "to 审核通过（ApproveReport）"
    )
    assert authorised == ["ApproveReport"]
    assert seeded.appended() == before
