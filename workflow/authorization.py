"""Who may issue which report command in which stage (segregation of duties is in the
decisions, which know who submitted and who signed)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from workflow.commands import (
    CONTENT_COMMANDS,
    ApproveReport,
    GradeIndicator,
    OpenReport,
    PublishReport,
    RecordRenderFailure,
    RecordRendering,
    RemindOfDeadline,
    ReopenReport,
    ReportCommand,
    ReturnReport,
    SignOffReport,
    SubmitReport,
)
from workflow.errors import NotAuthorized, WrongStage
from workflow.labels import COMMAND_LABELS, ROLE_LABELS, STAGE_LABELS, labelled
from workflow.roles import Actor, Role
from workflow.stages import Stage

Rule = Mapping[Role, frozenset[Stage]]

_DRAFT_BY_PREPARER: Rule = {Role.PREPARER: frozenset({Stage.DRAFT})}
_REVIEW: Rule = {
    Role.DEPARTMENT_HEAD: frozenset({Stage.SUBMITTED}),
    Role.FINANCE_REVIEWER: frozenset({Stage.APPROVED_BY_DEPARTMENT}),
}

#: For each command: the roles that may issue it, and in which stages.
PERMISSIONS: dict[type[ReportCommand], Rule] = {
    OpenReport: {Role.PREPARER: frozenset({Stage.NEW})},
    **dict.fromkeys(CONTENT_COMMANDS, _DRAFT_BY_PREPARER),
    SubmitReport: _DRAFT_BY_PREPARER,
    ApproveReport: _REVIEW,
    GradeIndicator: _REVIEW,
    ReturnReport: {
        Role.DEPARTMENT_HEAD: frozenset({Stage.SUBMITTED, Stage.APPROVED_BY_FINANCE}),
        Role.FINANCE_REVIEWER: frozenset({Stage.APPROVED_BY_DEPARTMENT, Stage.APPROVED_BY_FINANCE}),
    },
    SignOffReport: {
        Role.DEPARTMENT_HEAD: frozenset({Stage.APPROVED_BY_FINANCE}),
        Role.FINANCE_REVIEWER: frozenset({Stage.APPROVED_BY_FINANCE}),
    },
    # Rendering is at-least-once: a repeat after rendering is accepted and records nothing.
    RecordRendering: {Role.SYSTEM: frozenset({Stage.SIGNED_OFF, Stage.RENDERED, Stage.PUBLISHED})},
    # A failure reported after another attempt rendered the revision records nothing.
    RecordRenderFailure: {
        Role.SYSTEM: frozenset({Stage.SIGNED_OFF, Stage.RENDERED, Stage.PUBLISHED})
    },
    # A reminder is decided in any stage of an opened report: only a draft gets one, and a
    # report submitted meanwhile records nothing rather than refusing the pass.
    RemindOfDeadline: {Role.SYSTEM: frozenset(Stage) - {Stage.NEW}},
    PublishReport: {Role.DEPARTMENT_HEAD: frozenset({Stage.RENDERED})},
    ReopenReport: {
        Role.FINANCE_REVIEWER: frozenset({Stage.SIGNED_OFF, Stage.RENDERED, Stage.PUBLISHED})
    },
}

#: The report commands a person issues (the render worker's own are not among them): what
#: every face offers.
PERSON_COMMANDS: tuple[type[ReportCommand], ...] = tuple(
    command for command, rule in PERMISSIONS.items() if set(rule) != {Role.SYSTEM}
)


def _sorted(values: Iterable[object], labels: dict[str, str]) -> str:
    """``草稿（draft） or 已提交（submitted）``: sorted by id, each with its word."""
    return " or ".join(labelled(v, labels) for v in sorted(str(v) for v in values))


def _command(command: ReportCommand) -> str:
    return labelled(type(command).__name__, COMMAND_LABELS)


def roles_permitted(command: ReportCommand, actor: Actor) -> list[Role]:
    """The actor's roles in the command's department that may ever issue it; NotAuthorized
    when there are none."""
    rule = PERMISSIONS[type(command)]
    held = actor.roles_for(command.department)
    permitted = [role for role in held if role in rule]
    if not permitted:
        got = ", ".join(labelled(role, ROLE_LABELS) for role in held) or "none"
        raise NotAuthorized(
            f"user {actor.user_id} role in department {command.department}: got {got}, "
            f"expected {_sorted(rule, ROLE_LABELS)} to {_command(command)}"
        )
    return permitted


def role_for_stage(command: ReportCommand, roles: list[Role], stage: Stage) -> Role:
    """The first of ``roles`` that may issue the command in ``stage``; WrongStage otherwise."""
    rule = PERMISSIONS[type(command)]
    for role in roles:
        if stage in rule[role]:
            return role
    if isinstance(command, OpenReport):
        # The one command for a report that does not exist yet: say that it does.
        raise WrongStage(
            f"report {command.stream_id} stage: got {labelled(stage, STAGE_LABELS)}, expected "
            f"{labelled('new', STAGE_LABELS)}: the report is already opened (a report is "
            "opened, or imported, once)"
        )
    allowed = {s for role in roles for s in rule[role]}
    raise WrongStage(
        f"report {command.stream_id} stage: got {labelled(stage, STAGE_LABELS)}, expected "
        f"{_sorted(allowed, STAGE_LABELS)} for {_command(command)} by {_sorted(roles, ROLE_LABELS)}"
    )
