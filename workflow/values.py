"""The base of every value object the domain stores in events and state, and the rules
for the free text those values carry."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from workflow.errors import InvalidValue


class Value(BaseModel):
    """A frozen, validated value: serialisable to JSON (snapshots, payloads) and back."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def required_text(subject: str, value: object, expected: str = "a non-blank text") -> str:
    """``value`` without surrounding whitespace; InvalidValue naming ``subject`` when it is
    not text or only whitespace. Line breaks inside are kept (narrative, comments, reasons)."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(subject, value if isinstance(value, str) else str(value), expected)
    return value.strip()


def short_name(subject: str, value: object) -> str:
    """A name shown in one table cell or list item (a line, indicator, department, unit,
    channel), without surrounding whitespace; InvalidValue when it is blank or breaks lines.
    """
    name = required_text(subject, value)
    # A line break in a name splits table rows, inbox lines and CSV exports, and is never
    # meant: it is what pasting a wrapped spreadsheet cell leaves behind.
    if len(name.splitlines()) > 1:
        raise InvalidValue(subject, value, "a name on one line, without line breaks")
    return name
