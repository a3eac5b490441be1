"""Pure builders for workflow tests: actors, contexts and the seed report at every stage."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from tests.seed import DEADLINE, DEPARTMENT_CODE, DEPARTMENT_NAME, YEAR, seed_commands
from workflow.administration import DepartmentState, FiscalYearState
from workflow.artifacts import Artifact
from workflow.commands import (
    ApproveReport,
    PublishReport,
    RecordRendering,
    ReportCommand,
    SignOffReport,
    SubmitReport,
)
from workflow.decisions import Context, decide
from workflow.report import ReportState, fold
from workflow.roles import SYSTEM_ACTOR, Actor, Grant, Role
from workflow.schemes import Scheme, load_scheme
from workflow.stages import Stage

DEPT = DEPARTMENT_CODE
KEY = {"department": DEPT, "year": YEAR}
NOW = datetime(2022, 3, 1, 9, 0, tzinfo=UTC)


def actor(user_id: str, role: Role, department: str = DEPT) -> Actor:
    """An actor holding one role."""
    return Actor(user_id=user_id, grants=(Grant(role=role, department=department),))


PREPARER = actor("zhang.san", Role.PREPARER)
HEAD = actor("li.si", Role.DEPARTMENT_HEAD)
FINANCE = actor("wang.wu", Role.FINANCE_REVIEWER, "*")
AUDITOR = actor("zhao.liu", Role.AUDITOR, "*")
ADMIN = actor("admin", Role.ADMIN, "*")
BY_ROLE = {
    Role.PREPARER: PREPARER,
    Role.DEPARTMENT_HEAD: HEAD,
    Role.FINANCE_REVIEWER: FINANCE,
    Role.AUDITOR: AUDITOR,
    Role.ADMIN: ADMIN,
}

DEPARTMENT = DepartmentState(code=DEPT, name=DEPARTMENT_NAME, registered=True)


def context(scheme: Scheme | None = None) -> Context:
    """A context with the seed's department and fiscal year under ``scheme``."""
    year = FiscalYearState(
        year=YEAR, scheme=scheme or load_scheme("default"), deadline=DEADLINE, opened=True
    )
    return Context(now=NOW, department=DEPARTMENT, fiscal_year=year)


def run(state: ReportState, command: ReportCommand, who: Actor, scheme: Scheme | None = None):
    """Decide and fold one command."""
    return fold(decide(state, command, who, context(scheme)), state)


def run_all(state: ReportState, steps, scheme: Scheme | None = None) -> ReportState:
    """Decide and fold (command, actor) pairs in order."""
    for command, who in steps:
        state = run(state, command, who, scheme)
    return state


ARTIFACTS = (
    Artifact(
        path="reports/gusu-rc/2021/r1.html",
        size=1234,
        sha256="a" * 64,
        format="html",
        template_version="1",
    ),
)


def stage_steps(stage: Stage) -> list[tuple[ReportCommand, Actor]]:
    """The review commands that take a seed draft to ``stage``."""
    steps = [
        (SubmitReport(**KEY), PREPARER),
        (ApproveReport(**KEY), HEAD),
        (ApproveReport(**KEY), FINANCE),
        (SignOffReport(**KEY), HEAD),
        (SignOffReport(**KEY), FINANCE),
        (RecordRendering(**KEY, revision=1, artifacts=ARTIFACTS), SYSTEM_ACTOR),
        (PublishReport(**KEY, channel="姑苏区政府网"), HEAD),
    ]
    count = {
        Stage.DRAFT: 0,
        Stage.SUBMITTED: 1,
        Stage.APPROVED_BY_DEPARTMENT: 2,
        Stage.APPROVED_BY_FINANCE: 3,
        Stage.SIGNED_OFF: 5,
        Stage.RENDERED: 6,
        Stage.PUBLISHED: 7,
    }[stage]
    return steps[:count]


@cache
def seed_draft(scheme_name: str = "default") -> ReportState:
    """The whole seed report entered by the preparer, still a draft."""
    scheme = load_scheme(scheme_name)
    return run_all(ReportState(), [(c, PREPARER) for c in seed_commands()], scheme)


@cache
def state_at(stage: Stage, scheme_name: str = "default") -> ReportState:
    """The seed report in ``stage`` (NEW is the empty stream)."""
    if stage is Stage.NEW:
        return ReportState()
    return run_all(seed_draft(scheme_name), stage_steps(stage), load_scheme(scheme_name))
