"""Money and rates as decimals with their unit, parsed from what people type.

Binary floats never enter: 300.09 - 22.81 + 1.8 must be exactly 279.08.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from workflow.errors import InvalidValue
from workflow.text import CELL, Limit
from workflow.values import Value, typed_cell

#: Money units and their size in 元, for converting between them.
MONEY_UNITS: dict[str, Decimal] = {
    "元": Decimal(1),
    "万元": Decimal(10_000),
    "亿元": Decimal(10**8),
}

ZERO = Decimal(0)
HUNDRED = Decimal(100)

#: Amounts at or beyond this size, in the unit typed, are refused: no department's budget
#: comes near it, so such a figure is a slip of the keyboard (or a pasted id), not money.
AMOUNT_LIMIT = Decimal(10) ** 12

# Commas are thousands separators and nothing else: '1,234.5' is 1234.5, but '12,5' (a
# decimal comma) or '1,2,3' is refused, since deleting the commas would record 125 or 123.
_NUMBER = re.compile(
    r"^(?P<number>[+-]?(?:(?:[1-9]\d{0,2}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+))"
    r"\s*(?P<unit>(?:[^\d\s,.]\S*)?)$"
)
_DECIMAL_COMMA = re.compile(r"^[+-]?(?:0,\d+|\d+,\d{1,2})(?![\d,.])")


class Amount(Value):
    """A money amount: the parsed value, its unit, and the text exactly as typed."""

    value: Decimal
    unit: str
    raw: str


def normalise(text: str) -> str:
    """Fold full-width digits, signs and spaces to their ASCII forms and trim the ends."""
    return unicodedata.normalize("NFKC", text).strip()


def places(value: Decimal) -> int:
    """How many decimal places ``value`` was written with."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def parse_amount(
    raw: str | int | Decimal,
    *,
    subject: str,
    unit: str,
    max_places: int = 3,
    allow_negative: bool = False,
    allow_zero: bool = True,
    limit: Limit = CELL,
) -> Amount:
    """Parse a typed amount such as ``'300.09'``, ``'-22.81'`` or ``'279.08 万元'``.

    The unit, if typed, must be ``unit``; commas (or full-width '，') may only group
    thousands ('12,345.6'). More than ``max_places`` decimals, text, floats, any other
    comma, a size of :data:`AMOUNT_LIMIT` or more, a negative amount (unless
    ``allow_negative``) or zero (unless ``allow_zero``) raise :class:`InvalidValue`
    naming ``subject``, as does a text the text rules refuse or longer than ``limit``.
    """
    sign = "an amount" if allow_negative else "an amount >= 0"
    expected = f"{sign} in {unit} with at most {max_places} decimals, such as '279.08'"
    if isinstance(raw, bool) or not isinstance(raw, str | int | Decimal):
        raise InvalidValue(subject, raw, expected)
    text = typed_cell(subject, raw, limit=limit) if isinstance(raw, str) else str(raw)
    # NFKC folds the full-width comma '，' to ',', so both obey the same grouping rule.
    typed = normalise(text)
    match = _NUMBER.match(typed)
    if match is None and "," in typed:
        raise InvalidValue(
            subject,
            text,
            f"{sign} in {unit} with at most {max_places} decimals and commas only between "
            "groups of three digits, such as '12,345.6'",
            _decimal_comma_hint(typed),
        )
    if match is None or match["unit"] not in ("", unit):
        raise InvalidValue(subject, text, expected)
    try:
        value = Decimal(match["number"].replace(",", ""))
    except InvalidOperation:
        raise InvalidValue(subject, text, expected) from None
    if places(value) > max_places:
        raise InvalidValue(subject, text, expected)
    if value < 0 and not allow_negative:
        raise InvalidValue(subject, text, expected)
    if abs(value) >= AMOUNT_LIMIT:
        size = "whose absolute value is below" if allow_negative else "below"
        raise InvalidValue(subject, text, f"an amount in {unit} {size} 10^12 (1,000,000,000,000)")
    if value == 0 and not allow_zero:
        raise InvalidValue(subject, text, "a non-zero amount in " + unit)
    return Amount(value=value, unit=unit, raw=text)


def _decimal_comma_hint(typed: str) -> str | None:
    # A comma that cannot group thousands ('12,5', '0,125') reads as a decimal comma; with
    # three digits after it ('1234,567') it could as well be a misplaced separator.
    if "." in typed or typed.count(",") != 1 or not _DECIMAL_COMMA.match(typed):
        return None
    return f"did you mean {typed.replace(',', '.')}?"


def total(values: Iterable[Decimal]) -> Decimal:
    """The exact sum of ``values`` (0 for none)."""
    return sum(values, ZERO)


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """``numerator / denominator`` as an exact-ish decimal fraction, None when dividing by 0."""
    if denominator == 0:
        return None
    return numerator / denominator


def as_percent(fraction: Decimal | None, decimals: int = 1) -> Decimal | None:
    """A fraction as a percentage rounded half-up to ``decimals`` places (7.6011… → 7.6)."""
    if fraction is None:
        return None
    return (fraction * HUNDRED).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def convert(value: Decimal, from_unit: str, to_unit: str) -> Decimal | None:
    """``value`` in ``from_unit`` expressed in ``to_unit``; None if they do not convert."""
    if from_unit == to_unit:
        return value
    if from_unit in MONEY_UNITS and to_unit in MONEY_UNITS:
        return value * MONEY_UNITS[from_unit] / MONEY_UNITS[to_unit]
    return None
