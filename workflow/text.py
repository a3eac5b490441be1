"""The rules every text the domain accepts obeys, whichever way it came in (a typed command,
a report file, a spreadsheet): decision 0110.

- **Characters.** No control characters (C0, DEL, C1: NUL and ESC among them), no format
  characters (Unicode category Cf: zero-width characters, bidi overrides, the byte-order
  mark), no lone surrogates, no line or paragraph separators. Text that is multi-line by
  nature (narrative, comments, reasons, a spreadsheet cell) may break lines with ``\\n``
  (a ``\\r\\n`` counts as one) and hold tabs; nothing else may.
- **Form.** Unicode NFC, so that ``e`` + a combining acute and ``é`` are one text, compare
  equal and are stored once.
- **Ids** (department codes, user ids, line and indicator ids, figure keys): ASCII
  ``[a-z0-9][a-z0-9._-]*``, at most :data:`ID_LENGTH` characters.
- **Sizes**: a :class:`Limit` per kind of text, held by the scheme (``[limits]``) for a
  report's texts and by the constants below where no scheme is at hand.

:func:`escaped` shows any text safely in a terminal, with the same notion of what is unsafe.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TypeGuard

from workflow.errors import InvalidValue, TooLarge

#: The longest id. Department and user ids are part of stream ids and file names.
ID_LENGTH = 64
ID_RULE = (
    f"an id of at most {ID_LENGTH} ASCII characters: lower-case letters, digits, '.', '_' "
    "or '-', starting with a letter or digit"
)
# \Z, not $: '$' also matches before a final newline, which would let 'homes\n' through.
ID_PATTERN = re.compile(rf"[a-z0-9][a-z0-9._\-]{{0,{ID_LENGTH - 1}}}\Z")

#: Default limits (characters, after trimming): the scheme's ``[limits]`` start from them,
#: and they apply as they are where no scheme is at hand (department and user names).
NAME_LIMIT = 200
SECTION_LIMIT = 20_000
PARAGRAPH_LIMIT = 2_000
CELL_LIMIT = 200
#: Items a report may hold: budget lines, adjustments, indicators, narrative sections,
#: 主要职能 items, headline figures, staffing units and ranks (workflow.report.item_count).
ITEM_LIMIT = 5_000

#: Unicode categories refused in text and escaped on a terminal: controls, format
#: characters, surrogates, line and paragraph separators.
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_MULTILINE_ALLOWED = frozenset("\n\t")

_KINDS = {
    "Cc": "a control character",
    "Cf": "a format character (invisible)",
    "Cs": "a lone surrogate (half of a UTF-16 pair, not a character)",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
}


@dataclass(frozen=True)
class Limit:
    """A size limit and where it is set, e.g. 20,000 characters (scheme default)."""

    most: int
    source: str = ""

    def expected(self, unit: str = "characters") -> str:
        """``at most 20,000 characters (scheme default)``."""
        where = f" ({self.source})" if self.source else ""
        return f"at most {self.most:,} {unit}{where}"

    def check(self, subject: str, size: int, unit: str = "characters") -> None:
        """TooLarge naming ``subject`` when ``size`` exceeds the limit."""
        if size > self.most:
            raise TooLarge(subject, f"{size:,} {unit}", self.expected(unit))


#: The default limits as :class:`Limit` values, where no scheme is at hand.
NAME = Limit(NAME_LIMIT)
PARAGRAPH = Limit(PARAGRAPH_LIMIT)
CELL = Limit(CELL_LIMIT)


def is_id(value: object) -> TypeGuard[str]:
    """Whether ``value`` is an id by the rule (:data:`ID_RULE`)."""
    return isinstance(value, str) and ID_PATTERN.match(value) is not None


def identifier(subject: str, value: object) -> str:
    """``value`` if it is an id by the rule; InvalidValue naming ``subject`` otherwise."""
    if not is_id(value):
        raise InvalidValue(subject, value if isinstance(value, str) else str(value), ID_RULE)
    return value


def escaped(text: str, keep: str = "") -> str:
    """``text`` with every unsafe character (:data:`UNSAFE_CATEGORIES`) but those in ``keep``
    written as its escape: ``\\x1b``, ``\\u200b``, ``\\ud800``, ``\\U000e0041``."""
    if text.isprintable():
        return text
    return "".join(
        _escape(ch) if ch not in keep and unicodedata.category(ch) in UNSAFE_CATEGORIES else ch
        for ch in text
    )


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def first_unsafe(text: str, *, multiline: bool) -> int | None:
    """The index of the first character the rules refuse in ``text``, or None."""
    if text.isprintable():
        return None
    allowed = _MULTILINE_ALLOWED if multiline else frozenset()
    for index, ch in enumerate(text):
        if ch not in allowed and unicodedata.category(ch) in UNSAFE_CATEGORIES:
            return index
    return None


# Control characters have no Unicode names: their usual abbreviations instead.
# fmt: off
_C0 = (
    "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR",
    "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB",
    "ESC", "FS", "GS", "RS", "US",
)
# fmt: on


def describe(ch: str) -> str:
    """``U+001B ESC, a control character``; ``U+200B ZERO WIDTH SPACE, a format character
    (invisible)``."""
    code = ord(ch)
    name = _C0[code] if code < 0x20 else "DEL" if code == 0x7F else unicodedata.name(ch, "")
    kind = _KINDS.get(unicodedata.category(ch), "a character")
    return f"U+{ord(ch):04X}{' ' + name if name else ''}, {kind}"


def excerpt(text: str, index: int, around: int = 20) -> str:
    """The part of a long ``text`` around ``index``, with '…' where it was cut."""
    if len(text) <= 2 * around + 10:
        return text
    start, end = max(0, index - around), min(len(text), index + around + 1)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def clean(subject: str, value: object, *, multiline: bool, expected: str) -> str:
    """``value`` in NFC, with ``\\r\\n`` read as ``\\n`` when ``multiline``; InvalidValue
    naming ``subject``, the character and where it is when the rules refuse one.

    Not trimmed and not checked for size: callers do both (:mod:`workflow.values`).
    """
    if not isinstance(value, str):
        raise InvalidValue(subject, str(value), expected)
    text = value.replace("\r\n", "\n") if multiline and "\r" in value else value
    index = first_unsafe(text, multiline=multiline)
    if index is not None:
        allowed = "other than line breaks and tabs " if multiline else ""
        raise InvalidValue(
            subject,
            excerpt(text, index),
            f"{expected} without control or format characters {allowed}".rstrip(),
            f"character {index + 1} is {describe(text[index])}",
        )
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)
