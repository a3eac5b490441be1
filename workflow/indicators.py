"""Performance indicators (绩效指标) and their status against the target.

Direction: a *bare* target (``2 场``, ``100%``, ``0%``) means "at least" unless the
indicator is marked lower-is-better (预算调整率), where it means "at most". An explicit
at-most target (``100%及以下``) makes the indicator lower-is-better by itself.
"""

from __future__ import annotations

from decimal import Decimal

from workflow.amounts import convert
from workflow.errors import InvalidValue
from workflow.natures import Nature, nature_of
from workflow.points import Points
from workflow.schemes import IndicatorRules
from workflow.targets import Comparator, Deviation, IndicatorStatus, Measure, MeasureKind
from workflow.values import Value

_AT_LEAST = (Comparator.AT_LEAST, Comparator.MORE_THAN)


class Indicator(Value):
    """One row of the indicator table: where it sits, its target, and what was achieved."""

    id: str
    category: str
    project: str | None = None
    budget_line: str | None = None
    name: str
    target: Measure
    lower_is_better: bool = False
    weight: Decimal | None = None
    actual: Measure | None = None
    deviation: Deviation | None = None
    grade: str | None = None
    #: 指标性质 as typed (normalised); None when the target was typed whole (see :meth:`kind`).
    nature: Nature | None = None
    #: 是否核心指标.
    core: bool = False
    #: 年初指标值, once the target was adjusted during the year (``target`` is then the
    #: 调整指标值), with the reason of the last adjustment.
    initial_target: Measure | None = None
    adjustment_reason: str = ""
    #: 得分 as the preparer typed it (jixiao computes the rule's figure beside it).
    score: Points | None = None

    @property
    def unit(self) -> str | None:
        """度量单位: the target's unit (None for a grade or ``/``)."""
        return self.target.unit

    def kind(self) -> Nature | None:
        """指标性质: as typed, or as the target says (``≥10 人`` is ≥, ``规范`` 定性)."""
        return self.nature or nature_of(self.target)

    def bound(self) -> Comparator:
        """The comparator the actual is judged by: a bare target takes the direction."""
        comparator = self.target.comparator or Comparator.BARE
        if comparator is Comparator.BARE:
            return Comparator.AT_MOST if self.lower_is_better else Comparator.AT_LEAST
        return comparator


def direction_of(target: Measure, lower_is_better: bool, *, subject: str) -> bool:
    """Whether an indicator with ``target`` is lower-is-better; reject a contradiction."""
    comparator = target.comparator
    if comparator in (Comparator.AT_MOST, Comparator.LESS_THAN):
        return True
    if comparator in _AT_LEAST and lower_is_better:
        raise InvalidValue(
            subject, target.raw, "an at-most or bare target for a lower-is-better indicator"
        )
    return lower_is_better


def check_actual_fits(target: Measure, actual: Measure, *, subject: str) -> None:
    """Reject an actual that cannot be compared with the target (other kind or unit)."""
    kinds = {target.kind, actual.kind}
    if MeasureKind.NOT_APPLICABLE in kinds:
        return
    if target.kind is not actual.kind:
        shape = "a qualitative grade" if target.kind is MeasureKind.GRADE else "a number"
        raise InvalidValue(subject, actual.raw, f"{shape} like the target '{target.raw}'")
    if target.kind is MeasureKind.QUANTITY:
        assert target.unit is not None and actual.unit is not None
        if convert(Decimal(1), actual.unit, target.unit) is None:
            raise InvalidValue(
                subject, actual.raw, f"a value in {target.unit} like the target '{target.raw}'"
            )


def _satisfies(actual: Decimal, comparator: Comparator, target: Decimal) -> bool:
    return {
        Comparator.AT_LEAST: actual >= target,
        Comparator.MORE_THAN: actual > target,
        Comparator.AT_MOST: actual <= target,
        Comparator.LESS_THAN: actual < target,
        Comparator.BARE: actual == target,
    }[comparator]


def actual_in_target_unit(indicator: Indicator) -> Decimal | None:
    """The actual's number converted to the target's unit (None for grades or blanks)."""
    target, actual = indicator.target, indicator.actual
    if actual is None or actual.value is None or target.unit is None or actual.unit is None:
        return None
    return convert(actual.value, actual.unit, target.unit)


def status(indicator: Indicator, rules: IndicatorRules) -> IndicatorStatus:
    """met / missed / overshot / not applicable, or pending while no actual is recorded."""
    target, actual = indicator.target, indicator.actual
    if actual is None:
        return IndicatorStatus.PENDING
    if MeasureKind.NOT_APPLICABLE in (target.kind, actual.kind):
        return IndicatorStatus.NOT_APPLICABLE
    if target.kind is MeasureKind.GRADE:
        answered = actual.grade == target.grade or actual.grade in rules.achieved_answers
        return IndicatorStatus.MET if answered else IndicatorStatus.MISSED
    achieved = actual_in_target_unit(indicator)
    assert achieved is not None and target.value is not None
    comparator = indicator.bound()
    if not _satisfies(achieved, comparator, target.value):
        return IndicatorStatus.MISSED
    overshoot_counts = rules.overshoot_applies_to_percentages or not target.is_percentage
    if (
        comparator in _AT_LEAST
        and overshoot_counts
        and target.value > 0
        and achieved >= target.value * (1 + rules.overshoot_threshold)
    ):
        return IndicatorStatus.OVERSHOT
    return IndicatorStatus.MET


def reason_problem(indicator: Indicator, rules: IndicatorRules) -> str | None:
    """The submission problem if the status needs a deviation reason and none was given."""
    current = status(indicator, rules)
    if current not in rules.reason_required_for:
        return None
    if indicator.deviation is not None and indicator.deviation.reason:
        return None
    given = indicator.deviation.raw if indicator.deviation is not None else ""
    return (
        f"indicator {indicator.name} 偏差原因分析: got {given!r}, expected a reason "
        f"(the actual {indicator.actual.raw if indicator.actual else ''!r} is {current} "
        f"against the target {indicator.target.raw!r})"
    )
