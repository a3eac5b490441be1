"""Scoring, a property of the scheme (DOMAIN.md §4); reports under an unscored scheme get None.

Budget execution earns ``budget_execution_points`` × 预算执行率 (at most the full points).
Indicators share ``indicator_points``: an indicator's own weight if it has one, the rest
split evenly among the applicable indicators without one. A quantitative indicator that
meets its target earns its weight; one that falls short earns actual / target × weight
(target / actual for lower-is-better). A qualitative one earns its band's share when a
reviewer graded it, else its full weight if met and nothing if missed.

The preparer types each 得分 as the form has it (decision 0730); the card keeps the rule's
figure beside it, and the range of points the rules allow a typed 得分 (up to its 分值; for a
qualitative indicator the scheme's band for achieved or missed). The total counts the typed
得分 where there is one and the rule's figure elsewhere; ``rule_total`` counts the rule alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from workflow.amounts import ZERO, total
from workflow.indicators import Indicator, actual_in_target_unit, status
from workflow.report import ReportState
from workflow.schemes import NotApplicableWeight, Scheme, Scoring
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
    #: The 得分 typed, if any.
    typed: Decimal | None = None
    #: The points the rules allow a typed 得分: (lowest, highest).
    allowed: tuple[Decimal, Decimal] = (ZERO, ZERO)
    #: Whether the rule gives a band (a qualitative indicator under ranges) rather than a figure.
    banded: bool = False

    @property
    def counted(self) -> Decimal:
        """The points the total counts: the typed 得分, else the rule's figure."""
        return self.points if self.typed is None else self.typed

    def differs(self) -> bool:
        """Whether the typed 得分 differs from what the rule gives (a figure, or a band)."""
        if self.typed is None:
            return False
        if self.banded:
            low, high = self.allowed
            return not low <= self.typed <= high
        return self.typed != round_points(self.points)


@dataclass(frozen=True, slots=True)
class ScoreCard:
    """The report's points, rounded to 0.01, and its grade."""

    execution_rate: Decimal
    budget_points: Decimal
    indicators: tuple[IndicatorScore, ...]
    indicator_points: Decimal
    total: Decimal
    grade: str | None
    #: The budget execution's 得分 as typed, if any.
    budget_typed: Decimal | None = None
    #: The total by the rule alone (no typed 得分 counted).
    rule_total: Decimal = ZERO


def _weights(indicators: list[Indicator], points: Decimal) -> dict[str, Decimal]:
    explicit = {i.id: i.weight for i in indicators if i.weight is not None}
    rest = [i for i in indicators if i.weight is None]
    remaining = max(points - total(explicit.values()), ZERO)
    share = remaining / len(rest) if rest else ZERO
    return {i.id: explicit.get(i.id, share) for i in indicators}


def _to_siblings(
    weights: dict[str, Decimal], applicable: list[Indicator], dropped: list[Indicator]
) -> dict[str, Decimal]:
    """``weights`` with each dropped indicator's own 分值 shared among the applicable
    indicators of its 一级指标 in proportion to theirs (lost when it has none)."""
    moved = dict(weights)
    for gone in dropped:
        if gone.weight is None:
            continue
        siblings = [i.id for i in applicable if i.category == gone.category]
        base = total(weights[i] for i in siblings)
        for sibling in siblings:
            share = weights[sibling] / base if base > 0 else Decimal(1) / len(siblings)
            moved[sibling] += gone.weight * share
    return moved


def allowed_points(
    indicator: Indicator, current: IndicatorStatus, weight: Decimal, scoring: Scoring
) -> tuple[tuple[Decimal, Decimal], bool]:
    """The points a typed 得分 may take, and whether that range is the rule's band: up to
    ``weight``; a qualitative indicator under the scheme's ranges within the highest range
    when achieved, within the ones below it when missed."""
    ranges = sorted(scoring.qualitative_ranges, key=lambda r: r.high, reverse=True)
    if indicator.target.kind is not MeasureKind.GRADE or not ranges:
        return (ZERO, weight), False
    if current is IndicatorStatus.MET:
        low, high = ranges[0].low, ranges[0].high
    elif current is IndicatorStatus.MISSED and len(ranges) > 1:
        low, high = min(r.low for r in ranges[1:]), max(r.high for r in ranges[1:])
    else:
        return (ZERO, weight), False
    return (weight * low, weight * high), True


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
    allowed, banded = allowed_points(indicator, current, weight, scoring)
    return IndicatorScore(
        indicator=indicator.id,
        name=indicator.name,
        status=current,
        weight=weight,
        points=points,
        typed=indicator.score.value if indicator.score is not None else None,
        allowed=allowed,
        banded=banded,
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
    applicable: list[Indicator] = []
    dropped: list[Indicator] = []
    for indicator in state.indicators:
        not_applicable = status(indicator, scheme.indicators) is IndicatorStatus.NOT_APPLICABLE
        (dropped if not_applicable else applicable).append(indicator)
    weights = _weights(applicable, scoring.indicator_points)
    if scoring.not_applicable_weight is NotApplicableWeight.SIBLINGS:
        weights = _to_siblings(weights, applicable, dropped)
    scores = tuple(_indicator_points(i, weights[i.id], scheme) for i in applicable)
    indicator_points = round_points(total(s.points for s in scores))
    typed_budget = state.execution_score.value if state.execution_score is not None else None
    counted_budget = budget_points if typed_budget is None else typed_budget
    counted = counted_budget + round_points(total(s.counted for s in scores))
    by_rule = budget_points + indicator_points
    if scoring.cap_by_execution_rate:
        cap = round_points(Decimal(100) * rate)
        counted, by_rule = min(counted, cap), min(by_rule, cap)
    return ScoreCard(
        execution_rate=rate,
        budget_points=budget_points,
        indicators=scores,
        indicator_points=indicator_points,
        total=counted,
        grade=grade_for(scheme, counted),
        budget_typed=typed_budget,
        rule_total=by_rule,
    )
