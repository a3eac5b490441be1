"""Every report command × every role × every stage, against a table written out here.

The expectations come from DOMAIN.md §3, not from workflow.authorization: a change to the
permissions must change this table too.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.workflow.report_builders import (
    ARTIFACTS,
    BY_ROLE,
    DEPT,
    FINANCE,
    HEAD,
    KEY,
    PREPARER,
    actor,
    run_all,
    seed_draft,
    stage_steps,
    state_at,
)
from tests.workflow.report_builders import context as make_context
from workflow.authorization import PERMISSIONS
from workflow.commands import (
    AddBudgetLine,
    AddIndicator,
    AdjustIndicatorTarget,
    ApproveReport,
    CancelAdjustment,
    EditNarrative,
    GradeIndicator,
    OpenReport,
    PublishReport,
    RecordActualSpending,
    RecordAdjustment,
    RecordIndicatorActual,
    RecordRenderFailure,
    RecordRendering,
    RemindOfDeadline,
    RemoveBudgetLine,
    RemoveIndicator,
    RenameBudgetLine,
    ReopenReport,
    ReportCommand,
    ReturnReport,
    SetExecutionScore,
    SetFunctions,
    SetIndicatorLine,
    SetIndicatorScore,
    SetInitialBudget,
    SetNetAssets,
    SetProjectField,
    SetStaffing,
    SignOffReport,
    SubmitReport,
)
from workflow.decisions import decide
from workflow.errors import (
    DutiesNotSeparated,
    InvalidValue,
    NotAuthorized,
    StaleRevision,
    WrongStage,
)
from workflow.labels import STAGE_LABELS, labelled
from workflow.projects import Project
from workflow.report import ReportState, fold
from workflow.roles import SYSTEM_ACTOR, USER_ROLES, Actor, Grant, Role
from workflow.schemes import load_scheme
from workflow.stages import Stage

SCHEME = "national-10-90"  # has qualitative bands, so GradeIndicator can succeed


def _homes_adjustment() -> str:
    line = seed_draft(SCHEME).table().get("homes")
    assert line is not None
    return line.adjustments[0].id


SAMPLES: dict[str, Callable[[], ReportCommand]] = {
    "OpenReport": lambda: OpenReport(**KEY),
    "SetFunctions": lambda: SetFunctions(**KEY, functions=("完成上级交办的其他工作。",)),
    "SetStaffing": lambda: SetStaffing(**KEY, establishment=4, in_post=(("科员", 2),)),
    "SetNetAssets": lambda: SetNetAssets(**KEY, amount="24904.73"),
    "EditNarrative": lambda: EditNarrative(**KEY, section="3.3", text="按要求公开。"),
    "SetProjectField": lambda: SetProjectField(**KEY, field="goal", text="新建博爱家园 4 家。"),
    "AddBudgetLine": lambda: AddBudgetLine(**KEY, line="new", name="新项目", parent="project"),
    "RenameBudgetLine": lambda: RenameBudgetLine(
        **KEY, line="volunteers", name="志愿队伍建设", reason="与指标表一致"
    ),
    "RemoveBudgetLine": lambda: RemoveBudgetLine(**KEY, line="capacity", reason="重复录入"),
    "SetInitialBudget": lambda: SetInitialBudget(**KEY, line="capacity", amount="0.80"),
    "RecordAdjustment": lambda: RecordAdjustment(
        **KEY, line="it", amount="-0.5", kind="in_year", reason="压缩预算"
    ),
    "CancelAdjustment": lambda: CancelAdjustment(
        **KEY, line="homes", adjustment=_homes_adjustment(), reason="录入错误"
    ),
    "RecordActualSpending": lambda: RecordActualSpending(**KEY, line="capacity", amount="0.7"),
    "AddIndicator": lambda: AddIndicator(
        **KEY, indicator="x01", category="部门管理", name="新指标", target="≥1 个"
    ),
    "RecordIndicatorActual": lambda: RecordIndicatorActual(
        **KEY, indicator="d03", actual="2911 人次"
    ),
    "SetIndicatorLine": lambda: SetIndicatorLine(
        **KEY, indicator="d11", line="volunteers", reason="项目合并"
    ),
    "RemoveIndicator": lambda: RemoveIndicator(**KEY, indicator="c01", reason="重复录入"),
    "GradeIndicator": lambda: GradeIndicator(**KEY, indicator="m01", band="良"),
    "AdjustIndicatorTarget": lambda: AdjustIndicatorTarget(
        **KEY, indicator="d03", target="2500", reason="年中追加培训任务"
    ),
    "SetIndicatorScore": lambda: SetIndicatorScore(**KEY, indicator="d03", score="2"),
    "SetExecutionScore": lambda: SetExecutionScore(**KEY, score="10"),
    "SubmitReport": lambda: SubmitReport(**KEY),
    "ApproveReport": lambda: ApproveReport(**KEY),
    "ReturnReport": lambda: ReturnReport(**KEY, comment="请补充说明"),
    "SignOffReport": lambda: SignOffReport(**KEY),
    "RecordRendering": lambda: RecordRendering(**KEY, revision=1, artifacts=ARTIFACTS),
    "RecordRenderFailure": lambda: RecordRenderFailure(
        **KEY,
        revision=1,
        formats=("html", "pdf"),
        reason="render took longer than 120 s",
        attempt=1,
    ),
    "RemindOfDeadline": lambda: RemindOfDeadline(**KEY),
    "PublishReport": lambda: PublishReport(**KEY),
    "ReopenReport": lambda: ReopenReport(**KEY, reason="更正数据"),
}

P, H, F = Role.PREPARER, Role.DEPARTMENT_HEAD, Role.FINANCE_REVIEWER
S = Stage
_CONTENT = {P: {S.DRAFT}}

#: Who may do what, when: command → role → stages. Absent role = never.
EXPECTED: dict[str, dict[Role, set[Stage]]] = {
    "OpenReport": {P: {S.NEW}},
    "SetFunctions": _CONTENT,
    "SetStaffing": _CONTENT,
    "SetNetAssets": _CONTENT,
    "EditNarrative": _CONTENT,
    "SetProjectField": _CONTENT,
    "AddBudgetLine": _CONTENT,
    "RenameBudgetLine": _CONTENT,
    "RemoveBudgetLine": _CONTENT,
    "SetInitialBudget": _CONTENT,
    "RecordAdjustment": _CONTENT,
    "CancelAdjustment": _CONTENT,
    "RecordActualSpending": _CONTENT,
    "AddIndicator": _CONTENT,
    "RecordIndicatorActual": _CONTENT,
    "SetIndicatorLine": _CONTENT,
    "RemoveIndicator": _CONTENT,
    "GradeIndicator": {H: {S.SUBMITTED}, F: {S.APPROVED_BY_DEPARTMENT}},
    "AdjustIndicatorTarget": _CONTENT,
    "SetIndicatorScore": _CONTENT,
    "SetExecutionScore": _CONTENT,
    "SubmitReport": {P: {S.DRAFT}},
    "ApproveReport": {H: {S.SUBMITTED}, F: {S.APPROVED_BY_DEPARTMENT}},
    "ReturnReport": {
        H: {S.SUBMITTED, S.APPROVED_BY_FINANCE},
        F: {S.APPROVED_BY_DEPARTMENT, S.APPROVED_BY_FINANCE},
    },
    "SignOffReport": {H: {S.APPROVED_BY_FINANCE}, F: {S.APPROVED_BY_FINANCE}},
    "RecordRendering": {},
    "RecordRenderFailure": {},
    "RemindOfDeadline": {},
    "PublishReport": {H: {S.RENDERED}},
    "ReopenReport": {F: {S.SIGNED_OFF, S.RENDERED, S.PUBLISHED}},
}

#: Commands the matrix issues on a 项目支出 report (in each stage of the seed's).
ON_A_PROJECT = frozenset({"SetProjectField"})

CASES = [
    pytest.param(name, role, stage, id=f"{name}-{role}-{stage}")
    for name in EXPECTED
    for role in USER_ROLES
    for stage in Stage
]


def test_the_table_covers_every_report_command() -> None:
    assert set(EXPECTED) == set(SAMPLES)
    # Coverage only (the expectations above stay written out): a new command needs a row.
    assert set(SAMPLES) == {command.__name__ for command in PERMISSIONS}
    assert len(CASES) == len(SAMPLES) * 5 * 8


@pytest.mark.parametrize(("name", "role", "stage"), CASES)
def test_authorization_matrix(name: str, role: Role, stage: Stage) -> None:
    state = state_at(stage, SCHEME)
    if name in ON_A_PROJECT:
        # The same stages and roles, on a 项目支出 report: its own fields are set only there.
        state = state.model_copy(update={"project": Project(code="homes", name="博爱家园建设")})
    command = SAMPLES[name]()
    who = BY_ROLE[role]
    ctx = make_context(load_scheme(SCHEME))
    allowed = EXPECTED[name]
    if stage in allowed.get(role, set()):
        events = decide(state, command, who, ctx)
        assert events, "an allowed command records something"
        assert fold(events, state) != state
    elif role in allowed:
        with pytest.raises(WrongStage, match=f"stage: got {labelled(stage, STAGE_LABELS)}"):
            decide(state, command, who, ctx)
    else:
        with pytest.raises(NotAuthorized, match=f"user {who.user_id} role"):
            decide(state, command, who, ctx)


@pytest.mark.parametrize("stage", list(Stage))
def test_only_the_system_records_renderings_and_repeats_record_nothing(stage: Stage) -> None:
    state = state_at(stage, SCHEME)
    command = SAMPLES["RecordRendering"]()
    ctx = make_context(load_scheme(SCHEME))
    if stage is Stage.SIGNED_OFF:
        assert [type(e).__name__ for e in decide(state, command, SYSTEM_ACTOR, ctx)] == [
            "ReportRendered"
        ]
    elif stage in (Stage.RENDERED, Stage.PUBLISHED):
        assert decide(state, command, SYSTEM_ACTOR, ctx) == []
    else:
        with pytest.raises(WrongStage):
            decide(state, command, SYSTEM_ACTOR, ctx)


def test_roles_are_scoped_to_their_department() -> None:
    stranger = actor("qian.qi", Role.PREPARER, "gusu-finance")
    with pytest.raises(NotAuthorized) as caught:
        decide(state_at(Stage.DRAFT), SAMPLES["SetNetAssets"](), stranger, make_context())
    assert str(caught.value) == (
        f"user qian.qi role in department {DEPT}: got none, "
        "expected 填报人（preparer） to 填写净资产（SetNetAssets）"
    )
    with pytest.raises(WrongStage) as stage_error:
        decide(state_at(Stage.DRAFT), ApproveReport(**KEY), HEAD, make_context())
    assert str(stage_error.value) == (
        "report report:gusu-rc:2021 stage: got 草稿（draft）, expected 已提交（submitted） "
        "for 审核通过（ApproveReport） by 部门负责人（department_head）"
    )


def _both(user_id: str, *roles: tuple[Role, str]) -> Actor:
    return Actor(user_id=user_id, grants=tuple(Grant(role=r, department=d) for r, d in roles))


def test_nobody_approves_what_they_submitted() -> None:
    both = _both("sun.ba", (Role.PREPARER, DEPT), (Role.DEPARTMENT_HEAD, DEPT))
    submitted = run_all(seed_draft(), [(SubmitReport(**KEY), both)])
    with pytest.raises(DutiesNotSeparated) as caught:
        decide(submitted, ApproveReport(**KEY), both, make_context())
    assert str(caught.value) == (
        "user sun.ba: submitted revision 1 of report report:gusu-rc:2021, "
        "expected somebody else to approve it"
    )


def test_nobody_signs_off_what_they_submitted_or_signs_twice() -> None:
    both = _both("sun.ba", (Role.PREPARER, DEPT), (Role.FINANCE_REVIEWER, "*"))
    state = run_all(
        seed_draft(),
        [
            (SubmitReport(**KEY), both),
            (ApproveReport(**KEY), HEAD),
            (ApproveReport(**KEY), FINANCE),
        ],
    )
    with pytest.raises(DutiesNotSeparated, match="expected somebody else to sign off it"):
        decide(state, SignOffReport(**KEY), both, make_context())
    signed = run_all(state, [(SignOffReport(**KEY), HEAD)])
    with pytest.raises(DutiesNotSeparated, match="already signed revision 1"):
        decide(signed, SignOffReport(**KEY), HEAD, make_context())


def test_one_person_cannot_approve_at_both_levels() -> None:
    both = _both("sun.ba", (Role.DEPARTMENT_HEAD, DEPT), (Role.FINANCE_REVIEWER, "*"))
    state = run_all(seed_draft(), [(SubmitReport(**KEY), PREPARER), (ApproveReport(**KEY), both)])
    assert state.stage is Stage.APPROVED_BY_DEPARTMENT
    with pytest.raises(DutiesNotSeparated, match="already approved revision 1"):
        decide(state, ApproveReport(**KEY), both, make_context())


def test_stage_steps_reach_each_stage() -> None:
    for stage in Stage:
        assert state_at(stage).stage is stage
    assert len(stage_steps(Stage.PUBLISHED)) == 7
    assert state_at(Stage.NEW) == ReportState()


def _failure(attempt: int, *, final: bool = False) -> RecordRenderFailure:
    return RecordRenderFailure(
        **KEY,
        revision=1,
        formats=("html", "pdf", "xlsx"),
        reason="render took longer than 120 s",
        attempt=attempt,
        final=final,
    )


def test_render_failures_are_recorded_once_per_attempt_until_the_worker_gives_up() -> None:
    ctx = make_context(load_scheme(SCHEME))
    state = state_at(Stage.SIGNED_OFF, SCHEME)
    [first] = decide(state, _failure(1), SYSTEM_ACTOR, ctx)
    assert (type(first).__name__, first.attempt, first.final) == ("RenderFailed", 1, False)
    state = fold([first], state)
    assert state.stage is Stage.SIGNED_OFF
    assert state.render_failure is not None and state.render_failure.describe() == (
        "render failed (attempt 1, to be retried): render took longer than 120 s"
    )
    # A duplicate of attempt 1 (a redelivered task) records nothing; attempt 2 records.
    assert decide(state, _failure(1), SYSTEM_ACTOR, ctx) == []
    state = fold(decide(state, _failure(2, final=True), SYSTEM_ACTOR, ctx), state)
    assert state.render_failure is not None and state.render_failure.describe() == (
        "render failed after 2 attempts: render took longer than 120 s"
    )
    # Given up: nothing more is recorded, whatever the attempt.
    assert decide(state, _failure(3), SYSTEM_ACTOR, ctx) == []
    # Rendered after all (an administrator's retry): the failure no longer stands.
    rendered = fold(decide(state, SAMPLES["RecordRendering"](), SYSTEM_ACTOR, ctx), state)
    assert rendered.stage is Stage.RENDERED and rendered.render_failure is None
    assert decide(rendered, _failure(3), SYSTEM_ACTOR, ctx) == []


def test_a_render_failure_needs_an_attempt_and_a_reason() -> None:
    ctx = make_context(load_scheme(SCHEME))
    state = state_at(Stage.SIGNED_OFF, SCHEME)
    with pytest.raises(InvalidValue) as caught:
        decide(state, _failure(0), SYSTEM_ACTOR, ctx)
    assert str(caught.value) == (
        "report report:gusu-rc:2021 render failure attempt: got '0', expected 1 or more"
    )
    blank = RecordRenderFailure(**KEY, revision=1, formats=("html",), reason=" ", attempt=1)
    with pytest.raises(InvalidValue, match="render failure reason"):
        decide(state, blank, SYSTEM_ACTOR, ctx)


def test_a_reopening_clears_the_render_failure_of_the_old_revision() -> None:
    ctx = make_context(load_scheme(SCHEME))
    state = state_at(Stage.SIGNED_OFF, SCHEME)
    state = fold(decide(state, _failure(1, final=True), SYSTEM_ACTOR, ctx), state)
    reopened = fold(decide(state, ReopenReport(**KEY, reason="叙述过长"), FINANCE, ctx), state)
    assert (reopened.revision, reopened.render_failure) == (2, None)
    with pytest.raises(StaleRevision):
        decide(reopened, _failure(2), SYSTEM_ACTOR, ctx)
