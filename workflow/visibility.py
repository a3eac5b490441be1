"""Who may read which report: the one rule every face applies before it shows a report.

A report's content (figures, indicators, narrative, trail, history) is readable by:

- the department's own people (preparer, department head) and the auditors and
  administrators whose grants cover the department, in every stage;
- finance reviewers whose grants cover the department, once the report has been submitted
  at least once: a draft that never left its department stays the department's own, while
  one that was returned, or reopened after sign-off, stays readable because the reviewer
  has already seen it and must follow its changes.

Readability is decided on the report as it stands now, and covers its whole history: a
reviewer who may read a report may also read its trail, its earlier revisions and what it
said at any moment. Grants carry no year, so a finance reviewer covering a department reads
that department's submitted reports of every year.

Separately, a report's progress (its stage, revision and last activity, not its content)
is visible to everybody holding any role that covers its department, so that a finance
overview can show who has not submitted yet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workflow.roles import ALL_DEPARTMENTS, Actor, Grant, Role
from workflow.stages import Stage
from workflow.values import Value

if TYPE_CHECKING:
    from workflow.report import ReportState

#: Roles that read their departments' reports in every stage, drafts included. The
#: ``system`` role is the render worker, which renders every report.
READ_IN_EVERY_STAGE = frozenset(
    {Role.PREPARER, Role.DEPARTMENT_HEAD, Role.AUDITOR, Role.ADMIN, Role.SYSTEM}
)
#: Roles that read a report of a department they cover once it has been submitted.
READ_ONCE_SUBMITTED = frozenset({Role.FINANCE_REVIEWER})
#: Grants that read the whole log at once (a year's replay, every report's trail).
READ_EVERYTHING = frozenset(
    {
        Grant(role=Role.AUDITOR, department=ALL_DEPARTMENTS),
        Grant(role=Role.ADMIN, department=ALL_DEPARTMENTS),
        Grant(role=Role.SYSTEM, department=ALL_DEPARTMENTS),
    }
)


class ReportSummary(Value):
    """What the read rule needs to know of a report: its department and how far it went."""

    department: str
    stage: Stage
    revision: int = 1
    #: Who submitted the current revision; kept when the report is returned to a draft.
    submitted_by: str | None = None

    @property
    def ever_submitted(self) -> bool:
        """Whether the report left its department at least once: submitted now or before
        (a returned draft keeps its submitter), or reopened after a sign-off."""
        if self.revision > 1 or self.submitted_by is not None:
            return True
        return self.stage not in (Stage.NEW, Stage.DRAFT)

    @classmethod
    def of(cls, state: ReportState) -> ReportSummary:
        """The summary of a folded report state."""
        return cls(
            department=state.department,
            stage=state.stage,
            revision=max(state.revision, 1),
            submitted_by=state.submitted_by,
        )


def may_read(actor: Actor, report: ReportSummary) -> bool:
    """Whether ``actor`` may read the content and history of ``report`` (see the module)."""
    if report.stage is Stage.NEW:
        return False  # nothing to read: the report was never opened
    roles = set(actor.roles_for(report.department))
    if roles & READ_IN_EVERY_STAGE:
        return True
    return bool(roles & READ_ONCE_SUBMITTED) and report.ever_submitted


def may_follow(actor: Actor, department: str) -> bool:
    """Whether ``actor`` may see the progress of ``department``'s reports (stage, revision,
    last activity; not their content): any role covering the department."""
    return bool(actor.roles_for(department))


def reads_everything(actor: Actor) -> bool:
    """Whether ``actor`` reads every report at once: an auditor or administrator of ``*``."""
    return any(grant in READ_EVERYTHING for grant in actor.grants)
