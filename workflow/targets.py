"""Indicator targets and actuals as typed in 自评价表 cells, parsed beside the raw text.

Shapes understood (every one in the seed):

* a number with a unit — ``2 场``, ``15900 人次``, ``50 万元``, ``100%``, ``0%``: a *bare*
  value, whose meaning (at least / at most) comes from the indicator's direction;
* an explicit comparison — ``≥10 人``, ``>15%``, ``≥90%``, ``100%及以下``,
  ``100%及其以下`` (以下/以上 include the number, as in Chinese legal usage);
* a qualitative grade — ``规范``, ``健全``, ``合规``, ``完成``;
* ``/`` — not applicable.

Anything else is rejected with a message naming the item, the value and what was
expected, with a suggestion where the typo is recognisable (``100&`` → ``100%``,
``5 人人次`` → ``5 人次``).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from workflow.amounts import normalise
from workflow.errors import InvalidValue
from workflow.text import CELL, PARAGRAPH, Limit
from workflow.values import Value, typed_cell


class Comparator(StrEnum):
    """How a value bounds the result; BARE takes its direction from the indicator."""

    BARE = "="
    AT_LEAST = ">="
    MORE_THAN = ">"
    AT_MOST = "<="
    LESS_THAN = "<"


class IndicatorStatus(StrEnum):
    """An indicator's result against its target."""

    PENDING = "pending"
    MET = "met"
    MISSED = "missed"
    OVERSHOT = "overshot"
    NOT_APPLICABLE = "not_applicable"


class MeasureKind(StrEnum):
    """The three shapes a cell can take."""

    QUANTITY = "quantity"
    GRADE = "grade"
    NOT_APPLICABLE = "not_applicable"


#: Units that occur in evaluation tables; used to spot a doubled unit such as 人人次.
KNOWN_UNITS = frozenset(
    "人 人次 名 户 家 个 所 支 场 次 件 篇 项 份 台 套 处 期 批 辆 天 日 月 年 小时 "  # noqa: SIM905
    "元 万元 亿元 % ‰ 平方米 公里 册 本 条 张 间 座 棵".split()
)

_PREFIXES = {
    # 指标性质 '=' written before the number: the value itself, bare.
    "=": Comparator.BARE,
    ">=": Comparator.AT_LEAST,
    "≥": Comparator.AT_LEAST,
    "不低于": Comparator.AT_LEAST,
    "不少于": Comparator.AT_LEAST,
    ">": Comparator.MORE_THAN,
    "大于": Comparator.MORE_THAN,
    "高于": Comparator.MORE_THAN,
    "<=": Comparator.AT_MOST,
    "≤": Comparator.AT_MOST,
    "不高于": Comparator.AT_MOST,
    "不超过": Comparator.AT_MOST,
    "<": Comparator.LESS_THAN,
    "小于": Comparator.LESS_THAN,
    "低于": Comparator.LESS_THAN,
}
_SUFFIXES = {
    "及其以下": Comparator.AT_MOST,
    "及以下": Comparator.AT_MOST,
    "以下": Comparator.AT_MOST,
    "及其以上": Comparator.AT_LEAST,
    "及以上": Comparator.AT_LEAST,
    "以上": Comparator.AT_LEAST,
}


def _alternatives(options: dict[str, Comparator]) -> str:
    return "|".join(re.escape(key) for key in sorted(options, key=len, reverse=True))


_QUANTITY = re.compile(
    rf"^(?P<prefix>{_alternatives(_PREFIXES)})?\s*"
    r"(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(?P<unit>.*?)\s*"
    rf"(?P<suffix>{_alternatives(_SUFFIXES)})?$"
)
#: Signs NFKC leaves alone that real forms print for the comparisons (≧ ≦, and the slanted
#: ⩾ ⩽ of some fonts): read as ≥ and ≤.
_SIGNS = str.maketrans({"≧": "≥", "⩾": "≥", "≦": "≤", "⩽": "≤"})

#: Units forms print under another name: 百分比 is %.
UNIT_NAMES = {"百分比": "%", "百分率": "%"}

_UNIT = re.compile(r"^(?:%|‰|[\u4e00-\u9fff]{1,4})$")
_GRADE = re.compile(r"^[\u4e00-\u9fffA-Za-z]{1,30}$")
_NOT_APPLICABLE = {"/", "\\", "不适用"}
_NO_DEVIATION = re.compile(r"^(?:[.。…·\-—_~]+|无|无偏差)$")

EXPECTED = "a number with a unit, a comparison or a qualitative grade"


class Measure(Value):
    """A parsed cell: kind, comparator, number and unit (quantities) or grade, and the raw text."""

    kind: MeasureKind
    raw: str
    comparator: Comparator | None = None
    value: Decimal | None = None
    unit: str | None = None
    grade: str | None = None

    @property
    def is_percentage(self) -> bool:
        """Whether this is a quantity in per cent."""
        return self.kind is MeasureKind.QUANTITY and self.unit == "%"

    def describe(self) -> str:
        """The normalised form, e.g. ``≥10 人`` or ``规范``."""
        if self.kind is MeasureKind.QUANTITY:
            op = "" if self.comparator is Comparator.BARE else str(self.comparator)
            op = {">=": "≥", "<=": "≤"}.get(op, op)
            gap = "" if self.unit in ("%", "‰") else " "
            return f"{op}{self.value}{gap}{self.unit}"
        return self.grade or "/"


def _doubled_unit(unit: str) -> tuple[str, str] | None:
    # 人人次 = 人 + 人次: a unit typed twice, the second time in full.
    for cut in range(1, len(unit)):
        first, second = unit[:cut], unit[cut:]
        if first in KNOWN_UNITS and second in KNOWN_UNITS and second.startswith(first):
            return first, second
    return None


def fold_signs(text: str) -> str:
    """``text`` in NFKC with the comparison signs NFKC leaves (≧ ≦ ⩾ ⩽) read as ≥ and ≤."""
    return normalise(text).translate(_SIGNS)


def _quantity(match: re.Match[str], raw: str, subject: str, default_unit: str | None) -> Measure:
    number, unit = match["number"], UNIT_NAMES.get(match["unit"], match["unit"])
    if not unit and default_unit:
        unit = default_unit
    prefix, suffix = match["prefix"], match["suffix"]
    if prefix and suffix:
        raise InvalidValue(
            subject, raw, "one comparison, before the number (≥, >) or after it (及以下)"
        )
    if unit not in KNOWN_UNITS and (doubled := _doubled_unit(unit)):
        raise InvalidValue(
            subject,
            raw,
            "a number with one unit",
            f"the unit '{unit}' repeats '{doubled[0]}'; did you mean '{number} {doubled[1]}'?",
        )
    if not unit:
        raise InvalidValue(subject, raw, EXPECTED, f"add the unit, e.g. '{number} 个'")
    if not _UNIT.match(unit):
        hint = f"did you mean '{number}%'?" if len(unit) == 1 else None
        raise InvalidValue(subject, raw, EXPECTED, hint)
    try:
        value = Decimal(number)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        raise InvalidValue(subject, raw, EXPECTED) from None
    comparator = _PREFIXES.get(prefix or "") or _SUFFIXES.get(suffix or "") or Comparator.BARE
    return Measure(
        kind=MeasureKind.QUANTITY, raw=raw, comparator=comparator, value=value, unit=unit
    )


def parse_measure(
    raw: str, *, subject: str, limit: Limit = CELL, default_unit: str | None = None
) -> Measure:
    """Parse a target or actual cell, keeping ``raw`` as typed (in NFC); raise InvalidValue
    otherwise, or when the text rules refuse it or it is longer than ``limit``.

    A number typed without a unit takes ``default_unit`` when one is given (an actual takes
    its target's unit: ``95`` against ``≥90%`` is 95%, ``0`` against ``3%`` is 0%)."""
    if not isinstance(raw, str):
        raise InvalidValue(subject, raw, EXPECTED)
    raw = typed_cell(subject, raw, limit=limit)
    # Cells wrap mid-word ('100%及其以\n下'), so whitespace carries no meaning.
    text = "".join(fold_signs(raw).split())
    if not text:
        raise InvalidValue(subject, raw, EXPECTED + " (or '/' when not applicable)")
    if text in _NOT_APPLICABLE:
        return Measure(kind=MeasureKind.NOT_APPLICABLE, raw=raw)
    if any(ch.isdigit() for ch in text):
        match = _QUANTITY.match(text)
        if match is None:
            raise InvalidValue(subject, raw, EXPECTED)
        return _quantity(match, raw, subject, default_unit)
    if _GRADE.match(text):
        return Measure(kind=MeasureKind.GRADE, raw=raw, grade=text)
    raise InvalidValue(subject, raw, EXPECTED)


class DeviationKind(StrEnum):
    """What the 偏差原因分析 cell says."""

    NONE = "none"
    NOT_APPLICABLE = "not_applicable"
    REASON = "reason"


class Deviation(Value):
    """A parsed deviation cell: ``……`` means no deviation, ``/`` not applicable, else a reason."""

    kind: DeviationKind
    raw: str

    @property
    def reason(self) -> str | None:
        """The reason text, when the cell gives one."""
        return " ".join(self.raw.split()) if self.kind is DeviationKind.REASON else None


def parse_deviation(raw: str | None, *, subject: str, limit: Limit = PARAGRAPH) -> Deviation | None:
    """Parse a 偏差原因分析 cell; blank gives None (nothing typed). A reason is a paragraph:
    the text rules apply, and ``limit`` bounds it."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise InvalidValue(subject, raw, "a reason, '……' for no deviation or '/'")
    raw = typed_cell(subject, raw, limit=limit)
    text = "".join(normalise(raw).split())
    if not text:
        return None
    if text in _NOT_APPLICABLE:
        return Deviation(kind=DeviationKind.NOT_APPLICABLE, raw=raw)
    if _NO_DEVIATION.match(text):
        return Deviation(kind=DeviationKind.NONE, raw=raw)
    return Deviation(kind=DeviationKind.REASON, raw=raw)
