"""The target/actual parser: every shape in the seed, and the typos it must refuse."""

from __future__ import annotations

from decimal import Decimal

import pytest

from workflow.errors import InvalidValue
from workflow.indicators import Indicator, direction_of, status
from workflow.schemes import IndicatorRules
from workflow.targets import (
    Comparator,
    DeviationKind,
    IndicatorStatus,
    MeasureKind,
    parse_deviation,
    parse_measure,
)

Q, G = MeasureKind.QUANTITY, MeasureKind.GRADE
C = Comparator


@pytest.mark.parametrize(
    ("raw", "kind", "comparator", "value", "unit", "grade"),
    [
        ("2 场", Q, C.BARE, "2", "场", None),
        ("15900 人次", Q, C.BARE, "15900", "人次", None),
        ("50 万元", Q, C.BARE, "50", "万元", None),
        ("4 个", Q, C.BARE, "4", "个", None),
        ("2 所", Q, C.BARE, "2", "所", None),
        ("≥10 人", Q, C.AT_LEAST, "10", "人", None),
        ("≥15%", Q, C.AT_LEAST, "15", "%", None),
        (">15%", Q, C.MORE_THAN, "15", "%", None),
        ("≥90%", Q, C.AT_LEAST, "90", "%", None),
        ("100%及以下", Q, C.AT_MOST, "100", "%", None),
        ("100%及其以下", Q, C.AT_MOST, "100", "%", None),
        ("100%\n及其以\n下", Q, C.AT_MOST, "100", "%", None),
        ("100%", Q, C.BARE, "100", "%", None),
        ("0%", Q, C.BARE, "0", "%", None),
        ("7.6%", Q, C.BARE, "7.6", "%", None),
        ("2910人\n\n次", Q, C.BARE, "2910", "人次", None),
        ("156 万\n元", Q, C.BARE, "156", "万元", None),
        ("１００％", Q, C.BARE, "100", "%", None),
        ("不低于 95%", Q, C.AT_LEAST, "95", "%", None),
        ("规范", G, None, None, None, "规范"),
        ("健全", G, None, None, None, "健全"),
        ("合规", G, None, None, None, "合规"),
        ("完成", G, None, None, None, "完成"),
        ("/", MeasureKind.NOT_APPLICABLE, None, None, None, None),
    ],
)
def test_every_seed_shape_parses_and_keeps_the_raw_text(
    raw: str,
    kind: MeasureKind,
    comparator: Comparator | None,
    value: str | None,
    unit: str | None,
    grade: str | None,
) -> None:
    measure = parse_measure(raw, subject="cell")
    assert measure.raw == raw
    assert measure.kind is kind
    assert measure.comparator == comparator
    assert measure.value == (Decimal(value) if value is not None else None)
    assert (measure.unit, measure.grade) == (unit, grade)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            "100&",
            "x: got '100&', expected a number with a unit, a comparison or a qualitative grade "
            "— did you mean '100%'?",
        ),
        (
            "5 人人次",
            "x: got '5 人人次', expected a number with one unit — the unit '人人次' repeats "
            "'人'; did you mean '5 人次'?",
        ),
        (
            "100",
            "x: got '100', expected a number with a unit, a comparison or a qualitative grade "
            "— add the unit, e.g. '100 个'",
        ),
        (
            "≥10 人以上",
            "x: got '≥10 人以上', expected one comparison, before the number (≥, >) or after it "
            "(及以下)",
        ),
        (
            "",
            "x: got '', expected a number with a unit, a comparison or a qualitative grade "
            "(or '/' when not applicable)",
        ),
        (
            "1O0%",
            "x: got '1O0%', expected a number with a unit, a comparison or a qualitative grade",
        ),
        (
            "good!",
            "x: got 'good!', expected a number with a unit, a comparison or a qualitative grade",
        ),
    ],
)
def test_what_cannot_be_understood_is_refused(raw: str, message: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_measure(raw, subject="x")
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("raw", "kind", "reason"),
    [
        ("……", DeviationKind.NONE, None),
        ("...", DeviationKind.NONE, None),
        ("无", DeviationKind.NONE, None),
        ("/", DeviationKind.NOT_APPLICABLE, None),
        ("实际报名\n\n人数多", DeviationKind.REASON, "实际报名 人数多"),
        ("压缩预算", DeviationKind.REASON, "压缩预算"),
    ],
)
def test_deviation_cells(raw: str, kind: DeviationKind, reason: str | None) -> None:
    deviation = parse_deviation(raw, subject="x")
    assert deviation is not None
    assert (deviation.kind, deviation.reason, deviation.raw) == (kind, reason, raw)


def test_blank_deviation_is_nothing_typed() -> None:
    assert parse_deviation(None, subject="x") is None
    assert parse_deviation("  ", subject="x") is None


def _indicator(target: str, actual: str | None, lower: bool = False) -> Indicator:
    parsed = parse_measure(target, subject="t")
    return Indicator(
        id="i",
        category="c",
        name="n",
        target=parsed,
        lower_is_better=direction_of(parsed, lower, subject="t"),
        actual=parse_measure(actual, subject="a") if actual is not None else None,
    )


RULES = IndicatorRules()


@pytest.mark.parametrize(
    ("target", "actual", "lower", "expected"),
    [
        ("200 人", "1018人", False, IndicatorStatus.OVERSHOT),
        ("200 人", "259 人", False, IndicatorStatus.MET),
        ("200 人", "260 人", False, IndicatorStatus.OVERSHOT),
        ("200 人", "199 人", False, IndicatorStatus.MISSED),
        ("0%", "7.6%", True, IndicatorStatus.MISSED),
        ("0%", "0%", True, IndicatorStatus.MET),
        ("100%及以下", "100%及其以下", False, IndicatorStatus.MET),
        ("100%及以下", "101%", False, IndicatorStatus.MISSED),
        (">15%", "15%", False, IndicatorStatus.MISSED),
        (">15%", "20%", False, IndicatorStatus.MET),
        ("≥50%", "100%", False, IndicatorStatus.MET),
        ("规范", "规范", False, IndicatorStatus.MET),
        ("规范", "基本规范", False, IndicatorStatus.MISSED),
        ("2 场", "/", False, IndicatorStatus.NOT_APPLICABLE),
        ("2 场", None, False, IndicatorStatus.PENDING),
    ],
)
def test_status(target: str, actual: str | None, lower: bool, expected: IndicatorStatus) -> None:
    assert status(_indicator(target, actual, lower), RULES) is expected


def test_overshoot_threshold_and_percentages_are_scheme_settings() -> None:
    strict = IndicatorRules(
        overshoot_threshold=Decimal("0.20"), overshoot_applies_to_percentages=True
    )
    assert status(_indicator("25 万元", "32 万元"), RULES) is IndicatorStatus.MET
    assert status(_indicator("25 万元", "32 万元"), strict) is IndicatorStatus.OVERSHOT
    assert status(_indicator("≥50%", "100%"), strict) is IndicatorStatus.OVERSHOT


def test_an_at_least_target_cannot_be_lower_is_better() -> None:
    with pytest.raises(InvalidValue) as caught:
        _indicator("≥10 人", "5 人", lower=True)
    assert str(caught.value) == (
        "t: got '≥10 人', expected an at-most or bare target for a lower-is-better indicator"
    )
