"""Deadline reminders in the read models: the inbox of the preparers reminded (an ``open``
row while the department has no report), the year overview, and the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime

from cli.seed_file import project_commands
from projections.audit_trail import audit_trail
from projections.inboxes import inbox
from projections.integrity import verify_log
from projections.runner import ProjectionRunner
from projections.year_overview import year_overview
from tests.projections.test_integrity import through_the_driver
from tests.projections.world import add_department, run
from tests.workflow.report_builders import KEY
from tests.workflow.world import World
from workflow.commands import OpenReport, SubmitReport
from workflow.service import remind_of_deadlines

WEEK = datetime(2022, 6, 23, 9, tzinfo=UTC)
DAY = datetime(2022, 6, 29, 9, tzinfo=UTC)
LATE = datetime(2022, 7, 1, 9, tzinfo=UTC)
BOTH = ["gusu-edu", "gusu-rc"]


def waiting(runner: ProjectionRunner, user: str) -> list[tuple]:
    runner.catch_up()
    return [
        (i.report, i.stage, i.action, i.role, i.reminder, str(i.deadline))
        for i in inbox(runner.engine, user, now=WEEK)
    ]


def reminders(runner: ProjectionRunner) -> dict[str, str | None]:
    runner.catch_up()
    return {row.department: row.reminder for row in year_overview(runner.engine, 2021)}


def test_reminders_show_in_inboxes_and_the_overview(
    seeded: World, runner: ProjectionRunner, database_url: str
) -> None:
    add_department(seeded, "gusu-edu", "姑苏区教育局")
    assert waiting(runner, "zhang.san") == [
        ("report:gusu-rc:2021", "draft", "submit", "preparer", None, "2022-06-30")
    ]
    assert reminders(runner) == {"gusu-edu": None, "gusu-rc": None}

    remind_of_deadlines(seeded.store, 2021, BOTH, now=WEEK)
    # The preparer of both: reminded to submit one report and to open the other.
    assert sorted(waiting(runner, "zhang.san")) == [
        ("report:gusu-edu:2021", "new", "open", "preparer", "7-days", "2022-06-30"),
        ("report:gusu-rc:2021", "draft", "submit", "preparer", "7-days", "2022-06-30"),
    ]
    assert waiting(runner, "li.si") == []  # heads are mailed, but nothing waits for them
    assert reminders(runner) == {"gusu-edu": "7-days", "gusu-rc": "7-days"}

    remind_of_deadlines(seeded.store, 2021, BOTH, now=DAY)
    assert {item[0]: item[4] for item in waiting(runner, "zhang.san")} == {
        "report:gusu-edu:2021": "1-day",
        "report:gusu-rc:2021": "1-day",
    }
    # Opening the report replaces the open row with the draft's own; the overview keeps
    # the most urgent reminder the department was sent.
    run(seeded, seeded.preparer, OpenReport(department="gusu-edu", year=2021))
    run(seeded, seeded.preparer, SubmitReport(**KEY))
    assert waiting(runner, "zhang.san") == [
        ("report:gusu-edu:2021", "draft", "submit", "preparer", None, "2022-06-30")
    ]
    assert reminders(runner) == {"gusu-edu": "1-day", "gusu-rc": "1-day"}

    remind_of_deadlines(seeded.store, 2021, BOTH, now=LATE)
    assert waiting(runner, "zhang.san") == [
        ("report:gusu-edu:2021", "draft", "submit", "preparer", "overdue", "2022-06-30")
    ]
    assert reminders(runner) == {"gusu-edu": "overdue", "gusu-rc": "1-day"}

    # Followed event by event or folded at once, the read models are the same.
    result = verify_log(seeded.store)  # type: ignore[arg-type]
    assert result.ok, result.read_model_problem
    # And through the database driver alone, the read models folded in memory (0209).
    folded = through_the_driver(database_url)(seeded.store)
    assert folded.ok, folded.read_model_problem
    assert folded.read_models == result.read_models


def test_a_project_reports_reminder_is_its_own_not_its_departments(
    seeded: World, runner: ProjectionRunner, database_url: str
) -> None:
    for command in project_commands():  # the bundled 项目支出 report, "homes", a draft
        run(seeded, seeded.preparer, command)
    run(seeded, seeded.preparer, SubmitReport(**KEY))  # the 部门整体 report is not owed
    remind_of_deadlines(seeded.store, 2021, ["gusu-rc"], now=WEEK)
    assert waiting(runner, "zhang.san") == [
        ("report:gusu-rc:2021:homes", "draft", "submit", "preparer", "7-days", "2022-06-30")
    ]
    # The department's row is its 部门整体 report's, which was not reminded.
    assert reminders(runner) == {"gusu-rc": None}
    result = verify_log(seeded.store)  # type: ignore[arg-type]
    assert result.ok, result.read_model_problem
    folded = through_the_driver(database_url)(seeded.store)
    assert folded.ok, folded.read_model_problem
    assert folded.read_models == result.read_models


def test_a_reminder_is_a_row_of_the_audit_trail(seeded: World, runner: ProjectionRunner) -> None:
    remind_of_deadlines(seeded.store, 2021, ["gusu-rc"], now=WEEK)
    remind_of_deadlines(seeded.store, 2021, ["gusu-rc"], now=DAY)
    runner.catch_up()
    rows = [
        r
        for r in audit_trail(runner.engine, department="gusu-rc", year=2021)
        if r.field == "reminder"
    ]
    assert [
        (r.actor, r.role, r.event_type, r.before_raw, r.after_raw, r.comment, r.stage) for r in rows
    ] == [
        (
            "worker",
            "system",
            "DeadlineReminderSent",
            None,
            "7-days",
            "deadline 2022-06-30: 7 days left",
            "draft",
        ),
        (
            "worker",
            "system",
            "DeadlineReminderSent",
            "7-days",
            "1-day",
            "deadline 2022-06-30: 1 day left",
            "draft",
        ),
    ]
    assert rows[1].after_value == {"kind": "1-day", "deadline": "2022-06-30", "days_left": 1}
