"""Submission checks: everything that must hold before a draft goes to review.

They collect every problem, each naming its item, so the preparer fixes all of them
in one pass instead of discovering them one at a time. Notices (figures that nearly agree,
see :mod:`workflow.consistency`) are listed beside them and never block.
"""

from __future__ import annotations

from workflow.consistency import consistency_notices
from workflow.indicators import reason_problem
from workflow.projects import FIELD_LABELS, FUND_ROWS, REQUIRED_FIELDS
from workflow.report import ReportState
from workflow.scoring import score
from workflow.typed_scores import score_differences, score_problems


def _part_one_problems(state: ReportState) -> list[str]:
    problems = []
    if not state.functions:
        problems.append("part 1 主要职能: missing, expected at least one function")
    if state.staffing is None:
        problems.append("part 1 人员: missing, expected 编制 and 在职 staff by rank")
    if state.net_assets is None:
        problems.append("part 1 净资产: missing, expected an amount with its unit")
    return problems


def _section_problems(state: ReportState) -> list[str]:
    problems = []
    for spec in state.require_scheme().sections:
        written = any(s.id == spec.id or s.id.startswith(spec.id + ".") for s in state.sections)
        if spec.required and not written:
            problems.append(f"section {spec.id} {spec.title}: missing, expected its text")
    return problems


def _project_problems(state: ReportState) -> list[str]:
    project = state.project
    assert project is not None
    return [
        f"project {project.code} {FIELD_LABELS[field]}: missing, expected its text"
        for field in REQUIRED_FIELDS
        if not project.text(field)
    ]


def _budget_problems(state: ReportState) -> list[str]:
    table = state.table()
    if table.root() is None:
        if state.project is not None:
            return [f"项目资金: empty, expected {FUND_ROWS[0]} and its rows"]
        return ["budget table: empty, expected 预算资金总额 and its lines"]
    return table.problems()


def _indicator_problems(state: ReportState) -> list[str]:
    if not state.indicators:
        return ["indicators: none, expected the 绩效指标 of the self-evaluation table"]
    rules = state.require_scheme().indicators
    problems = []
    for indicator in state.indicators:
        if indicator.actual is None:
            problems.append(
                f"indicator {indicator.name} 指标完成值: missing, expected the actual "
                f"against {indicator.target.raw!r} (or '/')"
            )
        elif (problem := reason_problem(indicator, rules)) is not None:
            problems.append(problem)
    return [*problems, *score_problems(state, score(state))]


def submission_problems(state: ReportState) -> list[str]:
    """Every reason the report cannot be submitted yet, one line each; empty when it can.

    A 项目支出 report has no part 1 and no narrative: it needs its 年度总体目标 instead.
    """
    if state.project is not None:
        return [
            *_project_problems(state),
            *_budget_problems(state),
            *_indicator_problems(state),
        ]
    return [
        *_part_one_problems(state),
        *_section_problems(state),
        *_budget_problems(state),
        *_indicator_problems(state),
    ]


def submission_notices(state: ReportState) -> list[str]:
    """What reviewers should look at but what never blocks submission, one line each:
    figures that nearly agree, and every typed 得分 that differs from the rule's."""
    return [
        *(notice.message for notice in consistency_notices(state)),
        *score_differences(state, score(state)),
    ]
