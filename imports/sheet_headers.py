"""Finding a part's header rows by a layout's words (imports/sheet_layouts.py).

A part's header takes one row or two. With two, a column is headed by its lower cell when
that cell has words of its own, else by the upper one (a header merged down both rows);
an upper cell spread over several columns is the group's heading (分解目标 over 类别 and
指标名称, 年度预算数（万元） over 年初预算 …). A header cell whose words match two roles,
or two columns heading one role, is a refusal: the reading never guesses between them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from imports.sheet_cells import Sheet
from imports.sheet_layouts import Part


@dataclass
class Header:
    """A part's header: its first row, how many rows it takes, and each role's column."""

    row: int
    height: int
    columns: dict[str, int]
    labels: dict[str, str]
    #: Header cells placed (a role's header, a group heading, a heading left of the part).
    cells: set[tuple[int, int]] = field(default_factory=set)
    #: Refusals: a cell that could head two roles, a role headed by two columns.
    problems: list[str] = field(default_factory=list)
    #: Columns whose header matched no role: column → (row, column) of the header cell.
    unknown: dict[int, tuple[int, int]] = field(default_factory=dict)
    #: Columns whose header is refused (ambiguous): their cells are named by that refusal.
    refused: set[int] = field(default_factory=set)

    @property
    def first_data_row(self) -> int:
        """The first row below the header."""
        return self.row + self.height

    def has(self, role: str) -> bool:
        """Whether the part has a column for ``role``."""
        return role in self.columns

    def first_column(self) -> int:
        """The leftmost column any role heads."""
        return min(self.columns.values())


def _heading_cell(sheet: Sheet, row: int, height: int, column: int) -> tuple[int, int] | None:
    """The cell whose words head ``column``: the lowest header row's own, else one merged
    down from a header row above."""
    for at in range(row + height - 1, row - 1, -1):
        top, left, bottom, right = sheet.merged_range(at, column)
        if top < row or left != column:
            continue  # merged in from above the header, or from a column on the left
        if sheet.header_words(top, left):
            spread = right > left and bottom < row + height - 1
            # An upper cell spread over columns is a group's heading, not a column's.
            if not spread:
                return top, left
    return None


def header_at(sheet: Sheet, row: int, part: Part, layout: str) -> Header:
    """The roles the header cells of ``row`` (and the row below, for a two-row header) head."""
    header = Header(row, part.header_rows, {}, {})
    for column in range(1, sheet.max_column + 1):
        cell = _heading_cell(sheet, row, part.header_rows, column)
        if cell is None:
            continue
        key = sheet.header_words(*cell)
        roles = part.roles_of(key)
        if len(roles) > 1:
            header.problems.append(
                f"{sheet.where(*cell)} {key!r}: could head {' or '.join(roles)} in layout "
                f"{layout}, expected words of one column only"
            )
            header.cells.add(cell)
            header.refused.add(column)
        elif roles:
            role = roles[0]
            if role in header.columns:
                first = header.columns[role]
                header.problems.append(
                    f"{sheet.where(*cell)} {key!r}: heads {role} like column "
                    f"{sheet.where(row, first).rpartition(' ')[2]} "
                    f"{header.labels[role]!r} in layout {layout}, expected one column for it"
                )
                header.cells.add(cell)
                header.refused.add(column)
            else:
                header.columns[role] = column
                header.labels[role] = key
                header.cells.add(cell)
        else:
            header.unknown[column] = cell
    return header


def find_header(
    sheet: Sheet,
    part: Part,
    layout: str,
    accept: Callable[[Header], bool],
    *,
    after: int = 0,
) -> Header | None:
    """The first header below row ``after`` that ``accept`` takes, if any."""
    for row in range(after + 1, sheet.max_row + 1):
        header = header_at(sheet, row, part, layout)
        if header.columns and accept(header):
            _place_headings(sheet, header)
            return header
    return None


def _place_headings(sheet: Sheet, header: Header) -> None:
    """Group headings over the columns and headings left of them count as placed."""
    first = header.first_column()
    for row in range(header.row, header.first_data_row):
        for column in range(1, sheet.max_column + 1):
            if not sheet.starts_here(row, column) or not sheet.text(row, column):
                continue
            _, left, _, right = sheet.merged_range(row, column)
            if column < first or (right > left and (row, column) not in header.unknown.values()):
                header.cells.add((row, column))
    # A heading left of the part merged down its rows (项目资金（万元）, 绩效指标) heads no column.
    for column, cell in list(header.unknown.items()):
        if column < first:
            header.cells.add(cell)
            del header.unknown[column]
