"""Sign-off policies from the scheme: all / any / quorum of roles and named users."""

from __future__ import annotations

import pytest

from tests.workflow.report_builders import (
    FINANCE,
    HEAD,
    KEY,
    context,
    run_all,
    seed_draft,
    stage_steps,
)
from workflow.commands import SignOffReport
from workflow.decisions import decide
from workflow.errors import NotAuthorized, SchemeError
from workflow.report import ReportState
from workflow.schemes import SignOffPolicy, SignOffRule, load_scheme, parse_scheme
from workflow.signoff import Signature, is_complete
from workflow.stages import Stage

BOTH = ("role:department_head", "role:finance_reviewer")


@pytest.mark.parametrize(
    ("rule", "quorum", "signers", "signatures", "complete"),
    [
        ("all", None, BOTH, [("li.si", "department_head")], False),
        ("all", None, BOTH, [("li.si", "department_head"), ("wang.wu", "finance_reviewer")], True),
        ("any", None, BOTH, [("wang.wu", "finance_reviewer")], True),
        ("any", None, BOTH, [], False),
        (
            "quorum",
            2,
            (*BOTH, "user:zhou.jiu"),
            [("li.si", "department_head"), ("zhou.jiu", "finance_reviewer")],
            True,
        ),
        ("quorum", 2, (*BOTH, "user:zhou.jiu"), [("li.si", "department_head")], False),
        ("all", None, ("user:wang.wu",), [("wang.wu", "finance_reviewer")], True),
    ],
)
def test_policies(rule, quorum, signers, signatures, complete) -> None:
    policy = SignOffPolicy(rule=SignOffRule(rule), quorum=quorum, signers=signers)
    given = [Signature(by=by, role=role) for by, role in signatures]
    assert is_complete(policy, given) is complete


def _under(policy: SignOffPolicy) -> tuple[ReportState, object]:
    scheme = load_scheme("default").model_copy(update={"signoff": policy})
    draft = seed_draft().model_copy(update={"scheme": scheme})
    return run_all(draft, stage_steps(Stage.APPROVED_BY_FINANCE)), context(scheme)


def test_with_rule_any_the_first_signature_signs_off() -> None:
    state, ctx = _under(SignOffPolicy(rule=SignOffRule.ANY, signers=BOTH))
    events = decide(state, SignOffReport(**KEY), FINANCE, ctx)  # type: ignore[arg-type]
    assert [type(e).__name__ for e in events] == ["SignOffRecorded", "ReportSignedOff"]


def test_a_reviewer_who_is_not_a_required_signer_cannot_sign() -> None:
    state, ctx = _under(SignOffPolicy(signers=("user:wang.wu",)))
    with pytest.raises(NotAuthorized) as caught:
        decide(state, SignOffReport(**KEY), HEAD, ctx)  # type: ignore[arg-type]
    assert str(caught.value) == (
        "user li.si signer: got role department_head, expected one of the required signers "
        "user:wang.wu"
    )
    events = decide(state, SignOffReport(**KEY), FINANCE, ctx)  # type: ignore[arg-type]
    assert events[-1].signers == ("wang.wu",)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("signoff", "message"),
    [
        (
            {"rule": "quorum", "signers": list(BOTH)},
            "scheme bad.signoff: got {…}, expected a quorum between 1 and 2 for rule 'quorum'",
        ),
        (
            {"signers": ["role:auditor"]},
            "scheme bad.signoff: got {…}, expected signer roles among department_head, "
            "finance_reviewer, not 'auditor'",
        ),
    ],
)
def test_invalid_policies_are_scheme_errors(signoff: dict, message: str) -> None:
    with pytest.raises(SchemeError) as caught:
        parse_scheme({"id": "bad", "title": "bad", "signoff": signoff}, source="bad")
    assert str(caught.value) == message
