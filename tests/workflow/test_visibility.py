"""The read rule: every reader × every situation of a report, against a table written out here.

The expectations come from the rule as stated (docs/decisions/0601), not from
workflow.visibility: a change to the rule must change this table too. The situations are
folded from real commands, so ``ReportSummary.of`` is checked on the states reads meet.
"""

from __future__ import annotations

import pytest

from tests.workflow.report_builders import (
    ADMIN,
    DEPT,
    FINANCE,
    HEAD,
    KEY,
    PREPARER,
    actor,
    run_all,
    stage_steps,
    state_at,
)
from workflow.commands import ReopenReport, ReturnReport
from workflow.report import ReportState
from workflow.roles import SYSTEM_ACTOR, Actor, Role
from workflow.stages import Stage
from workflow.visibility import ReportSummary, may_follow, may_read, reads_everything

OTHER = "other-dept"

READERS: dict[str, Actor] = {
    "preparer": PREPARER,
    "head": HEAD,
    "finance@dept": actor("f.dept", Role.FINANCE_REVIEWER, DEPT),
    "finance@*": FINANCE,
    "auditor@dept": actor("a.dept", Role.AUDITOR, DEPT),
    "auditor@*": actor("a.all", Role.AUDITOR, "*"),
    "admin@*": ADMIN,
    "preparer@other": actor("p.other", Role.PREPARER, OTHER),
    "head@other": actor("h.other", Role.DEPARTMENT_HEAD, OTHER),
    "finance@other": actor("f.other", Role.FINANCE_REVIEWER, OTHER),
    "auditor@other": actor("a.other", Role.AUDITOR, OTHER),
    "nobody": Actor(user_id="nobody"),
}


def _returned() -> ReportState:
    steps = [*stage_steps(Stage.APPROVED_BY_DEPARTMENT)]
    steps.append((ReturnReport(**KEY, comment="请补充偏差原因"), FINANCE))
    return run_all(state_at(Stage.DRAFT), steps)


def _reopened() -> ReportState:
    return run_all(
        state_at(Stage.PUBLISHED), [(ReopenReport(**KEY, reason="审计发现分类错误"), FINANCE)]
    )


SITUATIONS = {
    "new": lambda: state_at(Stage.NEW),
    "draft": lambda: state_at(Stage.DRAFT),
    "submitted": lambda: state_at(Stage.SUBMITTED),
    "approved_by_department": lambda: state_at(Stage.APPROVED_BY_DEPARTMENT),
    "approved_by_finance": lambda: state_at(Stage.APPROVED_BY_FINANCE),
    "signed_off": lambda: state_at(Stage.SIGNED_OFF),
    "rendered": lambda: state_at(Stage.RENDERED),
    "published": lambda: state_at(Stage.PUBLISHED),
    "returned draft": _returned,
    "reopened draft": _reopened,
}

Y, N = True, False
#: situation → readers, in the order of READERS.
EXPECTED = {
    #                        prep head f@d  f@*  a@d  a@*  adm  p@o  h@o  f@o  a@o  none
    "new":                    (N,  N,   N,   N,   N,   N,   N,   N,   N,   N,   N,   N),
    "draft":                  (Y,  Y,   N,   N,   Y,   Y,   Y,   N,   N,   N,   N,   N),
    "submitted":              (Y,  Y,   Y,   Y,   Y,   Y,   Y,   N,   N,   N,   N,   N),
    "approved_by_department": (Y,  Y,   Y,   Y,   Y,   Y,   Y,   N,   N,   N,   N,   N),
    "approved_by_finance":    (Y,  Y,   Y,   Y,   Y,   Y,   Y,   N,   N,   N,   N,   N),
    "signed_off":             (Y,  Y,   Y,   Y,   Y,   Y,   Y,   N,   N,   N,   N,   N),
    "rendered":               (Y,  Y,   Y,   Y,   Y,   Y,   Y,   N,   N,   N,   N,   N),
    "published":              (Y,  Y,   Y,   Y,   Y,   Y,   Y,   N,   N,   N,   N,   N),
    "returned draft":         (Y,  Y,   Y,   Y,   Y,   Y,   Y,   N,   N,   N,   N,   N),
    "reopened draft":         (Y,  Y,   Y,   Y,   Y,   Y,   Y,   N,   N,   N,   N,   N),
}  # fmt: skip


def test_the_table_covers_every_situation_and_reader() -> None:
    assert set(EXPECTED) == set(SITUATIONS)
    assert all(len(row) == len(READERS) for row in EXPECTED.values())


@pytest.mark.parametrize("situation", list(SITUATIONS))
def test_who_reads_the_report(situation: str) -> None:
    state = SITUATIONS[situation]()
    summary = ReportSummary.of(state)
    if situation != "new":
        assert summary.department == DEPT
    got = {name: may_read(reader, summary) for name, reader in READERS.items()}
    assert got == dict(zip(READERS, EXPECTED[situation], strict=True))


def test_the_summary_of_a_returned_and_a_reopened_draft_says_it_was_submitted() -> None:
    returned = ReportSummary.of(_returned())
    assert (returned.stage, returned.revision, returned.ever_submitted) == (Stage.DRAFT, 1, True)
    reopened = ReportSummary.of(_reopened())
    assert (reopened.stage, reopened.revision, reopened.ever_submitted) == (Stage.DRAFT, 2, True)
    fresh = ReportSummary.of(state_at(Stage.DRAFT))
    assert (fresh.submitted_by, fresh.ever_submitted) == (None, False)


def test_the_render_worker_reads_every_report() -> None:
    assert may_read(SYSTEM_ACTOR, ReportSummary.of(state_at(Stage.DRAFT)))
    assert reads_everything(SYSTEM_ACTOR)


def test_progress_is_followed_by_any_role_covering_the_department() -> None:
    followers = {name for name, reader in READERS.items() if may_follow(reader, DEPT)}
    assert followers == {
        "preparer",
        "head",
        "finance@dept",
        "finance@*",
        "auditor@dept",
        "auditor@*",
        "admin@*",
    }


def test_only_wide_auditors_and_administrators_read_everything() -> None:
    wide = {name for name, reader in READERS.items() if reads_everything(reader)}
    assert wide == {"auditor@*", "admin@*"}
