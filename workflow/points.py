"""Points typed on a form (分值, 得分): a number of points kept beside the text as typed."""

from __future__ import annotations

import re
from decimal import Decimal

from workflow.amounts import normalise
from workflow.errors import InvalidValue
from workflow.text import CELL, Limit
from workflow.values import Value, typed_cell

POINTS_EXPECTED = "a number of points >= 0 (at most 2 decimals)"
_POINTS = re.compile(r"^\d+(?:\.\d{1,2})?$|^\.\d{1,2}$")


class Points(Value):
    """A 得分 as typed (``9``, ``9.5分``) and its value."""

    value: Decimal
    raw: str


def parse_points(raw: object, *, subject: str, limit: Limit = CELL) -> Points:
    """``raw`` as points: a number >= 0 with at most two decimals, ``分`` after it allowed;
    InvalidValue naming ``subject`` otherwise."""
    if isinstance(raw, int | Decimal) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str):
        raise InvalidValue(subject, str(raw), POINTS_EXPECTED)
    typed = typed_cell(subject, raw, limit=limit)
    text = "".join(normalise(typed).split()).removesuffix("分")
    if not _POINTS.match(text):
        raise InvalidValue(subject, raw, POINTS_EXPECTED)
    return Points(value=Decimal(text), raw=typed.strip())
