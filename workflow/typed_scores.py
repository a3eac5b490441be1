"""Typed 得分 against the rule's figures: what is refused, what blocks submission, and what
the reviewer is shown (decision 0730).

A self-evaluation records the preparer's 得分 as typed. jixiao refuses one above its 分值 or
outside the band the scheme allows, and lists every other difference from the rule's
figure for the reviewer: a difference is a judgement to look at, not an error.
"""

from __future__ import annotations

from decimal import Decimal

from workflow.amounts import as_percent
from workflow.errors import InvalidValue
from workflow.report import ReportState
from workflow.scoring import IndicatorScore, ScoreCard, round_points
from workflow.targets import IndicatorStatus


def points_text(value: Decimal) -> str:
    """Points as plain text: ``10``, ``8.5``, ``2.65``."""
    text = format(round_points(value).normalize(), "f")
    return "0" if text == "-0" else text


def _rule_text(item: IndicatorScore) -> str:
    if item.banded:
        low, high = item.allowed
        return f"{points_text(low)}–{points_text(high)}"
    return points_text(item.points)


def _range_names(state: ReportState, item: IndicatorScore) -> str:
    ranges = sorted(
        state.require_scheme().scoring.qualitative_ranges, key=lambda r: r.high, reverse=True
    )
    chosen = ranges[:1] if item.status is IndicatorStatus.MET else ranges[1:]
    return " / ".join(r.name for r in chosen)


def allowed_problem(
    state: ReportState, item: IndicatorScore, got: Decimal, raw: str
) -> InvalidValue | None:
    """The refusal of ``got`` as the 得分 of ``item``, or None when the rules allow it."""
    subject = f"indicator {item.name} 得分"
    weight = round_points(item.weight)
    if got > weight:
        return InvalidValue(subject, raw, f"at most its 分值 {points_text(weight)}")
    low, high = (round_points(bound) for bound in item.allowed)
    if item.banded and not low <= got <= high:
        return InvalidValue(
            subject,
            raw,
            f"{points_text(low)}–{points_text(high)} of its 分值 {points_text(weight)} "
            f"({_range_names(state, item)}: the target is {item.status})",
        )
    return None


def score_problems(state: ReportState, card: ScoreCard | None) -> list[str]:
    """Submission problems of the typed 得分: one the rules no longer allow (its actual
    changed since), and, where the scheme says so, a deduction without a 偏差原因."""
    if card is None:
        return []
    scoring = state.require_scheme().scoring
    problems = []
    for item in card.indicators:
        indicator = state.indicator(item.indicator)
        if item.typed is None or indicator is None or indicator.score is None:
            continue
        if (problem := allowed_problem(state, item, item.typed, indicator.score.raw)) is not None:
            problems.append(str(problem))
            continue
        deducted = item.typed < round_points(item.weight)
        explained = indicator.deviation is not None and indicator.deviation.reason
        if scoring.deduction_needs_reason and deducted and not explained:
            given = indicator.deviation.raw if indicator.deviation is not None else ""
            problems.append(
                f"indicator {item.name} 偏差原因分析: got {given!r}, expected a reason (得分 "
                f"{indicator.score.raw} is below its 分值 {points_text(item.weight)})"
            )
    return problems


def score_differences(state: ReportState, card: ScoreCard | None) -> list[str]:
    """Every typed 得分 that differs from the rule's figure (or band), one line each, for
    the reviewer; the typed ones count in the total, so the reviewer sees each judgement."""
    if card is None:
        return []
    lines = []
    if card.budget_typed is not None and card.budget_typed != card.budget_points:
        weight = state.require_scheme().scoring.budget_execution_points
        rate = as_percent(card.execution_rate, 2)
        lines.append(
            f"预算执行率 得分: typed {points_text(card.budget_typed)}, the rule gives "
            f"{points_text(card.budget_points)} (执行率 {rate}% × 分值 {points_text(weight)}, "
            "at most the 分值)"
        )
    for item in card.indicators:
        if item.typed is not None and item.differs():
            lines.append(
                f"indicator {item.indicator} {item.name} 得分: typed {points_text(item.typed)}, "
                f"the rule gives {_rule_text(item)} ({item.status}, 分值 "
                f"{points_text(item.weight)})"
            )
    scored = {item.indicator for item in card.indicators}
    for indicator in state.indicators:
        if indicator.score is not None and indicator.id not in scored:
            lines.append(
                f"indicator {indicator.id} {indicator.name} 得分: typed {indicator.score.raw}, "
                "the rule gives none (not applicable)"
            )
    return lines
