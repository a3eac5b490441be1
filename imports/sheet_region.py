"""What a reading must account for: every cell under the text rules, instruction text
refused as unfilled, and every non-empty cell of the table region placed or named
(decision 0702).

The table region is the budget part (its header rows to its last fund row) and the
indicator part (its header rows to its last indicator, with a 合计 / 总分 row closing it).
A cell there that no field, heading or compared figure took is a refusal naming the
cell, its column's header and the layout; a column whose header the layout does not know
is named once, at its header, with the count of cells below it.
"""

from __future__ import annotations

from imports.sheet_cells import Sheet, SheetReading
from imports.sheet_headers import Header
from imports.sheet_layouts import Layout
from workflow.errors import InvalidValue
from workflow.text import SECTION_LIMIT, clean

#: What a spreadsheet cell may hold, for the text rules' messages.
_CELL = "the text of a cell"


def check_text(sheet: Sheet, layout: Layout, reading: SheetReading) -> None:
    """Name every cell the text rules refuse, or that still holds the template's
    instructions; before anything is read, so that each is named once."""
    for row in sheet.sheet.iter_rows():
        for cell in row:
            value = cell.value
            if not isinstance(value, str) or not value.strip():
                continue
            at = (cell.row, cell.column)
            subject = sheet.ref(*at)
            try:
                typed = clean(subject, value, multiline=True, expected=_CELL)
            except InvalidValue as error:
                reading.problem_at(at, str(error))
                continue
            if len(typed) > SECTION_LIMIT:
                reading.problem_at(
                    at,
                    f"{subject}: got {len(typed):,} characters, expected {_CELL} of at most "
                    f"{SECTION_LIMIT:,}",
                )
            elif layout.is_unfilled(typed):
                shown = " ".join(typed.split())
                shown = shown if len(shown) <= 40 else shown[:40] + "…"
                reading.problem_at(
                    at,
                    f"{sheet.where(*at)}: unfilled, still holds the template's instruction "
                    f"{shown!r}, expected what it asks for typed in its place",
                )


def _column_label(sheet: Sheet, header: Header, column: int) -> str:
    """The words heading ``column`` in ``header`` ('' when none does)."""
    for role, at in header.columns.items():
        if at == column:
            return header.labels[role]
    cell = header.unknown.get(column)
    return sheet.text(*cell) if cell is not None else ""


def check_placed(
    sheet: Sheet,
    layout: Layout,
    parts: list[tuple[Header, int]],
    reading: SheetReading,
) -> None:
    """Name every non-empty cell of each part (its header to the row before its end) that
    the reading did not place."""
    for header, end in parts:
        reading.placed |= header.cells
        reading.problems.extend(header.problems)
        # A refused header names its column: no line more for each cell under it.
        for column in header.refused:
            reading.named.update((row, column) for row in range(header.first_data_row, end))
        for column, cell in sorted(header.unknown.items()):
            below = [
                row
                for row in range(header.first_data_row, end)
                if sheet.starts_here(row, column) and sheet.text(row, column)
            ]
            reading.named.update((row, column) for row in below)
            count = f"{len(below)} cell{'s' if len(below) != 1 else ''} below it"
            reading.problem_at(
                cell,
                f"{sheet.where(*cell)} {sheet.text(*cell)!r}: not placed by layout {layout.name} "
                f"(no column of the layout has this header; {count})",
            )
        for row in range(header.row, end):
            for column in range(1, sheet.max_column + 1):
                at = (row, column)
                if at in reading.placed or at in reading.named:
                    continue
                if not sheet.starts_here(*at) or not sheet.text(*at):
                    continue
                label = _column_label(sheet, header, column)
                shown = f" {label!r}" if label else ""
                reading.problem_at(
                    at, f"{sheet.where(*at)}{shown}: not placed by layout {layout.name}"
                )
