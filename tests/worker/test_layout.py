"""The visual check: the seed's PDF drawn to PNG, and its tables found where the form has them.

The 自评价表 pages are drawn with poppler's ``pdftoppm``; pdfplumber finds the tables from
the ruling lines WeasyPrint drew and reads which text falls in which cell. A template change
that breaks the layout — a column squeezed until figures wrap, a cell spilling over its
border, a lost merge, a figure no longer right-aligned, a border not drawn — moves text out
of its cell or a line off its place, and fails here, whatever the bytes.
"""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from PIL import Image

from projections.report_view import report_view
from tests.seed import BUDGET_LINES, INDICATORS
from tests.worker.test_documents import provenance
from tests.workflow.report_builders import state_at
from worker.evaluation_table import BUDGET_HEADERS
from worker.render import render_documents
from workflow.stages import Stage

#: Resolution the pages are drawn at: 2 pixels per point.
DPI = 144
SCALE = DPI / 72

#: A4 in points, and the page margins of the stylesheet (20 mm left and right).
A4 = (595.28, 841.89)
MARGIN = 20 / 25.4 * 72

#: The cell padding of the stylesheet (1.5 mm), within which text sits against a border.
PADDING = 1.5 / 25.4 * 72


@pytest.fixture(scope="module", params=["default", "national-10-90"])
def pdf(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The signed-off seed's PDF as the worker renders it, under the seed's scheme and under
    the scored national one (two more columns in each table)."""
    view = report_view(state_at(Stage.SIGNED_OFF, request.param))
    path = tmp_path_factory.mktemp("layout") / f"seed-{request.param}.pdf"
    path.write_bytes(render_documents(view, provenance(), ["pdf"])["pdf"])
    return path


def is_scored(path: Path) -> bool:
    return path.stem.endswith("national-10-90")


def table_pages(path: Path) -> list[Any]:
    """The pages of the 自评价表 (from the one line 预算部门名称： on)."""
    pages = pdfplumber.open(path).pages
    first = next(
        i for i, page in enumerate(pages) if "预算部门名称：" in (page.extract_text() or "")
    )
    return pages[first:]


def tables(page: Any) -> list[Any]:
    """The tables pdfplumber finds on ``page`` from its ruling lines, top to bottom, each
    found on its own: the two tables' columns nearly line up, and pdfplumber would snap a
    border of one onto the other's (its tolerance is 3 pt)."""
    found = []
    for rough in page.find_tables():
        _, top, _, bottom = rough.bbox
        found.append(page.crop((0, top - 1, page.width, bottom + 1)).find_tables()[0])
    return found


def drawn(path: Path, page_number: int, folder: Path) -> Image.Image:
    """Page ``page_number`` (1-based) drawn by pdftoppm at :data:`DPI`."""
    prefix = folder / f"page-{page_number}"
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            str(DPI),
            "-png",
            "-singlefile",
            "-f",
            str(page_number),
            "-l",
            str(page_number),
            str(path),
            str(prefix),
        ],
        check=True,
    )
    return Image.open(f"{prefix}.png").convert("L")


def flat(cell: str | None) -> str | None:
    """A cell's text as one line (pdfplumber keeps a wrapped cell's line breaks)."""
    return None if cell is None else cell.replace("\n", "")


def test_the_budget_table_has_a_cell_for_every_figure_right_aligned(pdf: Path) -> None:
    page = table_pages(pdf)[0]
    budget = tables(page)[0]
    grid = [[flat(cell) for cell in row] for row in budget.extract()]
    scores = ["分值", "得分"] if is_scored(pdf) else []
    assert grid[0] == ["本年度预算资金（万元）", *BUDGET_HEADERS, *scores]
    for index, (row, line) in enumerate(zip(grid[1:], BUDGET_LINES, strict=True)):
        figures = (line.initial, line.adjustment, line.higher_level, line.total, line.actual)
        points = (["10.00", "10.00"] if index == 0 else ["", ""]) if scores else []
        assert row[1:] == [
            *(f"{Decimal(f):.2f}" for f in figures),
            f"{Decimal(line.rate):.1f}",
            *points,
        ]
    # The table fits between the page's margins.
    x0, _, x1, _ = budget.bbox
    assert x0 >= MARGIN - 1 and x1 <= A4[0] - MARGIN + 1
    # Every figure ends one padding short of its cell's right border: the column lines up.
    words = page.extract_words()
    for row, texts in zip(budget.rows[1:], grid[1:], strict=True):
        for cell, text in zip(row.cells[1:], texts[1:], strict=True):
            inside = [
                w
                for w in words
                if cell[0] <= w["x0"]
                and w["x1"] <= cell[2]
                and cell[1] <= w["top"]
                and w["bottom"] <= cell[3]
            ]
            assert len(inside) == (1 if text else 0), (cell, inside)
            if text:
                assert abs(cell[2] - inside[0]["x1"] - PADDING) < 1, (cell, inside[0])


def test_the_indicator_table_keeps_its_heads_and_merged_cells(pdf: Path) -> None:
    pages = table_pages(pdf)
    indicators = tables(pages[0])[1]
    grid = [[flat(cell) for cell in row] for row in indicators.extract()]
    scores = ["分值", "得分"] if is_scored(pdf) else []
    values = ["指标目标值", "指标完成值", *scores, "偏差原因分析"]
    assert grid[0] == ["分解目标", None, None, *values]
    assert grid[1] == ["一级指标", "二级指标", "三级指标", *[None] * len(values)]
    # A name without a 二级指标 spreads over the 二级 and 三级 columns.
    first = INDICATORS[0]
    points = ["2.65", "2.65"] if scores else []
    assert grid[2][1:] == [first.name, None, first.target, first.actual, *points, "……"]
    # Each 一级指标 is one cell over its rows: its words are in the 一级 column once, in
    # order, across the pages (a lost merge would print it on every row).
    head = indicators.rows[1].cells[0]
    assert head is not None
    left, right = head[0], head[2]
    column = []
    for number, page in enumerate(pages):
        found = tables(page)
        if not found:
            continue  # the sign block's page: a table without ruling lines
        table = indicators if number == 0 else found[0]
        below = head[3] if number == 0 else table.bbox[1]
        column += [
            w["text"]
            for w in page.extract_words()
            if left <= w["x0"]
            and w["x1"] <= right
            and below < w["top"] < table.bbox[3]
            and w["text"] != "一级指标"  # the heads, repeated at the top of the next page
        ]
    categories = list(dict.fromkeys(seed.category for seed in INDICATORS))
    assert "".join(column) == "".join(categories) + "备注"
    # Every indicator is found, in order, on this page or the next, its target in its cell.
    rows = grid[2:]
    for page in pages[1:]:
        for table in tables(page):
            rows += [[flat(cell) for cell in row] for row in table.extract()]
    targets = [row[3] for row in rows if row[3] not in (None, "指标目标值")]
    assert targets[: len(INDICATORS)] == [seed.target for seed in INDICATORS]


def test_the_borders_pdfplumber_finds_are_drawn_on_the_page(pdf: Path, tmp_path: Path) -> None:
    pages = table_pages(pdf)
    image = drawn(pdf, pages[0].page_number, tmp_path)
    assert image.size == (round(A4[0] * SCALE), round(A4[1] * SCALE))
    budget = tables(pages[0])[0]
    top, bottom = budget.bbox[1], budget.bbox[3]
    columns = sorted({cell[0] for cell in budget.rows[1].cells} | {budget.bbox[2]})
    assert len(columns) == 1 + len(BUDGET_HEADERS) + (2 if is_scored(pdf) else 0) + 1
    for x in columns:
        # The darkest of the pixel columns around the border, over the table's height.
        strip = [
            min(image.getpixel((round(x * SCALE) + dx, round(y * SCALE))) for dx in (-1, 0, 1))
            for y in range(round(top) + 2, round(bottom) - 2)
        ]
        dark = sum(1 for value in strip if value < 128)
        assert dark >= 0.95 * len(strip), (x, dark, len(strip))
    # Between two borders, a blank band of a cell is white: nothing spills over a line.
    cell = budget.rows[1].cells[1]
    band = [
        image.getpixel((round((cell[0] + 1.5) * SCALE), round(y * SCALE)))
        for y in range(round(cell[1]) + 2, round(cell[3]) - 2)
    ]
    assert min(band) > 200
