"""Scoring is a property of the scheme: unscored by default, 10 + 90 under the national one."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.workflow.report_builders import HEAD, KEY, PREPARER, run_all, seed_draft, state_at
from workflow.commands import (
    GradeIndicator,
    RecordActualSpending,
    RecordIndicatorActual,
    SubmitReport,
)
from workflow.report import ReportState
from workflow.schemes import Scoring, load_scheme
from workflow.scoring import grade_for, score
from workflow.stages import Stage
from workflow.targets import IndicatorStatus

NATIONAL = "national-10-90"


def _with_scoring(state: ReportState, **changes: object) -> ReportState:
    scheme = state.require_scheme()
    scoring = scheme.scoring.model_copy(update=changes)
    return state.model_copy(update={"scheme": scheme.model_copy(update={"scoring": scoring})})


def test_the_default_scheme_does_not_score() -> None:
    assert score(seed_draft()) is None


def test_the_seed_under_the_national_scheme() -> None:
    card = score(seed_draft(NATIONAL))
    assert card is not None
    assert card.execution_rate == 1 and card.budget_points == Decimal("10.00")
    weight = Decimal(90) / 34
    assert all(s.weight == weight for s in card.indicators)
    missed = [s for s in card.indicators if s.status is IndicatorStatus.MISSED]
    # 预算调整率: target 0% lower-is-better, actual 7.6% → target / actual × weight = 0.
    assert [(s.name, s.points) for s in missed] == [("预算调整率", 0)]
    assert card.indicator_points == (weight * 33).quantize(Decimal("0.01")) == Decimal("87.35")
    assert card.total == Decimal("97.35")
    assert card.grade == "优"


def test_proportional_points_for_a_shortfall() -> None:
    state = run_all(
        seed_draft(NATIONAL),
        [
            (
                RecordIndicatorActual(
                    **KEY, indicator="d03", actual="1200 人次", deviation_reason="疫情"
                ),
                PREPARER,
            )
        ],
        load_scheme(NATIONAL),
    )
    card = score(state)
    assert card is not None
    d03 = next(s for s in card.indicators if s.indicator == "d03")
    assert d03.status is IndicatorStatus.MISSED and d03.points == d03.weight / 2


def test_lower_is_better_shortfall_scores_target_over_actual() -> None:
    state = seed_draft(NATIONAL)
    m04 = state.indicator("m04")
    assert m04 is not None
    worse = m04.model_copy(
        update={"actual": m04.actual.model_copy(update={"value": Decimal(125), "comparator": None})}  # type: ignore[union-attr]
    )
    state = state.model_copy(
        update={"indicators": tuple(worse if i.id == "m04" else i for i in state.indicators)}
    )
    card = score(state)
    assert card is not None
    m04_score = next(s for s in card.indicators if s.indicator == "m04")
    assert m04_score.points == m04_score.weight * Decimal(100) / Decimal(125)


def test_reviewers_grade_qualitative_indicators_in_bands() -> None:
    submitted = state_at(Stage.SUBMITTED, NATIONAL)
    graded = run_all(
        submitted,
        [(GradeIndicator(**KEY, indicator="m01", band="良"), HEAD)],
        load_scheme(NATIONAL),
    )
    assert graded.indicator("m01").grade == "良"  # type: ignore[union-attr]
    card = score(graded)
    assert card is not None
    m01 = next(s for s in card.indicators if s.indicator == "m01")
    assert m01.points == m01.weight * Decimal("0.8")


def test_overshoot_deduction_and_execution_rate_cap_are_optional() -> None:
    base = seed_draft(NATIONAL)
    deducted = score(_with_scoring(base, overshoot_deduction=Decimal("0.1")))
    plain = score(base)
    assert deducted is not None and plain is not None
    weight = Decimal(90) / 34
    # 9 overshot indicators each lose a tenth of their weight: 33 - 0.9 = 32.1 weights.
    assert deducted.indicator_points == (weight * Decimal("32.1")).quantize(Decimal("0.01"))
    assert deducted.indicator_points == Decimal("84.97") < plain.indicator_points
    underspent = run_all(
        base,
        [(RecordActualSpending(**KEY, line="basic", amount="200"), PREPARER)],
        load_scheme(NATIONAL),
    )
    capped = score(_with_scoring(underspent, cap_by_execution_rate=True))
    uncapped = score(underspent)
    assert capped is not None and uncapped is not None
    rate = Decimal("236.25") / Decimal("279.08")
    assert uncapped.budget_points == (10 * rate).quantize(Decimal("0.01"))
    assert capped.total == (100 * rate).quantize(Decimal("0.01")) == Decimal("84.65")
    assert capped.grade == "良"


@pytest.mark.parametrize(
    ("points", "grade"),
    [
        ("100", "优"),
        ("90", "优"),
        ("89.99", "良"),
        ("80", "良"),
        ("60", "中"),
        ("59.99", "差"),
        ("0", "差"),
    ],
)
def test_grade_bands(points: str, grade: str) -> None:
    assert grade_for(load_scheme(NATIONAL), Decimal(points)) == grade


def test_scoring_settings_default_to_off() -> None:
    assert Scoring().enabled is False
    assert run_all(seed_draft(), [(SubmitReport(**KEY), PREPARER)]).stage is Stage.SUBMITTED
