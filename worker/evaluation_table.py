"""The 自评价表 laid out as the seed prints it, computed once for the HTML and the XLSX.

The budget part is one row per line with its six figures; the indicator part groups rows
by category (一级) and project (二级) into merged cells. Figures come from the report view
(:func:`projections.report_view.report_view`), never from the text a user typed for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from typing import Any

#: The budget part's figure columns, as the form heads them.
BUDGET_HEADERS = (
    "年初预算数",
    "当年使用上年结余、结转及当年调整预算数",
    "上级指标及其他",
    "预算合计数",
    "实际支出数",
    "预算执行率（%）",
)

#: The view's keys for those columns, in order.
BUDGET_KEYS = ("initial", "adjustments", "higher_level", "total", "actual", "execution_rate")

#: The indicator part's value columns after 分解目标 (类别 / 项目 / 指标名称).
INDICATOR_HEADERS = ("指标目标值", "指标完成值", "偏差原因分析")

#: What a cell shows when a figure does not apply (a rate over a zero total).
NOT_APPLICABLE = "/"

_DENOMINATORS = {"initial": "年初预算数", "adjusted_total": "预算合计数"}


def plain_number(text: str | None) -> str:
    """A decimal as the form prints it: no exponent, no trailing zeros (``100.0`` → ``100``)."""
    if text is None:
        return NOT_APPLICABLE
    value = Decimal(text)
    if value.is_zero():
        return "0"
    return format(value.normalize(), "f")


def percent(text: str | None) -> str:
    """A percentage figure with its sign (``100.0`` → ``100%``)."""
    return NOT_APPLICABLE if text is None else f"{plain_number(text)}%"


@dataclass(frozen=True)
class BudgetRow:
    """One line of 本年度预算资金: its label as printed and its six figures."""

    id: str
    label: str
    depth: int
    #: The figures as printed, in :data:`BUDGET_HEADERS` order.
    cells: tuple[str, ...]
    #: The same figures as decimals (rates in per cent), None where not applicable.
    values: tuple[Decimal | None, ...]


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator with the spans of its merged category and project cells.

    A span of 0 means the cell is covered by a row above; a row without a project has
    its name spread over the project column (``project_span`` 0).
    """

    id: str
    category: str
    project: str | None
    name: str
    target: str
    actual: str
    reason: str
    status: str
    category_span: int
    project_span: int


@dataclass(frozen=True)
class EvaluationTable:
    """The whole 自评价表: title, both parts and the 备注."""

    title: str
    year: int
    department_name: str
    unit: str
    budget: tuple[BudgetRow, ...]
    indicators: tuple[IndicatorRow, ...]
    notes: tuple[str, ...]


def _budget_rows(rows: list[dict[str, Any]]) -> tuple[BudgetRow, ...]:
    first_child: set[str] = set()
    seen_parents: set[str | None] = set()
    for row in rows:
        if row["parent"] is not None and row["parent"] not in seen_parents:
            first_child.add(row["id"])
        seen_parents.add(row["parent"])
    built = []
    for row in rows:
        raw = [row[key] for key in BUDGET_KEYS]
        cells = (*(plain_number(v) for v in raw[:-1]), percent(raw[-1]))
        values = tuple(None if v is None else Decimal(v) for v in raw)
        # The form marks the first child of each parent with 其中： (of which).
        label = ("其中：" if row["id"] in first_child else "") + row["name"]
        built.append(BudgetRow(row["id"], label, row["depth"], cells, values))
    return tuple(built)


def _spans(items: list[Any], key: Any) -> list[int]:
    spans: list[int] = []
    for _, group in groupby(items, key=key):
        size = len(list(group))
        spans += [size] + [0] * (size - 1)
    return spans


def _indicator_rows(indicators: list[dict[str, Any]]) -> tuple[IndicatorRow, ...]:
    category_spans = _spans(indicators, lambda i: i["category"])
    # Rows without a project never merge: each spreads its name over the project column.
    project_spans = _spans(
        indicators,
        lambda i: (i["category"], i["project"]) if i["project"] else (i["id"],),
    )
    return tuple(
        IndicatorRow(
            id=i["id"],
            category=i["category"],
            project=i["project"],
            name=i["name"],
            target=i["target"]["raw"],
            actual=i["actual"]["raw"] if i["actual"] else "",
            reason=i["deviation"]["raw"] if i["deviation"] else "",
            status=i["status"],
            category_span=category_span,
            project_span=project_span if i["project"] else 0,
        )
        for i, category_span, project_span in zip(
            indicators, category_spans, project_spans, strict=True
        )
    )


def _notes(view: dict[str, Any]) -> tuple[str, ...]:
    budget = view["budget"]
    denominator = _DENOMINATORS.get(budget["adjustment_rate_denominator"], "年初预算数")
    notes = [
        f"预算调整率（系统计算）：{percent(budget['adjustment_rate'])}"
        f"（调整数绝对值 ÷ {denominator}）"
    ]
    score = view.get("score")
    if score:
        notes.append(
            f"综合得分：{plain_number(score['total'])} 分（预算执行 "
            f"{plain_number(score['budget_points'])} 分，绩效指标 "
            f"{plain_number(score['indicator_points'])} 分），等级：{score['grade']}"
        )
    return tuple(notes)


def evaluation_table(view: dict[str, Any], title: str) -> EvaluationTable:
    """The 自评价表 of a report view, titled ``title``."""
    return EvaluationTable(
        title=title,
        year=view["year"],
        department_name=view["department_name"],
        unit=view["budget"]["unit"],
        budget=_budget_rows(view["budget"]["rows"]),
        indicators=_indicator_rows(view["indicators"]),
        notes=_notes(view),
    )
