"""Printing: JSON for scripts, plain text tables for people."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TextIO
from unicodedata import combining, east_asian_width


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


def print_table(title: str | None, columns: Sequence[str], rows: Iterable[Iterable[Any]]) -> None:
    """A table for people; every cell :func:`shown`, nothing ever cut.

    On a terminal, a boxed table fitted to its width: a figure keeps its full width (it
    never wraps) and text wraps within its column, folding a word longer than the column.
    To a file or a pipe, plain text: the title, the column names over a rule, then one line
    per row (more for a cell that holds line breaks), columns two spaces apart and sized
    by display width (a CJK character takes two), numbers right-aligned; a long row stays
    one line, whole for grep and ``less -S``. The plain path is written here rather than
    with rich, whose layout took longer than the audit trail's query (docs/decisions/0403).
    """
    cells = [[shown(v, lines=True).split("\n") for v in row] for row in rows]
    right = [
        bool(cells) and all(_looks_numeric("\n".join(r[i])) for r in cells if r[i] != [""])
        for i in range(len(columns))
    ]
    if _on_terminal():
        _print_boxed(title, columns, cells, right)
        return
    widths = [
        max([_width(name), *(_width(line) for r in cells for line in r[i])])
        for i, name in enumerate(columns)
    ]
    if title is not None:
        print(shown(title))
    print(_row_line([shown(c) for c in columns], widths, right))
    print(_row_line(["-" * w for w in widths], widths, right))
    for row in cells:
        for k in range(max((len(cell) for cell in row), default=1)):
            print(_row_line([cell[k] if k < len(cell) else "" for cell in row], widths, right))


def _on_terminal() -> bool:
    """Whether stdout is a terminal (``FORCE_COLOR`` says so too, as it does to rich)."""
    return sys.stdout.isatty() or bool(os.environ.get("FORCE_COLOR"))


def _print_boxed(
    title: str | None,
    columns: Sequence[str],
    cells: list[list[list[str]]],
    right: Sequence[bool],
) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    heading = Text(shown(title)) if title is not None else None
    table = Table(title=heading, show_lines=False, header_style="bold")
    for i, column in enumerate(columns):
        widest = max((_width(line) for r in cells for line in r[i]), default=0)
        table.add_column(
            Text(shown(column)),
            justify="right" if right[i] else "left",
            no_wrap=right[i],
            min_width=max(widest, _width(column)) if right[i] else None,
            overflow="fold",
        )
    for row in cells:
        # Text, not str: a cell is never read as rich markup (``[/]`` is text, not a tag).
        table.add_row(*(Text("\n".join(cell)) for cell in row))
    Console().print(table)


def _width(text: str) -> int:
    """Columns ``text`` takes on a terminal: two for a wide (CJK) character, none for a
    combining mark."""
    return sum(0 if combining(c) else 2 if east_asian_width(c) in ("W", "F") else 1 for c in text)


def _row_line(texts: Sequence[str], widths: Sequence[int], right: Sequence[bool]) -> str:
    padded = (
        " " * (w - _width(t)) + t if r else t + " " * (w - _width(t))
        for t, w, r in zip(texts, widths, right, strict=True)
    )
    return "  ".join(padded).rstrip()


def _looks_numeric(text: str) -> bool:
    try:
        Decimal(text.rstrip("%"))
    except ArithmeticError:
        return False
    return True


def print_view(view: dict[str, Any], heading: str | None = None) -> None:
    """A report view for people: a heading line, the budget table and the indicators (a
    项目支出 report's: its project, the fund rows as its form has them, then its texts)."""
    budget = view["budget"]
    project = view.get("project")
    if project is not None:
        print(
            shown(
                heading
                or f"{view['department_name']} {view['year']} · 项目 {project['code']} "
                f"{project['name']} · revision {view['revision']} · stage {view['stage']}"
            )
        )
        _print_project(view, project)
        return
    print(
        shown(
            heading
            or f"{view['department_name']} {view['year']} · revision {view['revision']} · "
            f"stage {view['stage']} · 预算调整率 {budget['adjustment_rate']}%"
        )
    )
    _print_budget(budget, f"本年度预算资金（{budget['unit']}）", DEPARTMENT_BUDGET)
    _print_adjustments(budget)
    _print_indicators(view)


#: The budget table's columns after id and name, with the view's key of each: the 部门整体
#: report's, and a 项目支出 report's fund rows as the national form heads them.
DEPARTMENT_BUDGET = (
    ("年初预算数", "initial"),
    ("调整数", "adjustments"),
    ("上级指标及其他", "higher_level"),
    ("预算合计数", "total"),
    ("实际支出数", "actual"),
    ("执行率%", "execution_rate"),
)
PROJECT_FUNDS = (
    ("年初预算数", "initial"),
    ("全年预算数", "total"),
    ("全年执行数", "actual"),
    ("执行率%", "execution_rate"),
)


def _print_budget(budget: dict[str, Any], title: str, columns: tuple[tuple[str, str], ...]) -> None:
    print_table(
        title,
        ["id", "项目", *(head for head, _ in columns)],
        [
            [r["id"], "  " * r["depth"] + r["name"], *(r[key] for _, key in columns)]
            for r in budget["rows"]
        ],
    )
    # What the table cannot show: a parent typed against its children, a missing figure.
    # They block submission; --json has them as budget.problems.
    for problem in budget.get("problems", ()):
        print(f"problem: {shown(problem)}")


def _print_adjustments(budget: dict[str, Any]) -> None:
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


def _print_project(view: dict[str, Any], project: dict[str, Any]) -> None:
    """The 项目支出 form's parts: 项目资金 (年初预算数, 全年预算数, 全年执行数, 执行率), the
    indicators, and the texts and names."""
    budget = view["budget"]
    _print_budget(budget, f"项目资金（{budget['unit']}）", PROJECT_FUNDS)
    _print_adjustments(budget)
    _print_indicators(view)
    labels = project["labels"]
    print_table(
        "项目信息",
        ["field", "", "text"],
        [[field, labels[field], project[field]] for field in labels if field != "name"],
    )


def _print_indicators(view: dict[str, Any]) -> None:
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
    adjusted = [i for i in view["indicators"] if i.get("initial_target")]
    if adjusted:
        print_table(
            "调整指标值",
            ["id", "指标名称", "年初指标值", "调整指标值", "理由"],
            [
                [i["id"], i["name"], i["initial_target"]["raw"], i["target"]["raw"],
                 i["adjustment_reason"]]
                for i in adjusted
            ],
        )  # fmt: skip
    if view.get("score"):
        _print_score(view["score"])
    # Views stored before view version 2 have no notices: nothing to print for them.
    print_notices(n["message"] for n in view.get("notices", ()))


def _print_score(score: dict[str, Any]) -> None:
    """The total and grade; once any 得分 is typed, each 分值 and 得分 as typed beside the
    rule's figure (a band for a qualitative indicator), and the total by the rule alone."""
    typed = [s for s in score["indicators"] if s.get("typed") is not None]
    if typed or score.get("budget_typed") is not None:
        rows = [
            [
                "-",
                "预算执行率",
                score["budget_weight"],
                score["budget_typed"],
                score["budget_points"],
            ]
        ]
        rows += [
            [s["indicator"], s["name"], s["weight"], s["typed"], s["rule"] or s["points"]]
            for s in score["indicators"]
        ]
        print_table("得分", ["id", "项目", "分值", "得分（填报）", "得分（规则）"], rows)
    print(f"score {score['total']} · grade {score['grade']}")
    if score.get("rule_total") not in (None, score["total"]):
        print(f"score by the rule alone {score['rule_total']}")


def print_notices(messages: Iterable[str], file: TextIO | None = None) -> None:
    """One ``notice: …`` line per notice (figures that nearly agree; they block nothing)."""
    for message in messages:
        print(f"notice: {shown(message)}", file=file)
