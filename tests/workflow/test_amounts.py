"""Amounts are decimals with their unit; rates round half-up."""

from __future__ import annotations

from decimal import Decimal

import pytest

from workflow.amounts import as_percent, convert, parse_amount, ratio
from workflow.errors import InvalidValue


@pytest.mark.parametrize(
    ("raw", "value"),
    [("300.09", "300.09"), ("279.08 万元", "279.08"), ("１２.５", "12.5"), ("1,234.5", "1234.5")],
)
def test_amounts_parse_exactly_and_keep_the_raw_text(raw: str, value: str) -> None:
    amount = parse_amount(raw, subject="s", unit="万元")
    assert amount.value == Decimal(value)
    assert (amount.unit, amount.raw) == ("万元", raw)


def test_the_seed_total_adds_up_exactly() -> None:
    parts = [
        parse_amount(v, subject="s", unit="万元", allow_negative=True).value
        for v in ("300.09", "-22.81", "1.8")
    ]
    assert sum(parts, Decimal(0)) == Decimal("279.08")


def test_unit_must_match_and_negatives_need_permission() -> None:
    with pytest.raises(InvalidValue, match=r"got '300\.09元'"):
        parse_amount("300.09元", subject="s", unit="万元")
    with pytest.raises(InvalidValue, match="expected an amount >= 0"):
        parse_amount("-1", subject="s", unit="万元")
    assert parse_amount("-1", subject="s", unit="万元", allow_negative=True).value == -1
    assert parse_amount(Decimal("2.5"), subject="s", unit="元").value == Decimal("2.5")
    assert parse_amount(3, subject="s", unit="元").value == 3


def test_rates() -> None:
    assert as_percent(ratio(Decimal("22.81"), Decimal("300.09")), 1) == Decimal("7.6")
    assert as_percent(ratio(Decimal("1"), Decimal("8")), 1) == Decimal("12.5")
    assert as_percent(ratio(Decimal("1"), Decimal("16")), 1) == Decimal("6.3")  # half-up
    assert ratio(Decimal(1), Decimal(0)) is None and as_percent(None) is None


def test_money_units_convert_and_others_do_not() -> None:
    assert convert(Decimal("24904.73"), "元", "万元") == Decimal("2.490473")
    assert convert(Decimal(1), "人", "人次") is None
