"""Writing test workbooks cell by cell, and the words imports print, shared by the
spreadsheet tests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

#: The line before the printed figures that disagree with jixiao's, when there is one.
ONE_DISAGREEMENT = (
    "1 printed figure disagrees with jixiao's (the typed figures are recorded, the printed "
    "ones are not):"
)


def fill(sheet: Any, top: int, left: int, rows: Iterable[Sequence[object]]) -> None:
    """Write ``rows`` (one sequence of values each) into ``sheet`` from the cell at row
    ``top``, column ``left``."""
    for row, values in enumerate(rows, start=top):
        for column, value in enumerate(values, start=left):
            sheet.cell(row=row, column=column, value=value)
