"""Inboxes at every stage of the seed's review, and as grants come and go."""

from __future__ import annotations

from datetime import UTC, date, datetime

from projections.audit_trail import audit_trail
from projections.inboxes import inbox
from projections.runner import ProjectionRunner
from projections.year_overview import year_overview
from tests.projections.world import drive, run
from tests.workflow.report_builders import KEY, stage_steps
from tests.workflow.world import World
from workflow.administration import GrantRole, RevokeRole
from workflow.commands import ReturnReport
from workflow.service import execute, record_render_failure
from workflow.stages import Stage

USERS = ("zhang.san", "li.si", "wang.wu", "zhao.liu", "admin")
LATER = datetime(2022, 7, 2, tzinfo=UTC)


def inboxes(runner: ProjectionRunner) -> dict[str, list[str]]:
    runner.catch_up()
    return {
        user: [f"{item.action} as {item.role}" for item in inbox(runner.engine, user)]
        for user in USERS
        if inbox(runner.engine, user)
    }


def test_each_stage_waits_for_the_right_people(seeded: World, runner: ProjectionRunner) -> None:
    expected = [
        {"li.si": ["review as department_head"]},
        {"wang.wu": ["review as finance_reviewer"]},
        {"li.si": ["sign_off as department_head"], "wang.wu": ["sign_off as finance_reviewer"]},
        {"wang.wu": ["sign_off as finance_reviewer"]},
        {},  # signed off: the render worker's turn, nobody's inbox
        {"li.si": ["publish as department_head"]},
        {},
    ]
    assert inboxes(runner) == {"zhang.san": ["submit as preparer"]}
    steps = stage_steps(Stage.PUBLISHED)
    for step, wanted in zip(steps, expected, strict=True):
        drive(seeded, [step])
        assert inboxes(runner) == wanted, step[0]


def test_waiting_since_deadline_and_overdue(seeded: World, runner: ProjectionRunner) -> None:
    drive(seeded, stage_steps(Stage.APPROVED_BY_FINANCE))
    approved = seeded.store.read_stream("report:gusu-rc:2021")[-1]
    drive(seeded, stage_steps(Stage.SIGNED_OFF)[3:4])  # the head signs; finance still to sign
    runner.catch_up()
    (item,) = inbox(runner.engine, "wang.wu", now=LATER)
    assert item.waiting_since == approved.recorded_at  # since the stage began, not the signature
    assert item.waited == LATER - approved.recorded_at
    assert (item.deadline, item.overdue) == (date(2022, 6, 30), True)
    assert (item.department_name, item.revision, item.stage) == (
        "姑苏区红十字会",
        1,
        "approved_by_finance",
    )
    (early,) = inbox(runner.engine, "wang.wu", now=datetime(2022, 6, 30, 23, tzinfo=UTC))
    assert not early.overdue


def test_a_returned_report_comes_back_with_the_comment(
    seeded: World, runner: ProjectionRunner
) -> None:
    drive(seeded, stage_steps(Stage.SUBMITTED))
    run(seeded, seeded.head, ReturnReport(**KEY, comment="净资产单位请核对"))
    runner.catch_up()
    (item,) = inbox(runner.engine, "zhang.san")
    assert (item.action, item.note) == ("submit", "returned by li.si: 净资产单位请核对")


def test_grants_decide_who_sees_the_report(seeded: World, runner: ProjectionRunner) -> None:
    admin = seeded.admin
    # zhang.san also heads the department, but never reviews what he submitted himself.
    execute(
        seeded.store,
        admin,
        GrantRole(user_id="zhang.san", role="department_head", department="gusu-rc"),
    )
    drive(seeded, stage_steps(Stage.SUBMITTED))
    assert inboxes(runner) == {"li.si": ["review as department_head"]}
    execute(
        seeded.store,
        admin,
        RevokeRole(user_id="li.si", role="department_head", department="gusu-rc"),
    )
    assert inboxes(runner) == {}
    execute(
        seeded.store,
        admin,
        GrantRole(user_id="zhao.liu", role="department_head", department="gusu-rc"),
    )
    assert inboxes(runner) == {"zhao.liu": ["review as department_head"]}


def test_a_render_the_worker_gave_up_on_waits_for_finance_and_an_administrator(
    seeded: World, runner: ProjectionRunner
) -> None:
    drive(seeded, stage_steps(Stage.SIGNED_OFF))
    failure = {"revision": 1, "formats": ("html", "pdf", "xlsx")}
    slow = "render took longer than 120 s"
    record_render_failure(seeded.store, **KEY, **failure, reason=slow, attempt=1, final=False)
    # Still being retried: the worker's business, nobody's inbox yet; the overview says so.
    assert inboxes(runner) == {}
    [row] = year_overview(runner.engine, 2021)
    assert (row.stage, row.note) == (
        "signed_off",
        "render failed (attempt 1, to be retried): render took longer than 120 s",
    )
    killed = "render killed after 150 s (hard time limit)"
    record_render_failure(seeded.store, **KEY, **failure, reason=killed, attempt=2, final=True)
    assert inboxes(runner) == {
        "wang.wu": ["reopen as finance_reviewer"],
        "admin": ["render as admin"],
    }
    note = "render failed after 2 attempts: render killed after 150 s (hard time limit)"
    assert {item.note for user in ("wang.wu", "admin") for item in inbox(runner.engine, user)} == {
        note
    }
    [row] = year_overview(runner.engine, 2021)
    assert row.note == note
    trail = audit_trail(runner.engine, department="gusu-rc", year=2021, user="worker")
    assert [entry.event_type for entry in trail] == ["RenderFailed", "RenderFailed"]
    retried = "render failed (attempt 1, to be retried): render took longer than 120 s"
    described = trail[-1].describe()
    assert described.endswith(f"worker (system) report 姑苏区红十字会 render: {retried} → {note}")
    # Rendered after all (an administrator's retry): on to publishing, the note is gone.
    drive(seeded, stage_steps(Stage.RENDERED)[-1:])
    assert inboxes(runner) == {"li.si": ["publish as department_head"]}
    [row] = year_overview(runner.engine, 2021)
    assert (row.stage, row.note) == ("rendered", None)
