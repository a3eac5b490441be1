"""Deadline reminders: which one is due when, recorded once per department, year and kind,
on the report's stream or (no report yet) on the fiscal year's, by the system."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from cli.seed_file import project_commands
from tests.seed import DEADLINE
from tests.workflow.report_builders import KEY
from tests.workflow.world import NOW, World, add_user
from workflow.administration import (
    ChangeUserEmail,
    FiscalYearState,
    RegisterDepartment,
    RegisterUser,
)
from workflow.commands import ApproveReport, OpenReport, ReturnReport, SubmitReport
from workflow.deadlines import DeadlineReminderSent, ReminderKind, days_left, reminder_due
from workflow.errors import InvalidValue, UnknownItem
from workflow.report import ReportState
from workflow.service import (
    MAIL_TOPIC,
    execute,
    load_admin,
    load_report,
    remind_of_deadlines,
)
from workflow.users import UserRegistered, UserState

OTHER = "gusu-edu"
YEAR = KEY["year"]


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def before(days: int) -> datetime:
    return at(DEADLINE - timedelta(days=days))


def kinds(recorded) -> list[tuple[str, str, str]]:
    return [(r.stream_id, r.event.department, str(r.event.kind)) for r in recorded]


@pytest.mark.parametrize(
    ("moment", "due", "left"),
    [
        (before(30), None, 30),
        (before(8), None, 8),
        (before(7), ReminderKind.WEEK, 7),
        (before(2), ReminderKind.WEEK, 2),
        (before(1), ReminderKind.DAY, 1),
        (at(DEADLINE, 23), ReminderKind.DAY, 0),
        (before(-1), ReminderKind.OVERDUE, -1),
        (before(-400), ReminderKind.OVERDUE, -400),
        # 07:00 in Beijing on the 30th is still the 29th in UTC: days count on UTC dates.
        (
            datetime(2022, 6, 30, 7, tzinfo=timezone(timedelta(hours=8))),
            ReminderKind.DAY,
            1,
        ),
    ],
)
def test_the_reminder_due_is_the_most_urgent_that_applies(moment, due, left) -> None:
    assert reminder_due(DEADLINE, moment) == due
    assert days_left(DEADLINE, moment) == left


def test_a_reminder_describes_itself() -> None:
    def text(left: int) -> str:
        return DeadlineReminderSent(
            department="gusu-rc",
            department_name="姑苏区红十字会",
            year=2021,
            kind=ReminderKind.WEEK,
            deadline=DEADLINE,
            days_left=left,
        ).describe()

    assert text(7) == "deadline 2022-06-30: 7 days left"
    assert text(1) == "deadline 2022-06-30: 1 day left"
    assert text(0) == "deadline 2022-06-30: due today"
    assert text(-1) == "deadline 2022-06-30: 1 day overdue"
    assert text(-3) == "deadline 2022-06-30: 3 days overdue"


@pytest.fixture
def two_departments(seeded: World) -> World:
    """The seed's draft report, and a second department that has opened none."""
    execute(seeded.store, seeded.admin, RegisterDepartment(code=OTHER, name="姑苏区教育局"))
    return seeded


def test_each_department_is_reminded_once_per_kind(two_departments: World) -> None:
    world = two_departments
    both = ["gusu-rc", OTHER]
    assert remind_of_deadlines(world.store, YEAR, both, now=before(8)) == []
    week = remind_of_deadlines(world.store, YEAR, both, now=before(7))
    assert kinds(week) == [
        ("report:gusu-rc:2021", "gusu-rc", "7-days"),
        ("fiscal_year:2021", OTHER, "7-days"),
    ]
    # Running it again, the same day or later in the week, records nothing new.
    before_again = world.appended()
    assert remind_of_deadlines(world.store, YEAR, both, now=before(7)) == []
    assert remind_of_deadlines(world.store, YEAR, both, now=before(3)) == []
    assert world.appended() == before_again
    day = remind_of_deadlines(world.store, YEAR, both, now=before(1))
    assert [k for _, _, k in kinds(day)] == ["1-day", "1-day"]
    overdue = remind_of_deadlines(world.store, YEAR, both, now=before(-2))
    assert [k for _, _, k in kinds(overdue)] == ["overdue", "overdue"]
    assert remind_of_deadlines(world.store, YEAR, both, now=before(-30)) == []

    first = week[0]
    assert (first.actor, first.role) == ("worker", "system")
    assert first.event == DeadlineReminderSent(
        department="gusu-rc",
        department_name="姑苏区红十字会",
        year=2021,
        revision=1,
        kind=ReminderKind.WEEK,
        deadline=DEADLINE,
        days_left=7,
    )
    assert week[1].event.revision == 0 and week[1].event.department_name == "姑苏区教育局"
    state = load_report(world.store, "gusu-rc", YEAR).state
    assert state.reminders == (ReminderKind.WEEK, ReminderKind.DAY, ReminderKind.OVERDUE)
    year, _ = load_admin(world.store, f"fiscal_year:{YEAR}")
    assert isinstance(year, FiscalYearState)
    assert year.reminded(OTHER) == set(ReminderKind) and year.reminded("gusu-rc") == set()


def test_a_first_run_the_day_before_sends_only_the_one_day_reminder(
    two_departments: World,
) -> None:
    recorded = remind_of_deadlines(two_departments.store, YEAR, ["gusu-rc"], now=before(1))
    assert kinds(recorded) == [("report:gusu-rc:2021", "gusu-rc", "1-day")]
    assert remind_of_deadlines(two_departments.store, YEAR, ["gusu-rc"], now=before(1)) == []


def test_a_submitted_report_is_not_reminded_until_it_is_returned(seeded: World) -> None:
    store = seeded.store
    execute(store, seeded.preparer, SubmitReport(**KEY), now=NOW)
    assert remind_of_deadlines(store, YEAR, ["gusu-rc"], now=before(1)) == []
    assert remind_of_deadlines(store, YEAR, ["gusu-rc"], now=before(-1)) == []
    execute(store, seeded.head, ApproveReport(**KEY), now=NOW)
    execute(store, seeded.finance, ReturnReport(**KEY, comment="请补充说明"), now=NOW)
    # A draft again after the deadline: overdue, once.
    recorded = remind_of_deadlines(store, YEAR, ["gusu-rc"], now=before(-1))
    assert kinds(recorded) == [("report:gusu-rc:2021", "gusu-rc", "overdue")]
    assert remind_of_deadlines(store, YEAR, ["gusu-rc"], now=before(-5)) == []


def test_a_department_reminded_before_opening_is_not_reminded_again_of_that_kind(
    two_departments: World,
) -> None:
    world = two_departments
    remind_of_deadlines(world.store, YEAR, [OTHER], now=before(5))
    teacher = add_user(world.store, world.admin, "qian.qi", "preparer", OTHER)
    execute(world.store, teacher, OpenReport(department=OTHER, year=YEAR), now=before(5))
    assert remind_of_deadlines(world.store, YEAR, [OTHER], now=before(4)) == []
    day = remind_of_deadlines(world.store, YEAR, [OTHER], now=before(1))
    assert kinds(day) == [(f"report:{OTHER}:2021", OTHER, "1-day")]


def test_mail_writes_one_outbox_row_per_reminder_in_its_append(two_departments: World) -> None:
    store = two_departments.store
    remind_of_deadlines(store, YEAR, ["gusu-rc"], now=before(7))
    assert store.outbox == []
    remind_of_deadlines(store, YEAR, ["gusu-rc", OTHER], now=before(1), mail=True)
    assert [(m.topic, m.key) for m in store.outbox] == [
        (MAIL_TOPIC, "mail:reminder:gusu-rc:2021:1-day"),
        (MAIL_TOPIC, f"mail:reminder:{OTHER}:2021:1-day:before-opening"),
    ]
    assert store.outbox[0].payload == {
        "message": "deadline_reminder",
        "stream_id": "report:gusu-rc:2021",
        "department": "gusu-rc",
        "department_name": "姑苏区红十字会",
        "year": 2021,
        "revision": 1,
        "kind": "1-day",
        "deadline": "2022-06-30",
        "days_left": 1,
        "project_code": None,
        "project_name": None,
    }
    remind_of_deadlines(store, YEAR, ["gusu-rc", OTHER], now=before(1), mail=True)
    assert len(store.outbox) == 2


HOMES = {**KEY, "project_code": "homes"}


def test_each_project_report_is_reminded_on_its_own_stream(two_departments: World) -> None:
    world = two_departments
    for command in project_commands():  # the bundled 项目支出 report, "homes", entered whole
        execute(world.store, world.preparer, command, now=NOW)
    name = load_report(world.store, "gusu-rc", YEAR, project="homes").state.project.name
    teacher = add_user(world.store, world.admin, "qian.qi", "preparer", OTHER)
    # A department with a project report and no 部门整体 report yet.
    school = {"department": OTHER, "year": YEAR, "project_code": "meals"}
    execute(world.store, teacher, OpenReport(**school, project_name="营养午餐"), now=NOW)
    both = ["gusu-rc", OTHER]
    week = remind_of_deadlines(world.store, YEAR, both, now=before(7), mail=True)
    assert kinds(week) == [
        ("report:gusu-rc:2021", "gusu-rc", "7-days"),
        ("report:gusu-rc:2021:homes", "gusu-rc", "7-days"),
        (f"report:{OTHER}:2021:meals", OTHER, "7-days"),
        ("fiscal_year:2021", OTHER, "7-days"),
    ]
    homes = week[1].event
    assert (homes.project_code, homes.project_name, homes.revision) == ("homes", name, 1)
    assert week[0].event.project_code is None and week[3].event.project_code is None
    # Each its own mail: a project's reminder is not taken for its department's.
    assert [m.key for m in world.store.outbox] == [
        "mail:reminder:gusu-rc:2021:7-days",
        "mail:reminder:gusu-rc:2021:homes:7-days",
        f"mail:reminder:{OTHER}:2021:meals:7-days",
        f"mail:reminder:{OTHER}:2021:7-days:before-opening",
    ]
    assert world.store.outbox[1].payload["project_name"] == name
    assert remind_of_deadlines(world.store, YEAR, both, now=before(5)) == []
    # A project report submitted is reminded no more; its department's draft still is.
    execute(world.store, world.preparer, SubmitReport(**HOMES), now=NOW)
    day = remind_of_deadlines(world.store, YEAR, both, now=before(1))
    assert kinds(day) == [
        ("report:gusu-rc:2021", "gusu-rc", "1-day"),
        (f"report:{OTHER}:2021:meals", OTHER, "1-day"),
        ("fiscal_year:2021", OTHER, "1-day"),
    ]
    project = load_report(world.store, "gusu-rc", YEAR, project="homes").state
    assert project.reminders == (ReminderKind.WEEK,)


def test_an_unknown_year_or_department_is_refused(two_departments: World) -> None:
    store = two_departments.store
    with pytest.raises(UnknownItem) as caught:
        remind_of_deadlines(store, 2030, ["gusu-rc"], now=before(1))
    assert str(caught.value) == "fiscal year: got 2030, expected an opened fiscal year"
    with pytest.raises(UnknownItem) as unknown:
        remind_of_deadlines(store, YEAR, ["nope"], now=before(1))
    assert str(unknown.value) == "department: got 'nope', expected a registered department"


def test_a_reminder_changes_nothing_but_the_reminders(seeded: World) -> None:
    before_state = load_report(seeded.store, "gusu-rc", YEAR).state
    remind_of_deadlines(seeded.store, YEAR, ["gusu-rc"], now=before(1))
    after = load_report(seeded.store, "gusu-rc", YEAR).state
    assert after.model_copy(update={"reminders": ()}) == before_state
    assert isinstance(after, ReportState) and after.reminders == (ReminderKind.DAY,)


# --- e-mail addresses -------------------------------------------------------------------


def test_users_may_have_an_email_address(world: World) -> None:
    execute(
        world.store,
        world.admin,
        RegisterUser(user_id="qian.qi", name="钱七", email=" qian.qi@example.gov.cn "),
    )
    user, _ = load_admin(world.store, "user:qian.qi")
    assert isinstance(user, UserState) and user.email == "qian.qi@example.gov.cn"
    recorded = execute(world.store, world.admin, ChangeUserEmail(user_id="qian.qi", email="q@x.cn"))
    assert [r.event_type for r in recorded] == ["UserEmailChanged"]
    assert (
        execute(world.store, world.admin, ChangeUserEmail(user_id="qian.qi", email="q@x.cn")) == []
    )
    execute(world.store, world.admin, ChangeUserEmail(user_id="qian.qi", email=""))
    user, _ = load_admin(world.store, "user:qian.qi")
    assert isinstance(user, UserState) and user.email is None


@pytest.mark.parametrize(
    "email", ["zhang.san", "zhang@san", "a b@x.cn", "张三@example.cn", "@x.cn", "a@b.cn@c.cn"]
)
def test_a_malformed_email_address_is_refused(world: World, email: str) -> None:
    before_count = world.appended()
    with pytest.raises(InvalidValue) as caught:
        execute(world.store, world.admin, RegisterUser(user_id="qian.qi", name="钱七", email=email))
    assert str(caught.value) == (
        f"user qian.qi email: got {email!r}, expected an e-mail address such as "
        "zhang.san@example.gov.cn: ASCII, one @, a domain with a dot, no spaces, "
        "at most 254 characters"
    )
    assert world.appended() == before_count


def test_an_email_address_obeys_the_text_rules(world: World) -> None:
    with pytest.raises(InvalidValue, match=r"^user qian.qi email: got .*U\+001B ESC"):
        execute(
            world.store,
            world.admin,
            RegisterUser(user_id="qian.qi", name="钱七", email="q@x.cn\x1b[2J"),
        )


def test_a_user_registered_before_email_addresses_is_read_without_one() -> None:
    from events.registry import default_registry

    event = default_registry.decode("UserRegistered", 1, '{"user_id": "zhang.san", "name": "张三"}')
    assert event == UserRegistered(user_id="zhang.san", name="张三", email=None)
    assert UserRegistered.schema_version == 2
