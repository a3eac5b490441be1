"""The sign-off policy (会签): which signatures make a revision signed off."""

from __future__ import annotations

from collections.abc import Iterable

from workflow.schemes import SignOffPolicy, SignOffRule
from workflow.values import Value


class Signature(Value):
    """One signer's sign-off of a revision, in the role they signed with."""

    by: str
    role: str


def entries_for(policy: SignOffPolicy, user_id: str, role: str) -> list[str]:
    """The required-signer entries a signature by ``user_id`` in ``role`` fills."""
    return [entry for entry in policy.signers if entry in (f"role:{role}", f"user:{user_id}")]


def is_complete(policy: SignOffPolicy, signatures: Iterable[Signature]) -> bool:
    """Whether ``signatures`` satisfy the policy: all entries, any one, or a quorum of them."""
    filled = {entry for s in signatures for entry in entries_for(policy, s.by, s.role)}
    if policy.rule is SignOffRule.ALL:
        return filled == set(policy.signers)
    if policy.rule is SignOffRule.ANY:
        return bool(filled)
    return len(filled) >= (policy.quorum or len(policy.signers))
