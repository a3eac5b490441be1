"""The base of every value object the domain stores in events and state, and the rules
for the free text those values carry (characters and form in :mod:`workflow.text`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from workflow.errors import InvalidValue
from workflow.text import CELL, NAME, PARAGRAPH, Limit, clean


class Value(BaseModel):
    """A frozen, validated value: serialisable to JSON (snapshots, payloads) and back."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


def required_text(
    subject: str,
    value: object,
    expected: str = "a non-blank text",
    *,
    limit: Limit = PARAGRAPH,
) -> str:
    """``value`` in NFC without surrounding whitespace; InvalidValue naming ``subject`` when
    it is not text, only whitespace, holds a character the text rules refuse, or is longer
    than ``limit``. Line breaks and tabs inside are kept (narrative, comments, reasons)."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(subject, value if isinstance(value, str) else str(value), expected)
    text = clean(subject, value, multiline=True, expected="text").strip()
    limit.check(subject, len(text))
    return text


def optional_text(subject: str, value: object, *, limit: Limit = PARAGRAPH) -> str:
    """:func:`required_text`, except that nothing or a blank gives ``""`` (an optional reason
    or comment: fixing a typo needs none)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    return required_text(subject, value, limit=limit)


def short_name(subject: str, value: object, *, limit: Limit = NAME) -> str:
    """A name shown in one table cell or list item (a line, indicator, department, unit,
    channel), in NFC without surrounding whitespace; InvalidValue when it is blank, breaks
    lines, holds a character the text rules refuse (a tab among them) or exceeds ``limit``.
    """
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(
            subject, value if isinstance(value, str) else str(value), "a non-blank text"
        )
    # A line break in a name splits table rows, inbox lines and CSV exports, and is never
    # meant: it is what pasting a wrapped spreadsheet cell leaves behind.
    if len(value.strip().splitlines()) > 1:
        raise InvalidValue(subject, value, "a name on one line, without line breaks")
    name = clean(subject, value, multiline=False, expected="a name").strip()
    limit.check(subject, len(name))
    return name


def optional_name(subject: str, value: object, *, limit: Limit = NAME) -> str:
    """:func:`short_name`, except that nothing or a blank gives ``""``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    return short_name(subject, value, limit=limit)


def typed_cell(subject: str, value: str, *, limit: Limit = CELL) -> str:
    """A value as typed in a cell (an amount, a target, an actual), kept as typed but in NFC;
    InvalidValue when it holds a character the text rules refuse or exceeds ``limit``.

    A cell may wrap (``'100%及其以\\n下'``), so line breaks and tabs are kept for the parser,
    which ignores whitespace.
    """
    text = clean(subject, value, multiline=True, expected="a value")
    limit.check(subject, len(text.strip()))
    return text
