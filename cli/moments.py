"""Reading the moments users type: an ISO 8601 time, a date, or a log position."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from cli.context import USAGE
from cli.failures import REJECTED, fail

#: What a moment argument (as-of, diff) and a time option (--since, --until) accept.
_MOMENT = "a time such as 2022-03-01T09:00 or a log position"
_TIME = "a time such as 2022-03-01 or 2022-03-01T09:00"


def parse_moment(text: str, *, field: str = "moment") -> datetime | int:
    """A log position (a whole number) or a time, as aware UTC (naive times are UTC)."""
    if text.isascii() and text.isdigit():
        return int(text)
    return _time(text, field, _MOMENT, REJECTED)


def parse_time(text: str | None, *, field: str) -> datetime | None:
    """An optional time given as an option (no positions here); a usage error otherwise."""
    if text is None:
        return None
    if text.isascii() and text.isdigit():
        raise fail(
            f"{field}: got {text!r}, expected {_TIME}, not a log position{_date_hint(text)}",
            USAGE,
        )
    return _time(text, field, _TIME, USAGE)


def _time(text: str, field: str, expected: str, code: int) -> datetime:
    """``text`` as an aware UTC time, or refused with ``code``: not ISO 8601, or a time UTC
    cannot hold (0001-01-01T00:00+01:00)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise fail(f"{field}: got {text!r}, expected {expected}", code) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise fail(
            f"{field}: got {text!r}, expected a time from 0001-01-01 to 9999-12-31 in UTC", code
        ) from None


def later(first: datetime | int, second: datetime | int) -> bool:
    """Whether ``first`` is after ``second``, both being times or both positions."""
    if isinstance(first, int) and isinstance(second, int):
        return first > second
    if isinstance(first, datetime) and isinstance(second, datetime):
        return first > second
    return False  # a position against a time: told by the versions they reach


def reversed_moments(since: str, until: str) -> typer.Exit:
    """The refusal of two moments given latest first (a usage error)."""
    return fail(
        f"since: got {since!r}, later than until {until!r}; expected the earlier moment first",
        USAGE,
    )


def check_position(moment: datetime | int, text: str, head: int, *, field: str) -> None:
    """Refuse a log position past the log's ``head`` (times, even future ones, pass)."""
    if isinstance(moment, int) and moment > head:
        raise fail(f"{field}: got {text!r}, expected a log position up to {head}{_date_hint(text)}")


def _date_hint(text: str) -> str:
    """`` — did you mean 2026-11-26?`` when ``text`` is eight digits that read as YYYYMMDD."""
    if len(text) != 8:
        return ""
    try:
        day = datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return ""
    return f" — did you mean {day.isoformat()}?"
