"""Typed 得分 beside the rule's figure, targets changed during the year, the new indicator
fields, and the scheme settings that govern them (decision 0730)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.workflow.report_builders import KEY, PREPARER, run, run_all, seed_draft
from workflow.checks import submission_notices, submission_problems
from workflow.commands import (
    AddIndicator,
    AdjustIndicatorTarget,
    RecordIndicatorActual,
    SetExecutionScore,
    SetIndicatorScore,
)
from workflow.errors import InvalidValue
from workflow.natures import Nature
from workflow.report import ReportState
from workflow.report_events import IndicatorTargetAdjusted
from workflow.schemes import NotApplicableWeight, Scheme, load_scheme
from workflow.scoring import score
from workflow.targets import IndicatorStatus
from workflow.typed_scores import score_differences

NATIONAL = "national-10-90"
SHARE = Decimal(90) / 34  # the seed's 34 indicators share 90 points: 2.65 each, rounded


def _scheme(state: ReportState, **scoring: object) -> ReportState:
    scheme = state.require_scheme()
    changed = scheme.scoring.model_copy(update=scoring)
    return state.model_copy(update={"scheme": scheme.model_copy(update={"scoring": changed})})


def _national(**scoring: object) -> tuple[ReportState, Scheme]:
    state = _scheme(seed_draft(NATIONAL), **scoring)
    return state, state.require_scheme()


def _refusal(state: ReportState, command, scheme: Scheme | None = None) -> str:
    with pytest.raises(InvalidValue) as error:
        run(state, command, PREPARER, scheme)
    return str(error.value)


def test_a_typed_score_counts_and_the_rule_is_kept_beside_it() -> None:
    state, scheme = _national()
    state = run_all(
        state,
        [
            (SetIndicatorScore(**KEY, indicator="d03", score="2分"), PREPARER),
            (SetExecutionScore(**KEY, score="9"), PREPARER),
        ],
        scheme,
    )
    assert state.indicator("d03").score.raw == "2分"
    assert state.execution_score.value == 9
    card = score(state)
    item = next(s for s in card.indicators if s.indicator == "d03")
    assert (item.typed, item.points, item.differs()) == (2, SHARE, True)
    # The total counts what was typed; the rule's own total is kept beside it.
    assert card.rule_total == Decimal("97.35")
    # 9 for the budget, and 2 in place of d03's exact 90/34: 9 + 33 × 90/34 − 90/34 + 2.
    assert card.total == Decimal("95.71")
    assert card.grade == "优"
    assert submission_notices(state)[-2:] == [
        "预算执行率 得分: typed 9, the rule gives 10 (执行率 100.00% × 分值 10, at most the 分值)",
        "indicator d03 开展初级培训 得分: typed 2, the rule gives 2.65 (met, 分值 2.65)",
    ]


def test_a_typed_score_equal_to_the_rule_is_no_difference() -> None:
    state, scheme = _national()
    state = run(state, SetIndicatorScore(**KEY, indicator="d03", score="2.65"), PREPARER, scheme)
    assert score_differences(state, score(state)) == []
    # A blank clears it.
    cleared = run(state, SetIndicatorScore(**KEY, indicator="d03", score=" "), PREPARER, scheme)
    assert cleared.indicator("d03").score is None


@pytest.mark.parametrize(
    ("indicator", "typed", "message"),
    [
        ("d03", "3", "indicator 开展初级培训 得分: got '3', expected at most its 分值 2.65"),
        (
            "d03",
            "-1",
            "indicator 开展初级培训 得分: got '-1', expected a number of points >= 0 "
            "(at most 2 decimals)",
        ),
        (
            "d03",
            "2.655",
            "indicator 开展初级培训 得分: got '2.655', expected a number of points "
            ">= 0 (at most 2 decimals)",
        ),
        # 规范 answered 规范: achieved, so 80–100% of its 分值.
        (
            "m01",
            "2",
            "indicator 预算编制规范性 得分: got '2', expected 2.12–2.65 of its 分值 2.65 "
            "(达成年度指标: the target is met)",
        ),
    ],
)
def test_a_score_above_its_points_or_outside_its_band_is_refused(indicator, typed, message) -> None:
    state, scheme = _national()
    assert _refusal(state, SetIndicatorScore(**KEY, indicator=indicator, score=typed), scheme) == (
        message
    )


def test_a_missed_qualitative_target_takes_the_lower_bands() -> None:
    state, scheme = _national()
    state = run(
        state,
        RecordIndicatorActual(
            **KEY, indicator="m01", actual="不规范", deviation_reason="制度未完善"
        ),
        PREPARER,
        scheme,
    )
    assert _refusal(state, SetIndicatorScore(**KEY, indicator="m01", score="2.5"), scheme) == (
        "indicator 预算编制规范性 得分: got '2.5', expected 0–2.12 of its 分值 2.65 "
        "(部分达成并具有一定效果 / 未达成且效果较差: the target is missed)"
    )
    state = run(state, SetIndicatorScore(**KEY, indicator="m01", score="1.8"), PREPARER, scheme)
    # Within its band, a qualitative 得分 is the preparer's judgement: no difference listed.
    assert score_differences(state, score(state)) == []


def test_a_score_the_rules_no_longer_allow_blocks_submission() -> None:
    state, scheme = _national()
    state = run(state, SetIndicatorScore(**KEY, indicator="m01", score="2.5"), PREPARER, scheme)
    state = run(
        state,
        RecordIndicatorActual(
            **KEY, indicator="m01", actual="不规范", deviation_reason="制度未完善"
        ),
        PREPARER,
        scheme,
    )
    assert (
        "indicator 预算编制规范性 得分: got '2.5', expected 0–2.12 of its 分值 2.65 "
        "(部分达成并具有一定效果 / 未达成且效果较差: the target is missed)"
    ) in submission_problems(state)


@pytest.mark.parametrize("needs_reason", [True, False])
def test_whether_a_deduction_needs_a_reason_is_the_schemes(needs_reason: bool) -> None:
    state, scheme = _national(deduction_needs_reason=needs_reason)
    # d03 met its target: a deduction of 0.65 points, and no 偏差原因 typed.
    state = run(state, SetIndicatorScore(**KEY, indicator="d03", score="2"), PREPARER, scheme)
    problem = (
        "indicator 开展初级培训 偏差原因分析: got '', expected a reason (得分 2 is below its "
        "分值 2.65)"
    )
    assert (problem in submission_problems(state)) is needs_reason
    explained = run(
        state,
        RecordIndicatorActual(
            **KEY, indicator="d03", actual="2910人次", deviation_reason="质量不足"
        ),
        PREPARER,
        scheme,
    )
    assert problem not in submission_problems(explained)


def _with_weighted(state: ReportState, scheme: Scheme) -> ReportState:
    """Three weighted 满意度 indicators, one of them not applicable."""
    steps = [
        (
            AddIndicator(
                **KEY,
                indicator=f"s{n}",
                category="满意度指标",
                name=f"满意度{n}",
                target="≥90%",
                weight=weight,
            ),
            PREPARER,
        )
        for n, weight in ((1, "6"), (2, "3"), (3, "3"))
    ]
    steps += [
        (RecordIndicatorActual(**KEY, indicator="s1", actual="95"), PREPARER),
        (RecordIndicatorActual(**KEY, indicator="s2", actual="95%"), PREPARER),
        (RecordIndicatorActual(**KEY, indicator="s3", actual="/"), PREPARER),
    ]
    return run_all(state, steps, scheme)


@pytest.mark.parametrize(
    ("setting", "weights"),
    [
        (NotApplicableWeight.DROP, (Decimal(6), Decimal(3))),
        (NotApplicableWeight.SIBLINGS, (Decimal(8), Decimal(4))),
    ],
)
def test_the_weight_of_a_row_not_applicable_drops_or_goes_to_its_siblings(setting, weights) -> None:
    state, scheme = _national(not_applicable_weight=setting)
    card = score(_with_weighted(state, scheme))
    scored = {s.indicator: s.weight for s in card.indicators}
    assert "s3" not in scored
    assert (scored["s1"], scored["s2"]) == weights


def test_a_bare_actual_takes_the_targets_unit_and_achieved_answers_meet_a_grade() -> None:
    state, scheme = _national()
    state = _with_weighted(state, scheme)
    assert state.indicator("s1").actual.describe() == "95%"
    assert state.indicator("s1").actual.raw == "95"
    # 完成 answers 规范: one of the scheme's answers meaning "achieved".
    done = run(
        state, RecordIndicatorActual(**KEY, indicator="m01", actual="完成"), PREPARER, scheme
    )
    card = score(done)
    assert next(s for s in card.indicators if s.indicator == "m01").status is IndicatorStatus.MET
    # An answer the scheme does not list is a miss, as before.
    other = run(
        state,
        RecordIndicatorActual(**KEY, indicator="m01", actual="较好", deviation_reason="部分规范"),
        PREPARER,
        scheme,
    )
    card = score(other)
    assert next(s for s in card.indicators if s.indicator == "m01").status is IndicatorStatus.MISSED


def test_an_indicator_typed_in_the_forms_cells() -> None:
    state, scheme = _national()
    state = run(
        state,
        AddIndicator(
            **KEY,
            indicator="k1",
            category="产出指标",
            name="结余率",
            target="5",
            nature="≦",
            unit="百分比",
            core=True,
            weight="5",
        ),
        PREPARER,
        scheme,
    )
    added = state.indicator("k1")
    assert (added.target.raw, added.target.describe(), added.nature, added.unit, added.core) == (
        "≦5百分比",
        "≤5%",
        Nature.AT_MOST,
        "%",
        True,
    )
    assert added.lower_is_better  # an at-most nature is a ceiling
    typed_whole = run(
        seed_draft(NATIONAL),
        AddIndicator(**KEY, indicator="k1", category="产出指标", name="结余率", target="≤5%"),
        PREPARER,
        scheme,
    )
    whole = typed_whole.indicator("k1")
    assert (whole.kind(), whole.unit, whole.nature) == (Nature.AT_MOST, "%", None)
    assert whole.target.model_dump(exclude={"raw"}) == added.target.model_dump(exclude={"raw"})
    assert (
        _refusal(
            seed_draft(NATIONAL),
            AddIndicator(
                **KEY,
                indicator="k1",
                category="产出指标",
                name="结余率",
                target="5",
                nature="约",
                unit="%",
            ),
            scheme,
        )
        == "indicator 结余率 target 指标性质: got '约', expected one of =, ≥, ≤, >, <, 定性, 定量"
    )


def test_a_target_changed_during_the_year_keeps_the_initial_one_and_the_reason() -> None:
    state, scheme = _national()
    adjust = AdjustIndicatorTarget(**KEY, indicator="d03", target="3000", reason="年中追加培训任务")
    from tests.workflow.report_builders import context
    from workflow.decisions import Context, decide

    events = decide(state, adjust, PREPARER, context(scheme))
    assert [type(e) for e in events] == [IndicatorTargetAdjusted]
    (event,) = events
    assert (event.previous.raw, event.target.raw, event.reason) == (
        "2400 人次",
        "3000 人次",
        "年中追加培训任务",
    )
    assert isinstance(context(scheme), Context)
    after = run(state, adjust, PREPARER, scheme)
    changed = after.indicator("d03")
    assert (changed.initial_target.raw, changed.target.raw) == ("2400 人次", "3000 人次")
    # The actual 2910 is now judged against the adjusted 3000: missed.
    card = score(after)
    assert next(s for s in card.indicators if s.indicator == "d03").status is IndicatorStatus.MISSED
    # A second change keeps the 年初指标值.
    again = run(
        after,
        AdjustIndicatorTarget(**KEY, indicator="d03", target="2800 人次", reason="再次调整"),
        PREPARER,
        scheme,
    )
    assert (again.indicator("d03").initial_target.raw, again.indicator("d03").target.raw) == (
        "2400 人次",
        "2800 人次",
    )


@pytest.mark.parametrize(
    ("target", "reason", "message"),
    [
        (
            "2400",
            "重复",
            "indicator 开展初级培训 调整指标值: got '2400 人次', expected a target "
            "other than the current '2400 人次'",
        ),
        (
            "3000 个",
            "改单位",
            "indicator 开展初级培训 调整指标值 度量单位: got '人次', expected the "
            "unit of the target '3000 个' (个)",
        ),
        (
            "3000",
            " ",
            "indicator 开展初级培训 调整指标值 reason: got ' ', expected the reason the "
            "target was changed during the year",
        ),
        (
            "规范",
            "改为定性",
            "indicator 开展初级培训 调整指标值 指标性质: got '定量', expected 定性: "
            "the target '规范' is a qualitative grade",
        ),
    ],
)
def test_a_target_change_that_is_none_is_refused(target, reason, message) -> None:
    state, scheme = _national()
    command = AdjustIndicatorTarget(**KEY, indicator="d03", target=target, reason=reason)
    assert _refusal(state, command, scheme) == message


def test_typed_scores_under_a_scheme_that_does_not_score_are_kept_up_to_their_points() -> None:
    state = seed_draft()
    scheme = load_scheme("default")
    state = run(
        state,
        AddIndicator(
            **KEY, indicator="k1", category="产出指标", name="结余率", target="≤5%", weight="10"
        ),
        PREPARER,
        scheme,
    )
    kept = run(state, SetIndicatorScore(**KEY, indicator="k1", score="9"), PREPARER, scheme)
    assert kept.indicator("k1").score.value == 9 and score(kept) is None
    assert _refusal(state, SetIndicatorScore(**KEY, indicator="k1", score="11"), scheme) == (
        "indicator 结余率 得分: got '11', expected at most its 分值 10"
    )


def test_a_budget_score_above_its_points_is_refused() -> None:
    state, scheme = _national()
    assert _refusal(state, SetExecutionScore(**KEY, score="11"), scheme) == (
        "预算执行率 得分: got '11', expected at most its 分值 10"
    )
