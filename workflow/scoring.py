"""Scoring, a property of the scheme (DOMAIN.md §4); reports under an unscored scheme get None.

Budget execution earns ``budget_execution_points`` × 预算执行率 (at most the full points).
Indicators share ``indicator_points``: an indicator's own weight if it has one, the rest
split evenly among the applicable indicators without one. A quantitative indicator that
meets its target earns its weight; one that falls short earns actual / target × weight
(target / actual for lower-is-better). A qualitative one earns its band's share when a
reviewer graded it, else its full weight if met and nothing if missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from workflow.amounts import ZERO, total
from workflow.indicators import Indicator, actual_in_target_unit, status
from workflow.report import ReportState
from workflow.schemes import Scheme
from workflow.targets import IndicatorStatus, MeasureKind

#: The precision of every figure of points shown: the card's totals, and each indicator's
#: weight and points in a view (:func:`round_points`).
POINTS_PRECISION = Decimal("0.01")


def round_points(value: Decimal) -> Decimal:
    """``value`` (points or a weight) rounded to :data:`POINTS_PRECISION`, as the card's
    totals are.

    Sums are taken over the exact figures and rounded once, so indicator points rounded
    for a view need not add up to the card's total to the last cent.
    """
    return value.quantize(POINTS_PRECISION)


@dataclass(frozen=True, slots=True)
class IndicatorScore:
    """An indicator's weight and the points it earned, exact (views round them with
    :func:`round_points`, as the card rounds its totals)."""

    indicator: str
    name: str
    status: IndicatorStatus
    weight: Decimal
    points: Decimal


@dataclass(frozen=True, slots=True)
class ScoreCard:
    """The report's points, rounded to 0.01, and its grade."""

    execution_rate: Decimal
    budget_points: Decimal
    indicators: tuple[IndicatorScore, ...]
    indicator_points: Decimal
    total: Decimal
    grade: str | None


def _weights(indicators: list[Indicator], points: Decimal) -> dict[str, Decimal]:
    explicit = {i.id: i.weight for i in indicators if i.weight is not None}
    rest = [i for i in indicators if i.weight is None]
    remaining = max(points - total(explicit.values()), ZERO)
    share = remaining / len(rest) if rest else ZERO
    return {i.id: explicit.get(i.id, share) for i in indicators}


def _quantitative_share(indicator: Indicator, current: IndicatorStatus) -> Decimal:
    if current in (IndicatorStatus.MET, IndicatorStatus.OVERSHOT):
        return Decimal(1)
    achieved = actual_in_target_unit(indicator)
    target = indicator.target.value
    if current is not IndicatorStatus.MISSED or achieved is None or target is None:
        return ZERO
    if indicator.lower_is_better:
        share = target / achieved if achieved > 0 else Decimal(1)
    else:
        share = achieved / target if target > 0 else ZERO
    return min(max(share, ZERO), Decimal(1))


def _indicator_points(indicator: Indicator, weight: Decimal, scheme: Scheme) -> IndicatorScore:
    current = status(indicator, scheme.indicators)
    scoring = scheme.scoring
    if indicator.target.kind is MeasureKind.GRADE:
        band = scoring.band(indicator.grade) if indicator.grade else None
        if band is not None:
            share = band.share
        else:
            share = Decimal(1) if current is IndicatorStatus.MET else ZERO
    else:
        share = _quantitative_share(indicator, current)
        if current is IndicatorStatus.OVERSHOT:
            share -= scoring.overshoot_deduction
    points = weight * share
    return IndicatorScore(
        indicator=indicator.id, name=indicator.name, status=current, weight=weight, points=points
    )


def grade_for(scheme: Scheme, points: Decimal) -> str | None:
    """The highest grade band ``points`` reach (优 ≥ 90, 良 ≥ 80, ...)."""
    for band in sorted(scheme.scoring.grades, key=lambda b: b.min_score, reverse=True):
        if points >= band.min_score:
            return band.name
    return None


def score(state: ReportState) -> ScoreCard | None:
    """The report's score card under its scheme, or None when the scheme does not score."""
    scheme = state.require_scheme()
    scoring = scheme.scoring
    if not scoring.enabled:
        return None
    table = state.table()
    root = table.root()
    rate = (table.figures(root.id).execution_rate if root else None) or ZERO
    budget_points = round_points(scoring.budget_execution_points * min(rate, Decimal(1)))
    applicable = [
        i
        for i in state.indicators
        if status(i, scheme.indicators) is not IndicatorStatus.NOT_APPLICABLE
    ]
    weights = _weights(applicable, scoring.indicator_points)
    scores = tuple(_indicator_points(i, weights[i.id], scheme) for i in applicable)
    indicator_points = round_points(total(s.points for s in scores))
    overall = budget_points + indicator_points
    if scoring.cap_by_execution_rate:
        overall = min(overall, round_points(Decimal(100) * rate))
    return ScoreCard(
        execution_rate=rate,
        budget_points=budget_points,
        indicators=scores,
        indicator_points=indicator_points,
        total=overall,
        grade=grade_for(scheme, overall),
    )
