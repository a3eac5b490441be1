"""What a report is waiting for, and from whom: derived from its stage and sign-off policy.

The report-state projection shows it beside each report; the inbox projection matches it
against the users' grants. The rules mirror ``workflow.authorization.PERMISSIONS`` and the
segregation of duties in ``workflow.decisions``: the submitter never reviews or signs their
own revision, a reviewer approves a revision once, a signer signs once.
"""

from __future__ import annotations

from dataclasses import dataclass

from workflow.report import ReportState
from workflow.roles import Role
from workflow.signoff import entries_for
from workflow.stages import Stage


@dataclass(frozen=True, slots=True)
class PendingAction:
    """One action the report waits for, by holders of ``role`` in its department or by ``user``."""

    #: ``submit``, ``review``, ``sign_off``, ``render``, ``reopen`` or ``publish``.
    action: str
    role: Role | None
    #: A named signer (a sign-off policy entry ``user:<id>``); None when any holder of the role.
    user: str | None = None
    #: Users who may not take the action although their role would let them.
    excluded: tuple[str, ...] = ()

    def describe(self) -> str:
        """``sign_off by role:finance_reviewer`` or ``sign_off by user:li.si``."""
        who = f"user:{self.user}" if self.user else f"role:{self.role}"
        return f"{self.action} by {who}"

    def as_data(self) -> dict[str, object]:
        """The action as JSON-ready data."""
        return {
            "action": self.action,
            "role": str(self.role) if self.role else None,
            "user": self.user,
            "excluded": list(self.excluded),
        }


def unsigned_entries(state: ReportState) -> list[str]:
    """The sign-off policy entries not yet filled, while the revision awaits signatures."""
    if state.stage is not Stage.APPROVED_BY_FINANCE:
        return []
    policy = state.require_scheme().signoff
    filled = {e for s in state.signatures for e in entries_for(policy, s.by, s.role)}
    return [entry for entry in policy.signers if entry not in filled]


def pending_actions(state: ReportState) -> list[PendingAction]:
    """Every action the report's current revision waits for, in the order of the flow."""
    stage = state.stage
    submitter = (state.submitted_by,) if state.submitted_by else ()
    if stage is Stage.DRAFT:
        return [PendingAction("submit", Role.PREPARER)]
    if stage is Stage.SUBMITTED:
        return [PendingAction("review", Role.DEPARTMENT_HEAD, excluded=submitter)]
    if stage is Stage.APPROVED_BY_DEPARTMENT:
        approvers = tuple(a.by for a in state.approvals)
        return [
            PendingAction("review", Role.FINANCE_REVIEWER, excluded=_unique(submitter + approvers))
        ]
    if stage is Stage.APPROVED_BY_FINANCE:
        signed = _unique(submitter + tuple(s.by for s in state.signatures))
        actions = []
        for entry in unsigned_entries(state):
            kind, _, name = entry.partition(":")
            if kind == "role":
                actions.append(PendingAction("sign_off", Role(name), excluded=signed))
            else:
                actions.append(PendingAction("sign_off", None, user=name, excluded=signed))
        return actions
    if stage is Stage.SIGNED_OFF:
        failure = state.render_failure
        if failure is not None and failure.final:
            # The worker gave up: finance may reopen the report (to shorten what made it
            # fail), an administrator may render it again (render-pending --retry-failed).
            return [
                PendingAction("reopen", Role.FINANCE_REVIEWER),
                PendingAction("render", Role.ADMIN),
            ]
        return [PendingAction("render", Role.SYSTEM)]
    if stage is Stage.RENDERED:
        return [PendingAction("publish", Role.DEPARTMENT_HEAD)]
    return []


def _unique(users: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(users))
