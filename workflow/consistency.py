"""Consistency notices: where a narrative headline figure and an indicator's actual nearly
agree, but not exactly.

The seed says 全年共接收社会捐赠款物 156.86 万元 in section 1.3 and 156 万元 for indicator d07
爱心款物募集 in the 自评价表. Both may be right (the table rounds, the narrative includes gifts
in kind valued later), so a notice points the pair out to reviewers and blocks nothing:
submission, approval and sign-off never look at notices (docs/decisions/0106).

The rule, on the parsed values (never the text again):

* a figure and an actual are compared only when both are plain numbers (no ≥, 以下 …) in
  the same unit, exactly as typed (万元 with 万元; 元 and 万元 are not converted);
* they are *close* when they differ by at most 1% of the larger one, and not equal as
  decimals (156 and 156.0 are equal);
* each indicator is compared with the figure(s) nearest to its actual: if the narrative
  states the actual exactly, there is no notice, and a farther figure that happens to be
  within 1% (发放救助款物 154.59 万元, money paid out, against d07's 156 万元 raised) is
  another quantity, not a disagreement.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from workflow.narrative import Figure
from workflow.report import ReportState
from workflow.targets import Comparator, Measure, MeasureKind

#: The largest difference still taken for the same quantity, relative to the larger value.
TOLERANCE = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Notice:
    """A narrative figure and an indicator's actual that nearly agree: each as typed."""

    section: str
    figure: str
    label: str
    figure_raw: str
    indicator: str
    name: str
    actual_raw: str

    @property
    def message(self) -> str:
        """One line naming both sides as typed, e.g. ``section 1.3 figure 接收社会捐赠款物
        156.86 万元 differs from indicator d07 爱心款物募集 actual 156 万元``."""
        # Typed cells may wrap; a notice, like an error, is one line.
        text = (
            f"section {self.section} figure {self.label} {self.figure_raw} differs from "
            f"indicator {self.indicator} {self.name} actual {self.actual_raw}"
        )
        return " ".join(text.split())


def _point(measure: Measure | None) -> tuple[Decimal, str] | None:
    """A measure's number and unit, if it is a plain number: a bound (≥10 人) is no point."""
    if (
        measure is None
        or measure.kind is not MeasureKind.QUANTITY
        or measure.comparator not in (None, Comparator.BARE)
        or measure.value is None
        or not measure.unit
    ):
        return None
    return measure.value, measure.unit


def is_close(a: Decimal, b: Decimal, tolerance: Decimal = TOLERANCE) -> bool:
    """Whether ``a`` and ``b`` differ, by at most ``tolerance`` of the larger magnitude."""
    return a != b and abs(a - b) <= tolerance * max(abs(a), abs(b))


@dataclass(frozen=True, slots=True)
class _Stated:
    """A narrative figure that is a plain number, with where it stands in the report."""

    order: tuple[tuple[int, ...], int]
    section: str
    figure: Figure
    value: Decimal
    unit: str


def _stated_figures(state: ReportState) -> list[_Stated]:
    stated = []
    for section in state.sections:
        key = tuple(int(part) for part in section.id.split("."))
        for index, figure in enumerate(section.figures):
            if (point := _point(figure.value)) is not None:
                stated.append(_Stated((key, index), section.id, figure, *point))
    return stated


def consistency_notices(state: ReportState) -> list[Notice]:
    """Every narrative figure that nearly, but not exactly, states an indicator's actual,
    in section order (then figure, then indicator order); empty when all agree."""
    figures = _stated_figures(state)
    found: list[tuple[tuple[tuple[int, ...], int], int, Notice]] = []
    for position, indicator in enumerate(state.indicators):
        point = _point(indicator.actual)
        if point is None or indicator.actual is None:
            continue
        actual, unit = point
        same_unit = [f for f in figures if f.unit == unit]
        if not same_unit:
            continue
        nearest = min(abs(f.value - actual) for f in same_unit)
        for stated in same_unit:
            if abs(stated.value - actual) == nearest and is_close(stated.value, actual):
                notice = Notice(
                    section=stated.section,
                    figure=stated.figure.key,
                    label=stated.figure.label,
                    figure_raw=stated.figure.value.raw,
                    indicator=indicator.id,
                    name=indicator.name,
                    actual_raw=indicator.actual.raw,
                )
                found.append((stated.order, position, notice))
    found.sort(key=lambda item: item[:2])
    return [notice for _, _, notice in found]
