"""指标性质 and 度量单位: the target's comparison and unit as fields of their own.

Provincial forms print the target in three cells (Sichuan: 指标性质 ``≥`` · 指标值 ``90`` ·
度量单位 ``%``); the seed types it in one (``≥90%``). Both give the same indicator: the
three cells are joined into one target text, parsed by :func:`workflow.targets.parse_measure`,
and a target typed whole fills the nature and unit from what it says. Where both are typed
they must agree; a nature that contradicts the target is refused, never guessed.

Natures: ``=``, ``≥``, ``≤``, ``>``, ``<`` (a quantitative target with that comparison; ``=``
is the bare value, its direction the indicator's), 定量 (a number, its comparison in the
target) and 定性 (a qualitative grade). Full-width and compatibility forms (``＝``, ``≧``,
``⩽``, ``>=``) are read as the sign they stand for.
"""

from __future__ import annotations

import re
from enum import StrEnum

from workflow.errors import InvalidValue
from workflow.targets import (
    UNIT_NAMES,
    Comparator,
    Measure,
    MeasureKind,
    fold_signs,
    parse_measure,
)
from workflow.text import CELL, Limit
from workflow.values import typed_cell


class Nature(StrEnum):
    """指标性质: the comparison of a quantitative target, or whether it is 定性 / 定量."""

    EQUAL = "="
    AT_LEAST = "≥"
    AT_MOST = "≤"
    MORE_THAN = ">"
    LESS_THAN = "<"
    QUANTITATIVE = "定量"
    QUALITATIVE = "定性"


NATURE_EXPECTED = "one of =, ≥, ≤, >, <, 定性, 定量"

#: A nature's comparison, for the natures that are one.
COMPARATORS = {
    Nature.EQUAL: Comparator.BARE,
    Nature.AT_LEAST: Comparator.AT_LEAST,
    Nature.AT_MOST: Comparator.AT_MOST,
    Nature.MORE_THAN: Comparator.MORE_THAN,
    Nature.LESS_THAN: Comparator.LESS_THAN,
}
_NATURE_OF = {
    Comparator.AT_LEAST: Nature.AT_LEAST,
    Comparator.AT_MOST: Nature.AT_MOST,
    Comparator.MORE_THAN: Nature.MORE_THAN,
    Comparator.LESS_THAN: Nature.LESS_THAN,
}
#: The two-character ASCII spellings and the words forms use beside the signs.
_SPELLINGS = {
    ">=": Nature.AT_LEAST,
    "=>": Nature.AT_LEAST,
    "<=": Nature.AT_MOST,
    "=<": Nature.AT_MOST,
    "==": Nature.EQUAL,
    "定性指标": Nature.QUALITATIVE,
    "定量指标": Nature.QUANTITATIVE,
}
#: The comparison signs a target typed whole may start with (workflow.targets).
_TARGET_SIGNS = frozenset({"=", "≥", "≤", ">", "<", ">=", "<="})
_UNIT = re.compile(r"^(?:%|‰|[\u4e00-\u9fff]{1,4})$")
UNIT_EXPECTED = "a unit (%, 万元, 次, 人 …) or blank"


def parse_nature(raw: str | None, *, subject: str) -> Nature | None:
    """The 指标性质 typed in ``raw`` (None for nothing or a blank); InvalidValue otherwise."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise InvalidValue(subject, str(raw), NATURE_EXPECTED)
    text = "".join(fold_signs(typed_cell(subject, raw, limit=CELL)).split())
    if not text:
        return None
    found = _SPELLINGS.get(text)
    if found is None and text in Nature._value2member_map_:
        found = Nature(text)
    if found is None:
        raise InvalidValue(subject, raw, NATURE_EXPECTED)
    return found


def parse_unit(raw: str | None, *, subject: str) -> str | None:
    """The 度量单位 typed in ``raw``, 百分比 read as % (None for nothing, a blank or ``/``);
    InvalidValue for a cell that is no unit (a number, a comparison, a sentence)."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise InvalidValue(subject, str(raw), UNIT_EXPECTED)
    text = "".join(fold_signs(typed_cell(subject, raw, limit=CELL)).split())
    if text in ("", "/"):
        return None
    unit = UNIT_NAMES.get(text, text)
    if not _UNIT.match(unit):
        raise InvalidValue(subject, raw, UNIT_EXPECTED)
    return unit


def nature_of(target: Measure) -> Nature | None:
    """The nature a target typed whole says: its comparison, 定性 for a grade, 定量 for a
    bare number; None for ``/``."""
    if target.kind is MeasureKind.GRADE:
        return Nature.QUALITATIVE
    if target.kind is MeasureKind.NOT_APPLICABLE:
        return None
    return _NATURE_OF.get(target.comparator or Comparator.BARE, Nature.QUANTITATIVE)


def _joined(raw: str, nature: Nature | None, nature_raw: str, unit_raw: str) -> str:
    """The target cell with the nature's sign before it and the unit after a bare number,
    each as typed: ``≧`` · ``90`` · ``百分比`` is ``≧90百分比``."""
    text = "".join(fold_signs(raw).split())
    if not text or not any(ch.isdigit() for ch in text):
        return raw
    typed = raw.strip()
    if unit_raw and re.fullmatch(r"[=<>≤≥]*[+-]?(?:\d+(?:\.\d*)?|\.\d+)", text):
        unit = unit_raw.strip()
        typed = f"{typed}{unit}" if UNIT_NAMES.get(unit, unit) in ("%", "‰") else f"{typed} {unit}"
    if nature in COMPARATORS and not text.startswith(("=", "<", ">", "≤", "≥")):
        # The sign as typed where the target's own syntax reads it (≧, ＞＝), else its
        # normal form (=> and == are spellings of a nature, not of a target).
        sign = "".join(fold_signs(nature_raw).split())
        typed = f"{nature_raw.strip() if sign in _TARGET_SIGNS else nature}{typed}"
    return typed


def compose_target(
    raw: str,
    *,
    nature: str | None = None,
    unit: str | None = None,
    subject: str,
    limit: Limit = CELL,
) -> tuple[Measure, Nature | None]:
    """The target of an indicator from its 指标值 ``raw`` and, when typed, its 指标性质 and
    度量单位; the measure keeps the cells joined as typed, with the nature typed (None when
    it was not: :func:`nature_of` tells what the target says).

    Refused, naming the field: a nature or unit that is none, a nature of another kind than
    the target (定性 for a number, a comparison for a grade), a comparison or a unit typed
    in the target that differs from the nature's or the unit's field.
    """
    nature_subject, unit_subject = f"{subject} 指标性质", f"{subject} 度量单位"
    typed_nature = parse_nature(nature, subject=nature_subject)
    typed_unit = parse_unit(unit, subject=unit_subject)
    if not isinstance(raw, str):
        return parse_measure(raw, subject=subject, limit=limit), typed_nature
    # The 指标值 alone first, so that a damaged cell is named with what it holds.
    alone = parse_measure(raw, subject=subject, limit=limit, default_unit=typed_unit)
    # A comparison typed in the 指标值 (≥90, 100及以下) is the target's own: no sign before it.
    sign = None if alone.comparator not in (None, Comparator.BARE) else typed_nature
    joined = _joined(raw, sign, nature or "", (unit or "") if typed_unit else "")
    target = parse_measure(joined, subject=subject, limit=limit)
    if target.kind is MeasureKind.NOT_APPLICABLE:
        return target, typed_nature
    said = nature_of(target)
    if typed_nature is not None:
        _check_nature(typed_nature, nature or "", target, said, nature_subject)
    if typed_unit is not None and target.unit is not None and target.unit != typed_unit:
        raise InvalidValue(
            unit_subject, unit or "", f"the unit of the target {target.raw!r} ({target.unit})"
        )
    if typed_unit is not None and target.kind is MeasureKind.GRADE:
        raise InvalidValue(
            unit_subject, unit or "", f"blank: the target {target.raw!r} is a qualitative grade"
        )
    return target, typed_nature


def _check_nature(
    typed: Nature, raw: str, target: Measure, said: Nature | None, subject: str
) -> None:
    if target.kind is MeasureKind.GRADE and typed is not Nature.QUALITATIVE:
        raise InvalidValue(subject, raw, f"定性: the target {target.raw!r} is a qualitative grade")
    if target.kind is MeasureKind.QUANTITY and typed is Nature.QUALITATIVE:
        raise InvalidValue(
            subject,
            raw,
            f"定量 or a comparison (=, ≥, ≤, >, <): the target {target.raw!r} is a number",
        )
    if (
        typed in COMPARATORS
        and target.comparator not in (None, Comparator.BARE)
        and COMPARATORS[typed] is not target.comparator
    ):
        raise InvalidValue(
            subject, raw, f"{said}, the comparison of the target {target.raw!r}, or 定量"
        )
