"""Printing: JSON for scripts, rich tables for people."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TextIO


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def shown(value: Any, *, lines: bool = False) -> str:
    """``value`` as text safe to print on a terminal: every control or format character,
    lone surrogate and line separator written as its escape (``\\x1b``, ``\\u200b``), never
    raw, whatever the text's age (a log recorded before the text rules may hold any).
    ``lines`` keeps line breaks, for multi-line table cells."""
    from workflow.text import escaped

    return escaped("" if value is None else str(value), keep="\n" if lines else "")


def print_json(data: Any) -> None:
    """One JSON document on stdout; decimals as strings, times as ISO 8601."""
    print(json.dumps(data, ensure_ascii=False, default=_plain, indent=2))


#: Width of the console that lays out a table printed to a file or a pipe: wide enough
#: that no cell is wrapped, so each row stays one line (for grep, cut and diff).
_PLAIN_WIDTH = 10_000


def print_table(title: str | None, columns: Sequence[str], rows: Iterable[Iterable[Any]]) -> None:
    """A table for people, with right-aligned numbers; every cell :func:`shown`, and never
    read as rich markup (a name such as ``[/]`` is text, not a tag).

    Nothing is ever cut: on a terminal a figure keeps its full width (it never wraps) and
    text wraps within its column, folding a word longer than the column; to a file or a
    pipe the table is plain text, one row a line, columns aligned with spaces and no box
    drawing.
    """
    from rich.cells import cell_len
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    terminal = console.is_terminal
    materialised = [[shown(v, lines=True) for v in row] for row in rows]
    if terminal:
        heading = Text(shown(title)) if title is not None else None
        table = Table(title=heading, show_lines=False, header_style="bold")
    else:
        if title is not None:
            print(shown(title))
        table = Table(box=None, show_edge=False, pad_edge=False, header_style="")
        console = Console(width=_PLAIN_WIDTH, no_color=True, highlight=False)
    for i, column in enumerate(columns):
        cells = [row[i] for row in materialised if row[i]]
        numeric = bool(cells) and all(_looks_numeric(cell) for cell in cells)
        widest = max((cell_len(line) for c in cells for line in c.splitlines()), default=0)
        table.add_column(
            column,
            justify="right" if numeric else "left",
            no_wrap=numeric,
            min_width=max(widest, cell_len(column)) if numeric else None,
            overflow="fold",
        )
    for row in materialised:
        table.add_row(*(Text(cell) for cell in row))
    if terminal:
        console.print(table)
        return
    with console.capture() as captured:
        console.print(table)
    print("\n".join(line.rstrip() for line in captured.get().splitlines()))


def _looks_numeric(text: str) -> bool:
    try:
        Decimal(text.rstrip("%"))
    except ArithmeticError:
        return False
    return True


def print_view(view: dict[str, Any], heading: str | None = None) -> None:
    """A report view for people: a heading line, the budget table and the indicators."""
    budget = view["budget"]
    print(
        shown(
            heading
            or f"{view['department_name']} {view['year']} · revision {view['revision']} · "
            f"stage {view['stage']} · 预算调整率 {budget['adjustment_rate']}%"
        )
    )
    print_table(
        f"本年度预算资金（{budget['unit']}）",
        [
            "id",
            "项目",
            "年初预算数",
            "调整数",
            "上级指标及其他",
            "预算合计数",
            "实际支出数",
            "执行率%",
        ],
        [
            [
                r["id"],
                "  " * r["depth"] + r["name"],
                r["initial"],
                r["adjustments"],
                r["higher_level"],
                r["total"],
                r["actual"],
                r["execution_rate"],
            ]
            for r in budget["rows"]
        ],
    )
    # What the table cannot show: a parent typed against its children, a missing figure.
    # They block submission; --json has them as budget.problems.
    for problem in budget.get("problems", ()):
        print(f"problem: {shown(problem)}")
    adjustments = [(r["id"], a) for r in budget["rows"] for a in r.get("adjustment_items", ())]
    if adjustments:
        # Their ids are what `report line cancel-adjustment` takes.
        print_table(
            "预算调整",
            ["id", "line", "kind", "amount", "reason", "document", "cancelled"],
            [
                [a["id"], line, a["kind"], a["raw"], a["reason"], a["document"], a["cancelled"]]
                for line, a in adjustments
            ],
        )
    print_table(
        "绩效指标",
        ["id", "类别", "指标名称", "目标值", "完成值", "偏差原因", "状态"],
        [
            [
                i["id"],
                i["category"],
                i["name"],
                i["target"]["raw"],
                (i["actual"] or {}).get("raw"),
                (i["deviation"] or {}).get("raw"),
                i["status"],
            ]
            for i in view["indicators"]
        ],
    )
    if view.get("score"):
        print(f"score {view['score']['total']} · grade {view['score']['grade']}")
    # Views stored before view version 2 have no notices: nothing to print for them.
    print_notices(n["message"] for n in view.get("notices", ()))


def print_notices(messages: Iterable[str], file: TextIO | None = None) -> None:
    """One ``notice: …`` line per notice (figures that nearly agree; they block nothing)."""
    for message in messages:
        print(f"notice: {shown(message)}", file=file)
