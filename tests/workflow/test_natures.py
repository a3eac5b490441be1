"""指标性质 and 度量单位 as fields of their own: the normaliser, and the target they make."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow.errors import InvalidValue
from workflow.natures import Nature, compose_target, nature_of, parse_nature, parse_unit
from workflow.targets import Comparator, MeasureKind, parse_measure

SUBJECT = "indicator 结余率 target"

#: Every way a form prints each nature: ASCII, full-width, compatibility and word forms.
SPELLINGS = {
    Nature.EQUAL: ["=", "＝", "=="],
    Nature.AT_LEAST: ["≥", "≧", "⩾", ">=", "＞＝", "=>"],
    Nature.AT_MOST: ["≤", "≦", "⩽", "<=", "＜＝", "=<"],
    Nature.MORE_THAN: [">", "＞", "﹥"],
    Nature.LESS_THAN: ["<", "＜", "﹤"],
    Nature.QUALITATIVE: ["定性", "定性指标"],
    Nature.QUANTITATIVE: ["定量", "定量指标"],
}


@pytest.mark.parametrize(
    ("typed", "nature"),
    [(typed, nature) for nature, forms in SPELLINGS.items() for typed in forms],
)
def test_every_printed_form_of_a_nature_is_read_as_it(typed: str, nature: Nature) -> None:
    assert parse_nature(typed, subject="指标性质") is nature


@given(
    nature=st.sampled_from(sorted(SPELLINGS, key=str)),
    data=st.data(),
    spaces=st.lists(st.sampled_from([" ", "\u3000", "\t"]), max_size=3),
)
def test_the_normaliser_ignores_width_and_spaces(nature: Nature, data, spaces) -> None:
    typed = data.draw(st.sampled_from(SPELLINGS[nature]))
    padded = "".join(spaces) + typed + "".join(reversed(spaces))
    assert parse_nature(padded, subject="指标性质") is nature
    # Its NFKC form, and the normalised sign itself, read the same.
    assert parse_nature(unicodedata.normalize("NFKC", padded), subject="指标性质") is nature
    assert parse_nature(str(nature), subject="指标性质") is nature


@given(st.text(min_size=1, max_size=6))
def test_anything_else_is_refused_in_one_line_naming_the_field(typed: str) -> None:
    try:
        found = parse_nature(typed, subject="指标性质")
    except InvalidValue as error:
        assert str(error).startswith("指标性质: got ")
        assert "\n" not in str(error)
        return
    # What is accepted is a nature (or nothing, for a blank).
    assert found is None or isinstance(found, Nature)
    if found is None:
        assert not "".join(unicodedata.normalize("NFKC", typed).split())


def test_a_nature_that_is_none_is_named() -> None:
    with pytest.raises(InvalidValue) as error:
        parse_nature("大约", subject="指标性质")
    assert str(error.value) == "指标性质: got '大约', expected one of =, ≥, ≤, >, <, 定性, 定量"


@pytest.mark.parametrize(
    ("typed", "unit"),
    [("%", "%"), ("百分比", "%"), ("百分率", "%"), ("％", "%"), ("万元", "万元"), (" 次 ", "次"),
     ("", None), ("/", None)],
)  # fmt: skip
def test_units(typed: str, unit: str | None) -> None:
    assert parse_unit(typed, subject="度量单位") == unit


@pytest.mark.parametrize("typed", ["3O", "≥", "10%", "万元以上的大额资金"])
def test_a_unit_that_is_no_unit_is_named(typed: str) -> None:
    with pytest.raises(InvalidValue) as error:
        parse_unit(typed, subject="度量单位")
    assert str(error.value) == (
        f"度量单位: got {typed!r}, expected a unit (%, 万元, 次, 人 …) or blank"
    )


@pytest.mark.parametrize(
    ("target", "nature", "unit", "raw", "normalised", "kept"),
    [
        ("10", "≥", "人", "≥10 人", "≥10 人", Nature.AT_LEAST),
        ("90", "≧", "百分比", "≧90百分比", "≥90%", Nature.AT_LEAST),
        ("30", "≤", "万元", "≤30 万元", "≤30 万元", Nature.AT_MOST),
        ("100", "＝", "%", "＝100%", "100%", Nature.EQUAL),
        ("5", "定量", "%", "5%", "5%", Nature.QUANTITATIVE),
        ("规范", "定性", None, "规范", "规范", Nature.QUALITATIVE),
        # Typed whole, with the fields agreeing or blank: the same indicator.
        ("≥10 人", None, None, "≥10 人", "≥10 人", None),
        ("≥10 人", "≥", "人", "≥10 人", "≥10 人", Nature.AT_LEAST),
        ("≥10", None, "人", "≥10 人", "≥10 人", None),
        ("/", "≥", "%", "/", "/", Nature.AT_LEAST),
        # A comparison typed in the 指标值 itself is the target's own: no sign before it.
        ("100%及以下", "≤", None, "100%及以下", "≤100%", Nature.AT_MOST),
    ],
)
def test_the_cells_make_one_target(target, nature, unit, raw, normalised, kept) -> None:
    measure, typed = compose_target(target, nature=nature, unit=unit, subject=SUBJECT)
    assert (measure.raw, measure.describe(), typed) == (raw, normalised, kept)
    # The target typed whole says the same nature the cells did.
    whole = parse_measure(raw, subject=SUBJECT)
    assert whole == measure


def test_a_target_typed_whole_fills_the_nature_and_unit() -> None:
    measure, typed = compose_target("≥10 人", subject=SUBJECT)
    assert typed is None
    assert (nature_of(measure), measure.unit) == (Nature.AT_LEAST, "人")
    assert nature_of(parse_measure("2 场", subject=SUBJECT)) is Nature.QUANTITATIVE
    assert nature_of(parse_measure("规范", subject=SUBJECT)) is Nature.QUALITATIVE
    assert nature_of(parse_measure("/", subject=SUBJECT)) is None
    bare = parse_measure("=100%", subject=SUBJECT)
    assert (bare.comparator, bare.value, bare.unit) == (Comparator.BARE, 100, "%")


@pytest.mark.parametrize(
    ("target", "nature", "unit", "message"),
    [
        (
            "10",
            "定性",
            "人",
            f"{SUBJECT} 指标性质: got '定性', expected 定量 or a comparison (=, ≥, ≤, >, <): "
            "the target '10 人' is a number",
        ),
        (
            "规范",
            "≥",
            None,
            f"{SUBJECT} 指标性质: got '≥', expected 定性: the target '规范' is a qualitative grade",
        ),
        (
            "≥10 人",
            "≤",
            None,
            f"{SUBJECT} 指标性质: got '≤', expected ≥, the comparison of the target '≥10 人', "
            "or 定量",
        ),
        (
            "10 人",
            None,
            "次",
            f"{SUBJECT} 度量单位: got '次', expected the unit of the target '10 人' (人)",
        ),
        (
            "规范",
            None,
            "%",
            f"{SUBJECT} 度量单位: got '%', expected blank: the target '规范' is a qualitative "
            "grade",
        ),
        (
            "1O",
            "≥",
            "%",
            f"{SUBJECT}: got '1O', expected a number with a unit, a comparison or a qualitative "
            "grade — did you mean '1%'?",
        ),
    ],
)
def test_cells_that_contradict_each_other_are_refused(target, nature, unit, message) -> None:
    with pytest.raises(InvalidValue) as error:
        compose_target(target, nature=nature, unit=unit, subject=SUBJECT)
    assert str(error.value) == message


@given(
    number=st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False),
    nature=st.sampled_from([Nature.AT_LEAST, Nature.AT_MOST, Nature.MORE_THAN, Nature.LESS_THAN]),
    unit=st.sampled_from(["%", "万元", "人次", "个"]),
    data=st.data(),
)
def test_cells_and_the_whole_target_agree(number, nature, unit, data) -> None:
    typed_nature = data.draw(st.sampled_from(SPELLINGS[nature]))
    cells, _ = compose_target(str(number), nature=typed_nature, unit=unit, subject=SUBJECT)
    whole, _ = compose_target(
        f"{nature}{number}{'' if unit == '%' else ' '}{unit}", subject=SUBJECT
    )
    assert cells.model_dump(exclude={"raw"}) == whole.model_dump(exclude={"raw"})
    assert cells.kind is MeasureKind.QUANTITY and nature_of(cells) is nature


def test_a_bare_actual_takes_the_targets_unit() -> None:
    assert parse_measure("95", subject="actual", default_unit="%").describe() == "95%"
    zero = parse_measure("0", subject="actual", default_unit="%")
    assert (zero.value, zero.unit, zero.raw) == (0, "%", "0")
    # A unit typed wins; without a default a bare number is still refused.
    assert parse_measure("95 人", subject="actual", default_unit="%").unit == "人"
    with pytest.raises(InvalidValue):
        parse_measure("95", subject="actual")
    assert parse_measure("95百分比", subject="actual").unit == "%"
