"""Reading rendered HTML back with the standard library: tables as grids, text blocks in order."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

_CELLS = ("td", "th")
_BLOCKS = ("h1", "h2", "h3", "h4", "h5", "p")


@dataclass
class _Cell:
    text: str = ""
    rowspan: int = 1
    colspan: int = 1


@dataclass
class _Reader(HTMLParser):
    tables: dict[str, list[list[_Cell]]] = field(default_factory=dict)
    blocks: list[tuple[str, str]] = field(default_factory=list)
    _table: str | None = None
    _cell: _Cell | None = None
    _block: list[str] | None = None
    _block_tag: str = ""

    def __post_init__(self) -> None:
        super().__init__()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "table":
            self._table = values.get("id") or f"table-{len(self.tables)}"
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append([])
        elif tag in _CELLS and self._table is not None:
            self._cell = _Cell(
                rowspan=int(values.get("rowspan") or 1), colspan=int(values.get("colspan") or 1)
            )
        elif tag in _BLOCKS and self._table is None:
            self._block, self._block_tag = [], tag

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif tag in _CELLS and self._cell is not None and self._table is not None:
            self._cell.text = self._cell.text.strip()
            self.tables[self._table][-1].append(self._cell)
            self._cell = None
        elif tag == self._block_tag and self._block is not None:
            self.blocks.append((tag, "".join(self._block).strip()))
            self._block = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.text += data
        elif self._block is not None:
            self._block.append(data)


def _grid(rows: list[list[_Cell]]) -> list[list[str]]:
    """The rows with every merged cell's text repeated in each slot it covers."""
    grid: list[list[str | None]] = [[] for _ in rows]
    for r, row in enumerate(rows):
        column = 0
        for cell in row:
            while column < len(grid[r]) and grid[r][column] is not None:
                column += 1
            for dr in range(cell.rowspan):
                target = grid[r + dr]
                while len(target) < column + cell.colspan:
                    target.append(None)
                for dc in range(cell.colspan):
                    target[column + dc] = cell.text
            column += cell.colspan
    return [[text or "" for text in row] for row in grid]


def read_tables(html: str) -> dict[str, list[list[str]]]:
    """Every table of the page by id, as a grid of cell texts (spans expanded)."""
    reader = _Reader()
    reader.feed(html)
    return {name: _grid(rows) for name, rows in reader.tables.items()}


def read_blocks(html: str) -> list[tuple[str, str]]:
    """The headings and paragraphs outside tables, as (tag, text), in document order."""
    reader = _Reader()
    reader.feed(html)
    return reader.blocks
