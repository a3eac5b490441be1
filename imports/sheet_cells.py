"""Reading cells of a 自评价表 sheet: merged ranges, cell names, header rows and cell text.

Shared by every layout the importer understands (imports/sheet_budget.py,
imports/sheet_indicators.py): a layout is recognised by the words in its header cells, so
finding a header row by those words lives here, once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl.utils import get_column_letter

from workflow.amounts import normalise


@dataclass
class SheetReading:
    """A report document read from a sheet, where each of its values came from, and problems."""

    document: dict[str, Any]
    #: Document path (``budget.lines[3].initial``) → the cell it came from (``自评价表!B9``).
    cells: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def place(self, where: str) -> str:
        """The cell behind a document path (or the nearest enclosing one), for messages."""
        probe = where
        while probe:
            if probe in self.cells:
                return self.cells[probe]
            probe = probe.rpartition(".")[0]
        return where


def text(value: object) -> str:
    """A cell's value as the text typed, whitespace collapsed; '' for an empty cell."""
    if value is None:
        return ""
    if isinstance(value, float):
        # repr is a float's shortest round-trip form: 300.09 stays 300.09.
        return repr(value)
    return " ".join(str(value).split())


_NUMBER = re.compile(r"([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(?:万元|元)?")


def number(value: object) -> Decimal | None:
    """A cell's number (full-width digits, thousands commas and a 万元/元 unit allowed).

    None when the cell is blank or not a number; the importer only uses this to work out
    and check figures, while the commands parse the typed text again under every rule.
    """
    found = _NUMBER.fullmatch(normalise(text(value)).replace(",", ""))
    if found is None:
        return None
    try:
        return Decimal(found[1])
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        return None


_NOTE = re.compile(r"\([^)]*\)")


def header_key(value: object) -> str:
    """A header cell's words: no spaces, no bracketed unit or note.

    ``预算执行率（%）`` → ``预算执行率``, ``全年预算数（A）`` → ``全年预算数``: regions write
    the unit or a formula letter in brackets, the column is the same.
    """
    return _NOTE.sub("", "".join(normalise(text(value)).split()))


#: Whether a header key heads a column of some role.
Matcher = Callable[[str], bool]


def one_of(*keys: str) -> Matcher:
    """A matcher for headers that are exactly one of ``keys``."""
    return frozenset(keys).__contains__


def starting(prefix: str) -> Matcher:
    """A matcher for headers that start with ``prefix`` (偏差原因分析及改进措施)."""
    return lambda key: key.startswith(prefix)


class Sheet:
    """Cell access with merged ranges resolved to their top-left value."""

    def __init__(self, sheet: Any) -> None:
        self.sheet = sheet
        self.title: str = sheet.title
        self.max_row: int = sheet.max_row
        self.max_column: int = sheet.max_column
        self._merged: dict[tuple[int, int], tuple[int, int]] = {}
        for merged in sheet.merged_cells.ranges:
            for row in range(merged.min_row, merged.max_row + 1):
                for column in range(merged.min_col, merged.max_col + 1):
                    self._merged[(row, column)] = (merged.min_row, merged.min_col)

    def value(self, row: int, column: int) -> object:
        """The value shown in a cell: a merged range's top-left value."""
        top, left = self._merged.get((row, column), (row, column))
        return self.sheet.cell(row=top, column=left).value

    def text(self, row: int, column: int) -> str:
        """The text shown in a cell, whitespace collapsed."""
        return text(self.value(row, column))

    def spans_from(self, row: int, column: int) -> tuple[int, int] | None:
        """The top-left of the merged range holding (row, column), if it is merged."""
        return self._merged.get((row, column))

    def continues_from_above(self, row: int, column: int) -> bool:
        """Whether the cell is part of a range merged down from a row above."""
        top = self._merged.get((row, column))
        return top is not None and top[0] < row

    def starts_here(self, row: int, column: int) -> bool:
        """Whether the cell holds its own value (not merged, or a range's top-left)."""
        return self._merged.get((row, column), (row, column)) == (row, column)

    def ref(self, row: int, column: int) -> str:
        """The cell's name as a spreadsheet shows it: ``自评价表!E12``."""
        return f"{self.title}!{get_column_letter(column)}{row}"

    def indent(self, row: int, column: int) -> int:
        """The cell's indent level (jixiao's own export indents budget labels by depth)."""
        return int(self.sheet.cell(row=row, column=column).alignment.indent or 0)


@dataclass(frozen=True)
class Header:
    """A header row: its row, and for each role it heads the column and the header's words."""

    row: int
    columns: dict[str, int]
    labels: dict[str, str]

    def has(self, role: str) -> bool:
        """Whether the row has a column for ``role``."""
        return role in self.columns


def header_at(sheet: Sheet, row: int, roles: dict[str, Matcher]) -> Header:
    """The roles the cells of ``row`` head (each role its leftmost column)."""
    columns: dict[str, int] = {}
    labels: dict[str, str] = {}
    for column in range(1, sheet.max_column + 1):
        # A merged header counts once, in its top-left column and row (D17:D18 heads D from 17).
        if not sheet.starts_here(row, column):
            continue
        key = header_key(sheet.value(row, column))
        role = next((r for r, matches in roles.items() if r not in columns and matches(key)), None)
        if key and role is not None:
            columns[role] = column
            labels[role] = key
    return Header(row, columns, labels)


def find_header(
    sheet: Sheet,
    roles: dict[str, Matcher],
    accept: Callable[[Header], bool],
    *,
    after: int = 0,
) -> Header | None:
    """The first row below ``after`` whose header cells ``accept`` takes, if any."""
    for row in range(after + 1, sheet.max_row + 1):
        header = header_at(sheet, row, roles)
        if header.columns and accept(header):
            return header
    return None
