"""Guards on rules that used to let a command do harm quietly: a kept deviation reason, an
administrator who cannot lock everyone out, reserved user ids, grading by the submitter,
schemes with repeated ids, and a repeated grade that records nothing."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from events.memory import InMemoryEventStore
from tests.workflow.report_builders import (
    HEAD,
    KEY,
    PREPARER,
    actor,
    context,
    run,
    seed_draft,
    state_at,
)
from tests.workflow.world import NOW, World, add_user, enter_seed, make_world
from workflow.administration import GrantRole, RegisterUser, RevokeRole
from workflow.commands import (
    ApproveReport,
    GradeIndicator,
    RecordIndicatorActual,
    SetInitialBudget,
    SubmitReport,
)
from workflow.decisions import decide
from workflow.errors import (
    AuthenticationFailed,
    DomainError,
    DutiesNotSeparated,
    InvalidValue,
    SchemeError,
    SubmissionBlocked,
)
from workflow.report_events import IndicatorActualRecorded
from workflow.roles import Grant, Role
from workflow.schemes import load_scheme, parse_scheme, scheme_names
from workflow.service import (
    Credentials,
    authenticate,
    bootstrap,
    execute,
    issue_token,
    load_report,
    load_user,
    revoke_token,
)
from workflow.stages import Stage
from workflow.targets import DeviationKind

NATIONAL = "national-10-90"


def refused(world: World, who: Credentials, command, error: type[DomainError], message: str):
    """The command is refused with exactly ``message`` and nothing is appended."""
    before = world.appended()
    with pytest.raises(error) as caught:
        execute(world.store, who, command, now=NOW)
    assert str(caught.value) == message
    assert world.appended() == before


# --- 1. an actual recorded without a reason keeps the reason ----------------------------


def test_an_actual_without_a_reason_keeps_the_recorded_reason() -> None:
    draft = seed_draft()
    events = decide(
        draft, RecordIndicatorActual(**KEY, indicator="d05", actual="21 人"), PREPARER, context()
    )
    # The event carries the kept reason, so folding it needs no new rule.
    assert len(events) == 1 and isinstance(events[0], IndicatorActualRecorded)
    assert events[0].deviation is not None
    assert events[0].deviation.raw == "实际报名人数多"
    after = run(draft, SubmitReport(**KEY), PREPARER)
    assert after.stage is Stage.SUBMITTED


def test_an_actual_without_a_reason_still_submits_through_the_service(seeded: World) -> None:
    execute(
        seeded.store,
        seeded.preparer,
        RecordIndicatorActual(**KEY, indicator="d05", actual="21 人"),
        now=NOW,
    )
    d05 = load_report(seeded.store, **KEY).state.indicator("d05")
    assert d05 is not None and d05.actual is not None and d05.deviation is not None
    assert (d05.actual.raw, d05.deviation.raw) == ("21 人", "实际报名人数多")
    execute(seeded.store, seeded.preparer, SubmitReport(**KEY), now=NOW)
    assert load_report(seeded.store, **KEY).state.stage is Stage.SUBMITTED


def test_an_explicit_blank_reason_clears_it_and_a_new_one_replaces_it() -> None:
    draft = seed_draft()
    cleared = run(
        draft,
        RecordIndicatorActual(**KEY, indicator="d05", actual="20 人", deviation_reason=""),
        PREPARER,
    )
    assert cleared.indicator("d05").deviation is None  # type: ignore[union-attr]
    with pytest.raises(SubmissionBlocked, match="indicator 招募队员 偏差原因分析: got ''"):
        run(cleared, SubmitReport(**KEY), PREPARER)
    replaced = run(
        draft,
        RecordIndicatorActual(**KEY, indicator="d05", actual="20 人", deviation_reason="……"),
        PREPARER,
    )
    assert replaced.indicator("d05").deviation.kind is DeviationKind.NONE  # type: ignore[union-attr]


# --- 2. the administrators cannot lock everyone out ---------------------------------------


def test_an_administrator_cannot_revoke_their_own_admin_role(world: World) -> None:
    refused(
        world,
        world.admin,
        RevokeRole(user_id="admin", role="admin", department="*"),
        InvalidValue,
        "user admin role: got 'admin@*', expected a role other than your own admin@* "
        "(another administrator must revoke it, so that an administrator always remains)",
    )
    # Another administrator may: they remain, able to administer.
    second = add_user(world.store, world.admin, "boss2", "admin", "*")
    execute(world.store, second, RevokeRole(user_id="admin", role="admin", department="*"))
    state = load_user(world.store, "admin")
    assert state.grants == ()
    execute(world.store, second, RegisterUser(user_id="qian.qi", name="钱七"))


def test_an_administrator_cannot_revoke_their_own_last_token(world: World) -> None:
    first_id = world.admin.token.partition(".")[0]
    before = world.appended()
    with pytest.raises(InvalidValue) as caught:
        revoke_token(world.store, world.admin, "admin", first_id)
    assert str(caught.value) == (
        f"user admin token: got '{first_id}', expected a token other than your own last live "
        "one (issue yourself another token first, so that an administrator can always sign in)"
    )
    assert world.appended() == before
    # With a second token the first may go; the second then is the last and stays.
    second = Credentials("admin", issue_token(world.store, world.admin, "admin"))
    revoke_token(world.store, second, "admin", first_id)
    second_id = second.token.partition(".")[0]
    with pytest.raises(InvalidValue, match="your own last live one"):
        revoke_token(world.store, second, "admin", second_id)
    assert authenticate(world.store, second).user_id == "admin"


def test_revoking_other_users_roles_and_tokens_is_unchanged(world: World) -> None:
    def grants(user_id: str) -> tuple[Grant, ...]:
        return load_user(world.store, user_id).grants

    token_id = world.preparer.token.partition(".")[0]
    revoke_token(world.store, world.admin, "zhang.san", token_id)
    with pytest.raises(AuthenticationFailed) as caught:
        authenticate(world.store, world.preparer)
    assert str(caught.value) == (
        "user 'zhang.san': unknown user or token, expected a current token issued to this user"
    )
    execute(
        world.store,
        world.admin,
        RevokeRole(user_id="zhang.san", role="preparer", department="gusu-rc"),
    )
    assert grants("zhang.san") == ()
    # An administrator may still drop a role of their own other than admin@*.
    admin = Grant(role=Role.ADMIN, department="*")
    execute(world.store, world.admin, GrantRole(user_id="admin", role="auditor", department="*"))
    assert grants("admin") == (admin, Grant(role=Role.AUDITOR, department="*"))
    execute(world.store, world.admin, RevokeRole(user_id="admin", role="auditor", department="*"))
    assert grants("admin") == (admin,)
    assert authenticate(world.store, world.admin).user_id == "admin"


# --- 3. reserved user ids -----------------------------------------------------------------


@pytest.mark.parametrize("user_id", ["system", "worker"])
def test_reserved_user_ids_are_refused(world: World, user_id: str) -> None:
    refused(
        world,
        world.admin,
        RegisterUser(user_id=user_id, name="渲染"),
        InvalidValue,
        f"user id: got '{user_id}', expected an id other than system, worker "
        "(reserved for the render worker)",
    )


def test_bootstrap_refuses_a_reserved_id() -> None:
    store = InMemoryEventStore()
    with pytest.raises(InvalidValue, match="expected an id other than system, worker"):
        bootstrap(store, user_id="system", name="系统")
    assert store.rows == []


# --- 4. the submitter does not grade ------------------------------------------------------


def test_the_submitter_may_not_grade_as_department_head() -> None:
    both = actor("zhang.san", Role.PREPARER).model_copy(
        update={
            "grants": (
                Grant(role=Role.PREPARER, department=KEY["department"]),
                Grant(role=Role.DEPARTMENT_HEAD, department=KEY["department"]),
            )
        }
    )
    scheme = load_scheme(NATIONAL)
    submitted = run(seed_draft(NATIONAL), SubmitReport(**KEY), both, scheme)
    with pytest.raises(DutiesNotSeparated) as caught:
        decide(submitted, GradeIndicator(**KEY, indicator="m01", band="良"), both, context(scheme))
    assert str(caught.value) == (
        "user zhang.san: submitted revision 1 of report report:gusu-rc:2021, "
        "expected somebody else to grade it"
    )
    # Another head still grades.
    graded = run(submitted, GradeIndicator(**KEY, indicator="m01", band="良"), HEAD, scheme)
    assert graded.indicator("m01").grade == "良"  # type: ignore[union-attr]


def test_the_submitter_may_not_grade_through_the_service() -> None:
    world = make_world(NATIONAL)
    enter_seed(world)
    execute(
        world.store,
        world.admin,
        GrantRole(user_id="zhang.san", role="department_head", department=KEY["department"]),
    )
    execute(world.store, world.preparer, SubmitReport(**KEY), now=NOW)
    refused(
        world,
        world.preparer,
        GradeIndicator(**KEY, indicator="m01", band="良"),
        DutiesNotSeparated,
        "user zhang.san: submitted revision 1 of report report:gusu-rc:2021, "
        "expected somebody else to grade it",
    )


# --- 5. schemes with repeated ids ---------------------------------------------------------


def _national() -> dict:
    text = resources.files("workflow.schemes").joinpath(f"{NATIONAL}.toml").read_text("utf-8")
    return tomllib.loads(text)


def test_bundled_schemes_have_no_repeated_ids() -> None:
    for name in scheme_names():
        load_scheme(name)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["sections"].append({"id": "1.3", "title": "重复"}),
            "scheme x.toml sections[9]: got '1.3', expected a section id not listed before "
            "(sections[0] is '1.3')",
        ),
        (
            lambda d: d["scoring"]["qualitative_bands"].append({"name": "良", "share": "0.7"}),
            "scheme x.toml scoring.qualitative_bands[4]: got '良', expected a band name not "
            "listed before (scoring.qualitative_bands[1] is '良')",
        ),
        (
            lambda d: d["scoring"]["grades"].append({"name": "优", "min_score": "95"}),
            "scheme x.toml scoring.grades[4]: got '优', expected a grade name not listed "
            "before (scoring.grades[0] is '优')",
        ),
        (
            lambda d: d["signoff"]["signers"].append("role:finance_reviewer"),
            "scheme x.toml signoff.signers[2]: got 'role:finance_reviewer', expected a signer "
            "not listed before (signoff.signers[1] is 'role:finance_reviewer')",
        ),
    ],
)
def test_a_scheme_with_a_repeated_id_is_refused_on_loading(change, message: str) -> None:
    data = _national()
    change(data)
    with pytest.raises(SchemeError) as caught:
        parse_scheme(data, source="x.toml")
    assert str(caught.value) == message


# --- 6. a repeated grade records nothing --------------------------------------------------


def test_a_repeated_grade_records_nothing() -> None:
    scheme = load_scheme(NATIONAL)
    submitted = state_at(Stage.SUBMITTED, NATIONAL)
    grade = GradeIndicator(**KEY, indicator="m01", band="良")
    graded = run(submitted, grade, HEAD, scheme)
    assert decide(graded, grade, HEAD, context(scheme)) == []
    # A different band is a change and is recorded; a bad band is still refused.
    assert (
        len(
            decide(graded, GradeIndicator(**KEY, indicator="m01", band="优"), HEAD, context(scheme))
        )
        == 1
    )
    with pytest.raises(InvalidValue, match="one of the scheme's bands"):
        decide(graded, GradeIndicator(**KEY, indicator="m01", band="好"), HEAD, context(scheme))


def test_a_repeated_grade_appends_nothing_through_the_service() -> None:
    world = make_world(NATIONAL)
    enter_seed(world)
    execute(world.store, world.preparer, SubmitReport(**KEY), now=NOW)
    grade = GradeIndicator(**KEY, indicator="m01", band="良")
    assert len(execute(world.store, world.head, grade, now=NOW)) == 1
    before = world.appended()
    assert execute(world.store, world.head, grade, now=NOW) == []
    assert world.appended() == before
    # Finance at the next level, agreeing with the same band, records nothing either.
    execute(world.store, world.head, ApproveReport(**KEY), now=NOW)
    before = world.appended()
    assert execute(world.store, world.finance, grade, now=NOW) == []
    assert world.appended() == before


def test_setting_what_the_report_already_says_records_nothing(seeded: World) -> None:
    before = seeded.store.stream_version("report:gusu-rc:2021")
    d05 = load_report(seeded.store, **KEY).state.indicator("d05")
    assert d05 is not None and d05.actual is not None
    for command in (
        RecordIndicatorActual(**KEY, indicator="d05", actual=d05.actual.raw),
        SetInitialBudget(**KEY, line="it", amount="2"),
    ):
        assert execute(seeded.store, seeded.preparer, command, now=NOW) == []
    assert seeded.store.stream_version("report:gusu-rc:2021") == before
    # The same figure typed differently is a change the trail must show.
    (changed,) = execute(
        seeded.store, seeded.preparer, SetInitialBudget(**KEY, line="it", amount="2.0"), now=NOW
    )
    assert changed.version == before + 1
