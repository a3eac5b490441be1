"""Reading cells of a 自评价表 sheet: merged ranges, cell names, cell text and which cells a
reading has placed.

Shared by both parts of every layout (imports/sheet_budget.py, imports/sheet_indicators.py);
finding a part's header rows by a layout's words is imports/sheet_headers.py.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from workflow.amounts import normalise
from workflow.report_file import COMPUTED_CELLS_PROPERTY
from workflow.text import UNSAFE_CATEGORIES


@dataclass
class SheetReading:
    """A report document read from a sheet, where each of its values came from, and problems."""

    document: dict[str, Any]
    #: Document path (``budget.lines[3].initial``) → the cell it came from (``自评价表!B9``).
    cells: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    #: Printed figures the form computes that disagree with jixiao's own (never refusals).
    disagreements: list[str] = field(default_factory=list)
    #: The layout the sheet was read by.
    layout: str = ""
    #: The title block's department cell and what it names (a code may come first).
    department_cell: tuple[str, str] | None = None
    #: Cells (row, column) placed in a field, a heading or a compared figure.
    placed: set[tuple[int, int]] = field(default_factory=set)
    #: Cells already named by a problem: one problem per cell, never a follow-on line.
    named: set[tuple[int, int]] = field(default_factory=set)
    #: The budget's own printed 分值 and 得分 (``weight``, ``score``) where the form scores
    #: 预算执行率 in the budget part: its 总分 counts them beside the indicators'.
    budget_points: dict[str, Decimal] = field(default_factory=dict)

    def problem_at(self, at: tuple[int, int], message: str) -> None:
        """Record ``message`` for the cell ``at`` unless a problem already names that cell."""
        if at not in self.named:
            self.named.add(at)
            self.problems.append(message)

    def place(self, where: str) -> str:
        """The cell behind a document path (or the nearest enclosing one), for messages."""
        probe = where
        while probe:
            if probe in self.cells:
                return self.cells[probe]
            probe = probe.rpartition(".")[0]
        return where


def text(value: object) -> str:
    """A cell's value as the text typed, whitespace collapsed; '' for an empty cell.

    Characters the text rules refuse are left out: the sheet's scan names each such cell
    once (imports/sheet_region.py), so nothing read from it fails a second time.
    """
    if value is None:
        return ""
    if isinstance(value, float):
        # repr is a float's shortest round-trip form: 300.09 stays 300.09.
        return repr(value)
    typed = str(value)
    if not typed.isprintable():
        typed = "".join(
            ch for ch in typed if ch.isspace() or unicodedata.category(ch) not in UNSAFE_CATEGORIES
        )
    return " ".join(typed.split())


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


def cell_points(value: object) -> Decimal | None:
    """A 分值 or 得分 cell's number, ``10分`` as 10; None when blank or not a number."""
    return number(normalise(text(value)).removesuffix("分"))


_NOTE = re.compile(r"\([^)]*\)")


def header_key(value: object) -> str:
    """A header cell's words: no spaces, no bracketed unit or note.

    ``预算执行率（%）`` → ``预算执行率``, ``全年预算数（A）`` → ``全年预算数``: regions write
    the unit or a formula letter in brackets, the column is the same.
    """
    return _NOTE.sub("", "".join(normalise(text(value)).split()))


def computed_cells(sheet: Any) -> dict[tuple[int, int], Decimal]:
    """The figures jixiao printed of its own in ``sheet`` when it rendered the workbook (the
    scheme's 分值, the rule's 得分: docs/decisions/0750), by (row, column); empty for any
    other workbook, or when the list is not jixiao's shape."""
    properties = getattr(sheet.parent, "custom_doc_props", None)
    found = next((p for p in properties or () if p.name == COMPUTED_CELLS_PROPERTY), None)
    try:
        listed = json.loads(found.value)[sheet.title] if found is not None else {}
        cells = {}
        for coordinate, printed in listed.items():
            letters, row = coordinate_from_string(coordinate)
            cells[(row, column_index_from_string(letters))] = Decimal(printed)
        return cells
    except (ValueError, TypeError, KeyError, AttributeError, InvalidOperation):
        return {}


class Sheet:
    """Cell access with merged ranges resolved to their top-left value."""

    def __init__(self, sheet: Any) -> None:
        self.sheet = sheet
        self.computed = computed_cells(sheet)
        self.title: str = sheet.title
        self.max_row: int = sheet.max_row
        self.max_column: int = sheet.max_column
        self._keys: dict[tuple[int, int], str] = {}
        self._merged: dict[tuple[int, int], tuple[int, int]] = {}
        self._ranges: dict[tuple[int, int], tuple[int, int, int, int]] = {}
        for merged in sheet.merged_cells.ranges:
            self._ranges[(merged.min_row, merged.min_col)] = (
                merged.min_row,
                merged.min_col,
                merged.max_row,
                merged.max_col,
            )
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

    def printed_by_jixiao(self, row: int, column: int) -> bool:
        """Whether the cell still holds the figure jixiao computed and printed there when it
        rendered this workbook: nothing typed (a cell changed since is typed)."""
        printed = self.computed.get((row, column))
        return printed is not None and number(self.value(row, column)) == printed

    def header_words(self, row: int, column: int) -> str:
        """:func:`header_key` of the cell, worked out once (every layout looks at it)."""
        at = (row, column)
        if at not in self._keys:
            self._keys[at] = header_key(self.value(row, column))
        return self._keys[at]

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

    def merged_range(self, row: int, column: int) -> tuple[int, int, int, int]:
        """The range (top, left, bottom, right) holding the cell: itself if not merged."""
        return self._ranges.get(
            self._merged.get((row, column), (row, column)), (row, column, row, column)
        )

    def where(self, row: int, column: int) -> str:
        """The cell as refusals name it: ``sheet 自评表 row 12 column H``."""
        return f"sheet {self.title} row {row} column {get_column_letter(column)}"

    def ref(self, row: int, column: int) -> str:
        """The cell's name as a spreadsheet shows it: ``自评价表!E12``."""
        return f"{self.title}!{get_column_letter(column)}{row}"

    def indent(self, row: int, column: int) -> int:
        """The cell's indent level (jixiao's own export indents budget labels by depth)."""
        return int(self.sheet.cell(row=row, column=column).alignment.indent or 0)
