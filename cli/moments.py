"""Reading the moments users type: an ISO 8601 time, a date, or a log position."""

from __future__ import annotations

from datetime import UTC, datetime

from cli.failures import fail


def parse_moment(text: str, *, field: str = "moment") -> datetime | int:
    """A log position (a whole number) or a time (naive times are taken as UTC)."""
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise fail(
            f"{field}: got {text!r}, expected a time such as 2022-03-01T09:00 or a log position"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def parse_time(text: str | None, *, field: str) -> datetime | None:
    """An optional time (no positions here)."""
    if text is None:
        return None
    moment = parse_moment(text, field=field)
    if isinstance(moment, int):
        raise fail(f"{field}: got {text!r}, expected a time such as 2022-03-01 or 2022-03-01T09:00")
    return moment
