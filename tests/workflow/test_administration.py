"""Administration as events: departments, users, scoped roles, fiscal years with schemes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from events.memory import InMemoryEventStore
from tests.workflow.report_builders import KEY
from tests.workflow.world import NOW, World
from workflow.administration import (
    GrantRole,
    IssueToken,
    OpenFiscalYear,
    RegisterDepartment,
    RegisterUser,
    RevokeRole,
)
from workflow.commands import OpenReport, SubmitReport
from workflow.errors import (
    DomainError,
    DuplicateItem,
    InvalidValue,
    NotAuthorized,
    SchemeError,
    UnknownItem,
    WrongStage,
)
from workflow.schemes import load_scheme
from workflow.service import (
    Credentials,
    NewUser,
    authenticate,
    bootstrap,
    execute,
    load_department,
    load_fiscal_year,
    load_report,
    load_user,
    set_up_department,
)
from workflow.stages import Stage


def refused(world: World, command, error: type[DomainError], message: str, who=None) -> None:
    before = len(world.store.rows)
    with pytest.raises(error) as caught:
        execute(world.store, who or world.admin, command, now=NOW)
    assert str(caught.value) == message
    assert len(world.store.rows) == before


def test_bootstrap_runs_once() -> None:
    store = InMemoryEventStore()
    bootstrap(store, user_id="root", name="管理员")
    with pytest.raises(DuplicateItem, match="already initialised"):
        bootstrap(store, user_id="root2", name="另一个")
    state = load_user(store, "root")
    assert [g.describe() for g in state.grants] == ["admin@*"]


def test_setting_up_a_department_records_what_an_administrator_would_type() -> None:
    store = InMemoryEventStore()
    admin = Credentials("root", bootstrap(store, user_id="root", name="管理员"))
    tokens = set_up_department(
        store,
        admin,
        code="edu",
        name="教育局",
        year=2022,
        scheme=load_scheme("default"),
        deadline=date(2023, 6, 30),
        users=[
            NewUser("qian.qi", "preparer", "edu", name="钱七"),
            NewUser("zhou.ba", "auditor", "*"),
        ],
    )
    department = load_department(store, "edu")
    assert (department.registered, department.name) == (True, "教育局")
    year = load_fiscal_year(store, 2022)
    assert (year.opened, year.deadline, year.scheme.id) == (True, date(2023, 6, 30), "default")  # type: ignore[union-attr]
    assert list(tokens) == ["qian.qi", "zhou.ba"]
    for user_id, name, grant in (
        ("qian.qi", "钱七", "preparer@edu"),
        ("zhou.ba", "zhou.ba", "auditor@*"),
    ):
        user = authenticate(store, tokens[user_id])
        assert (user.name, [g.describe() for g in user.grants]) == (name, [grant])
    assert [row.event_type for row in store.rows][-8:] == [
        "DepartmentRegistered",
        "FiscalYearOpened",
        "UserRegistered",
        "RoleGranted",
        "TokenIssued",
        "UserRegistered",
        "RoleGranted",
        "TokenIssued",
    ]
    with pytest.raises(DuplicateItem, match="already registered"):
        set_up_department(
            store,
            admin,
            code="edu",
            name="教育局",
            year=2022,
            scheme=load_scheme("default"),
            deadline=date(2023, 6, 30),
        )


def test_only_admins_administer(world: World) -> None:
    refused(
        world,
        RegisterDepartment(code="gusu-fin", name="姑苏区财政局"),
        NotAuthorized,
        "user wang.wu role: got finance_reviewer@*, expected admin@* to administer",
        who=world.finance,
    )


def test_departments_with_parents(world: World) -> None:
    execute(
        world.store,
        world.admin,
        RegisterDepartment(code="gusu-rc-sub", name="下属单位", parent="gusu-rc"),
    )
    refused(
        world,
        RegisterDepartment(code="x", name="某单位", parent="missing"),
        UnknownItem,
        "department x parent: got 'missing', expected a registered department",
    )
    refused(
        world,
        RegisterDepartment(code="gusu-rc", name="重复"),
        DuplicateItem,
        "department gusu-rc: already registered as 姑苏区红十字会",
    )
    refused(
        world,
        RegisterDepartment(code="Bad Code", name="x"),
        InvalidValue,
        "department code: got 'Bad Code', expected an id of at most 64 ASCII characters: "
        "lower-case letters, digits, '.', '_' or '-', starting with a letter or digit",
    )


def test_role_grants_are_scoped(world: World) -> None:
    execute(world.store, world.admin, RegisterUser(user_id="qian.qi", name="钱七"))
    refused(
        world,
        GrantRole(user_id="qian.qi", role="preparer", department="*"),
        InvalidValue,
        "user qian.qi preparer department: got '*', expected one department's code "
        "(preparer is held for one department)",
    )
    refused(
        world,
        GrantRole(user_id="qian.qi", role="admin", department="gusu-rc"),
        InvalidValue,
        "user qian.qi admin department: got 'gusu-rc', expected '*' (all departments)",
    )
    refused(
        world,
        GrantRole(user_id="qian.qi", role="preparer", department="nowhere"),
        UnknownItem,
        "user qian.qi preparer department: got 'nowhere', expected a registered department",
    )
    refused(
        world,
        GrantRole(user_id="qian.qi", role="boss", department="gusu-rc"),
        InvalidValue,
        "user qian.qi role: got 'boss', expected one of preparer, department_head, "
        "finance_reviewer, auditor, admin",
    )
    refused(
        world,
        GrantRole(user_id="ghost", role="preparer", department="gusu-rc"),
        UnknownItem,
        "user: got 'ghost', expected a registered user",
    )
    execute(
        world.store,
        world.admin,
        GrantRole(user_id="qian.qi", role="preparer", department="gusu-rc"),
    )
    refused(
        world,
        GrantRole(user_id="qian.qi", role="preparer", department="gusu-rc"),
        DuplicateItem,
        "user qian.qi role preparer@gusu-rc: already granted",
    )
    execute(
        world.store,
        world.admin,
        RevokeRole(user_id="qian.qi", role="preparer", department="gusu-rc"),
    )
    state = load_user(world.store, "qian.qi")
    assert state.grants == ()


def test_fiscal_years_carry_their_scheme_and_deadline(world: World) -> None:
    refused(
        world,
        OpenFiscalYear(year=2021, scheme="default", deadline=date(2022, 6, 30)),
        DuplicateItem,
        "fiscal year 2021: already opened",
    )
    refused(
        world,
        OpenFiscalYear(year=2022, scheme="default", deadline=date(2022, 6, 30)),
        InvalidValue,
        "fiscal year 2022 deadline: got '2022-06-30', expected a date after the year ends "
        "(2022-12-31)",
    )
    refused(
        world,
        OpenFiscalYear(year=2022, scheme="shanghai", deadline=date(2023, 6, 30)),
        SchemeError,
        "scheme: got 'shanghai', expected one of default, national-10-90",
    )
    recorded = execute(
        world.store,
        world.admin,
        OpenFiscalYear(year=2022, scheme="national-10-90", deadline=date(2023, 6, 30)),
    )
    assert recorded[0].event.scheme.scoring.enabled  # type: ignore[attr-defined]


def test_reports_need_a_registered_department_and_an_open_year(world: World) -> None:
    refused(
        world,
        OpenReport(department="gusu-rc", year=2020),
        UnknownItem,
        "fiscal year: got 2020, expected a fiscal year opened by an administrator",
        who=world.preparer,
    )
    execute(world.store, world.preparer, OpenReport(**KEY), now=NOW)
    refused(
        world,
        OpenReport(**KEY),
        WrongStage,
        "report report:gusu-rc:2021 stage: got 草稿（draft）, expected 未填报（new）: the report "
        "is already "
        "opened (a report is opened, or imported, once)",
        who=world.preparer,
    )


def test_issue_token_goes_through_its_own_entry_point(world: World) -> None:
    with pytest.raises(TypeError, match="issue_token"):
        execute(world.store, world.admin, IssueToken(user_id="zhang.san"))


def test_late_submission_is_recorded(seeded: World) -> None:
    execute(
        seeded.store, seeded.preparer, SubmitReport(**KEY), now=datetime(2022, 7, 1, tzinfo=UTC)
    )
    state = load_report(seeded.store, "gusu-rc", 2021).state
    assert state.stage is Stage.SUBMITTED and state.submitted_late
