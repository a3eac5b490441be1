"""The 自评价表 laid out as the forms print it, computed once for the HTML, XLSX and DOCX.

The budget part is one row per line with its six figures; the indicator part groups rows
by category (一级指标) and project (二级指标) into merged cells. Figures come from the report
view (:func:`projections.report_view.report_view`), never from the text a user typed for
them. Amounts are printed with the places the form uses: two, or three when the table was
typed with three (docs/decisions/0802); a scored scheme adds the 分值 and 得分 columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
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

#: The indicator part's value columns after 分解目标 (一级 / 二级 / 三级指标).
INDICATOR_HEADERS = ("指标目标值", "指标完成值", "偏差原因分析")

#: The columns a scored scheme adds (after the budget figures, and before 偏差原因分析).
SCORE_HEADERS = ("分值", "得分")

#: The fewest places an amount is printed with (万元 to the hundredth, as the forms print).
AMOUNT_PLACES = 2


@dataclass(frozen=True)
class IndicatorHeadings:
    """The heads of the three columns under 分解目标: a template setting, the national
    form's 一级指标 / 二级指标 / 三级指标 unless a deployment's form says otherwise."""

    level1: str = "一级指标"
    level2: str = "二级指标"
    level3: str = "三级指标"


#: The national form's heads.
FORM_HEADINGS = IndicatorHeadings()


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


# The figures of a table repeat from one rendering to the next (a page after a change shows
# all but one or two as before): the decimal arithmetic of these two is kept per figure.
@lru_cache(maxsize=16_384)
def places_of(text: str) -> int:
    """The decimal places a number was written with (``12.5`` → 1, ``1.800`` → 3)."""
    exponent = Decimal(text).as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


@lru_cache(maxsize=16_384)
def fixed(text: str | None, places: int) -> str:
    """A decimal printed with exactly ``places`` places (``12.5`` → ``12.50``); "/" for None."""
    if text is None:
        return NOT_APPLICABLE
    value = Decimal(text).quantize(Decimal(1).scaleb(-places))
    return format(value, "f") if not value.is_zero() else format(abs(value), "f")


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
    #: 分值 and 得分 of the line in a scored scheme (the root line: 预算执行率's points; the
    #: 得分 as typed, when typed).
    score: tuple[str, str] = ("", "")
    #: The rule's 得分 where the typed one differs from it ("" otherwise).
    rule_points: str = ""
    #: Whether the printed 得分 is jixiao's (nobody typed one).
    points_computed: bool = False


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
    #: 分值 and 得分 in a scored scheme, as printed ("" when the indicator is not scored): the
    #: 得分 as typed when typed, else the rule's.
    weight: str = ""
    points: str = ""
    #: The rule's 得分 (a figure, or a band such as 8–10) where the typed one differs from it.
    rule_points: str = ""
    #: Which of ``weight`` and ``points`` jixiao computed (the scheme's 分值, the rule's 得分)
    #: rather than printed as typed.
    computed: tuple[str, ...] = ()


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
    #: Places every amount is printed with; the XLSX number format follows it.
    amount_places: int = AMOUNT_PLACES
    #: Places of the rates (the scheme's ``percent_decimals``).
    rate_places: int = 1
    headings: IndicatorHeadings = FORM_HEADINGS
    #: 总分: (分值, 得分) of the whole table in a scored scheme, None otherwise.
    total_score: tuple[str, str] | None = None

    @property
    def scored(self) -> bool:
        """Whether the 分值 and 得分 columns are printed."""
        return self.total_score is not None

    @property
    def budget_headers(self) -> tuple[str, ...]:
        """The budget part's figure column heads, with 分值 / 得分 when scored."""
        return BUDGET_HEADERS + (SCORE_HEADERS if self.scored else ())

    @property
    def value_headers(self) -> tuple[str, ...]:
        """The indicator part's heads after 分解目标, with 分值 / 得分 when scored."""
        target, actual, reason = INDICATOR_HEADERS
        return (target, actual, *(SCORE_HEADERS if self.scored else ()), reason)


def amount_places(rows: list[dict[str, Any]]) -> int:
    """The places the table's amounts are printed with: two, or more when any amount of the
    table was typed with more (a column of figures lines up only at one number of places)."""
    typed = (places_of(row[key]) for row in rows for key in BUDGET_KEYS[:-1] if row[key])
    return max((AMOUNT_PLACES, *typed))


def _budget_rows(
    rows: list[dict[str, Any]], places: int, rate_places: int, score: dict[str, Any] | None
) -> tuple[BudgetRow, ...]:
    first_child: set[str] = set()
    seen_parents: set[str | None] = set()
    for row in rows:
        if row["parent"] is not None and row["parent"] not in seen_parents:
            first_child.add(row["id"])
        seen_parents.add(row["parent"])
    built = []
    for index, row in enumerate(rows):
        raw = [row[key] for key in BUDGET_KEYS]
        # The head says （%）: the rate cells carry the number alone.
        cells = (*(fixed(v, places) for v in raw[:-1]), fixed(raw[-1], rate_places))
        values = tuple(None if v is None else Decimal(v) for v in raw)
        # The form marks the first child of each parent with 其中： (of which).
        label = ("其中：" if row["id"] in first_child else "") + row["name"]
        # Only the whole budget's line is scored (预算执行率's points), as on the forms.
        line_score, rule, computed = ("", ""), "", False
        if score is not None and index == 0:
            line_score, rule = (
                (score["budget_weight"], score["budget_points"]),
                score["budget_rule"],
            )
            computed = score["budget_computed"]
        built.append(
            BudgetRow(row["id"], label, row["depth"], cells, values, line_score, rule, computed)
        )
    return tuple(built)


def _spans(items: list[Any], key: Any) -> list[int]:
    spans: list[int] = []
    for _, group in groupby(items, key=key):
        size = len(list(group))
        spans += [size] + [0] * (size - 1)
    return spans


def indicator_rows(
    indicators: list[dict[str, Any]], scores: dict[str, tuple[str, str, str, bool]]
) -> tuple[IndicatorRow, ...]:
    """The indicator rows of a view's ``indicators``, grouped into merged 一级 and 二级
    cells, with each one's (分值, 得分) from ``scores``."""
    category_spans = _spans(indicators, lambda i: i["category"])
    # Rows without a project never merge: each spreads its name over the project column.
    project_spans = _spans(
        indicators,
        lambda i: (i["category"], i["project"]) if i["project"] else (i["id"],),
    )
    rows = []
    for i, category_span, project_span in zip(
        indicators, category_spans, project_spans, strict=True
    ):
        weight, points, rule, rule_printed = scores.get(i["id"], ("", "", "", False))
        computed = (
            (("weight",) if i["weight"] is None else ()) + (("points",) if rule_printed else ())
            if i["id"] in scores
            else ()
        )
        rows.append(
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
                weight=weight,
                points=points,
                rule_points=rule,
                computed=computed,
            )
        )
    return tuple(rows)


def _points(text: str | None) -> str:
    return "" if text is None else fixed(text, 2)


def scores_of(view: dict[str, Any]) -> dict[str, Any] | None:
    """分值 and 得分 of the budget line, each indicator and the whole table, as printed;
    None when the scheme does not score."""
    score = view.get("score")
    if not score or not view["scheme"]["scored"]:
        return None
    indicators = {s["indicator"]: _typed_and_rule(s) for s in score["indicators"]}
    total_weight = Decimal(score["budget_weight"]) + Decimal(score["indicator_weight"])
    typed_budget = score.get("budget_typed")
    budget_differs = typed_budget is not None and Decimal(typed_budget) != Decimal(
        score["budget_points"]
    )
    return {
        "budget_weight": _points(score["budget_weight"]),
        "budget_points": _points(typed_budget or score["budget_points"]),
        "budget_rule": _points(score["budget_points"]) if budget_differs else "",
        "budget_computed": typed_budget is None,
        "indicators": indicators,
        "total": (_points(str(total_weight)), _points(score["total"])),
    }


def _typed_and_rule(item: dict[str, Any]) -> tuple[str, str, str, bool]:
    """An indicator's 分值, its 得分 as printed (typed, else the rule's), the rule's figure or
    band where the typed one differs from it (views before version 4 type none), and whether
    the printed 得分 is the rule's."""
    typed = item.get("typed")
    printed = _points(typed if typed is not None else item["points"])
    rule = (item.get("rule") or _points(item["points"])) if item.get("differs") else ""
    return _points(item["weight"]), printed, rule, typed is None


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
        rule_total = score.get("rule_total")
        if score.get("differences") and rule_total is not None:
            # The typed 得分 count in the total; the rule's figures are printed beside them.
            notes.append(
                f"综合得分按填报得分计；按评分规则计算为 {plain_number(rule_total)} 分。"
                "填报得分与规则计算不同：" + "；".join(score["differences"])
            )
    return tuple(notes)


def evaluation_table(
    view: dict[str, Any],
    title: str,
    headings: IndicatorHeadings = FORM_HEADINGS,
    *,
    rows_of_indicators: Callable[
        [list[dict[str, Any]], dict[str, tuple[str, str, str, bool]]], tuple[IndicatorRow, ...]
    ] = indicator_rows,
) -> EvaluationTable:
    """The 自评价表 of a report view, titled ``title``, its indicator columns headed
    ``headings``; its indicator rows made by ``rows_of_indicators`` (:func:`indicator_rows`,
    or a server's memo of it)."""
    rows = view["budget"]["rows"]
    places = amount_places(rows)
    rate = view["budget"]["adjustment_rate"]
    rate_places = max(
        (places_of(r["execution_rate"]) for r in rows if r["execution_rate"]),
        default=places_of(rate) if rate else 1,
    )
    scores = scores_of(view)
    return EvaluationTable(
        title=title,
        year=view["year"],
        department_name=view["department_name"],
        unit=view["budget"]["unit"],
        budget=_budget_rows(rows, places, rate_places, scores),
        indicators=rows_of_indicators(view["indicators"], scores["indicators"] if scores else {}),
        notes=_notes(view),
        amount_places=places,
        rate_places=rate_places,
        headings=headings,
        total_score=scores["total"] if scores else None,
    )
