"""The national 项目支出绩效自评表 (财预〔2020〕10号) of a 项目支出 report, computed once for the
HTML, PDF, XLSX and DOCX; and the list of a department's project reports its 整体 report
prints.

The form: 项目名称, 主管部门, 实施单位; 项目资金 with 年初预算数 · 全年预算数 · 全年执行数 ·
分值 · 执行率 · 得分 (分值 and 得分 on 年度资金总额 alone); 年度总体目标 (预期目标, 实际完成情况);
the indicators under 一级 / 二级 / 三级指标 with 年度指标值 · 实际完成值 · 分值 · 得分 ·
偏差原因分析及改进措施; 总分; then 评价结论, 存在问题, 改进措施, 项目负责人, 财务负责人.
Figures come from the report view, never from the text typed for them; 分值 and 得分 are
printed when the year's scheme scores, and left blank otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from worker.evaluation_table import (
    FORM_HEADINGS,
    IndicatorHeadings,
    IndicatorRow,
    amount_places,
    fixed,
    indicator_rows,
    places_of,
    scores_of,
)

FORM_TITLE = "项目支出绩效自评表"

#: 项目资金's figure columns, as the national form heads them.
FUND_HEADERS = ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率（%）", "得分")

#: The indicator part's columns after 一级 / 二级 / 三级指标.
INDICATOR_HEADERS = ("年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施")


@dataclass(frozen=True)
class FundRow:
    """One fund row of 项目资金: its label as printed and its cells in
    :data:`FUND_HEADERS` order."""

    id: str
    label: str
    depth: int
    cells: tuple[str, ...]
    #: 年初预算数, 全年预算数, 全年执行数 and 执行率 as decimals (None where not applicable).
    values: tuple[Decimal | None, ...]
    #: The rule's 得分 where the typed one (the last cell) differs from it ("" otherwise).
    rule_points: str = ""
    #: Whether the printed 得分 is jixiao's (nobody typed one).
    points_computed: bool = False


@dataclass(frozen=True)
class ProjectForm:
    """The whole 项目支出绩效自评表 of one project report."""

    title: str
    year: int
    code: str
    name: str
    supervisor: str
    implementer: str
    unit: str
    funds: tuple[FundRow, ...]
    goal: str
    achieved: str
    indicators: tuple[IndicatorRow, ...]
    #: 总分: (分值, 得分) in a scored scheme; ("", "") otherwise, the cells left blank.
    total_score: tuple[str, str]
    conclusion: str
    problems: str
    improvements: str
    project_lead: str
    finance_lead: str
    amount_places: int = 2
    rate_places: int = 1
    headings: IndicatorHeadings = FORM_HEADINGS

    @property
    def closing(self) -> tuple[tuple[str, str], ...]:
        """评价结论, 存在问题 and 改进措施 with their texts, in the form's order."""
        return (
            ("评价结论", self.conclusion),
            ("存在问题", self.problems),
            ("改进措施", self.improvements),
        )


def _fund_rows(
    rows: list[dict[str, Any]], places: int, rate_places: int, score: dict[str, Any] | None
) -> tuple[FundRow, ...]:
    seen_parents: set[str | None] = set()
    built = []
    for index, row in enumerate(rows):
        first_child = row["parent"] is not None and row["parent"] not in seen_parents
        seen_parents.add(row["parent"])
        # 分值 and 得分 belong to 年度资金总额 (预算执行率's points), as on the form.
        weight, points, rule = (
            (score["budget_weight"], score["budget_points"], score["budget_rule"])
            if score and index == 0
            else ("", "", "")
        )
        raw = (row["initial"], row["total"], row["actual"], row["execution_rate"])
        cells = (
            fixed(row["initial"], places),
            fixed(row["total"], places),
            fixed(row["actual"], places),
            weight,
            fixed(row["execution_rate"], rate_places),
            points,
        )
        label = ("其中：" if first_child else "") + row["name"]
        values = tuple(None if v is None else Decimal(v) for v in raw)
        computed = bool(score and index == 0 and score["budget_computed"])
        built.append(FundRow(row["id"], label, row["depth"], cells, values, rule, computed))
    return tuple(built)


def project_form(view: dict[str, Any], headings: IndicatorHeadings = FORM_HEADINGS) -> ProjectForm:
    """The 项目支出绩效自评表 of a project report's view."""
    project = view["project"]
    rows = view["budget"]["rows"]
    rate_places = max(
        (places_of(r["execution_rate"]) for r in rows if r["execution_rate"]), default=1
    )
    scores = scores_of(view)
    return ProjectForm(
        title=FORM_TITLE,
        year=view["year"],
        code=project["code"],
        name=project["name"],
        supervisor=project["supervisor"],
        implementer=project["implementer"],
        unit=view["budget"]["unit"],
        funds=_fund_rows(rows, amount_places(rows), rate_places, scores),
        goal=project["goal"],
        achieved=project["achieved"],
        indicators=indicator_rows(view["indicators"], scores["indicators"] if scores else {}),
        total_score=scores["total"] if scores else ("", ""),
        conclusion=project["conclusion"],
        problems=project["problems"],
        improvements=project["improvements"],
        project_lead=project["project_lead"],
        finance_lead=project["finance_lead"],
        amount_places=amount_places(rows),
        rate_places=rate_places,
        headings=headings,
    )


@dataclass(frozen=True)
class ProjectListing:
    """One project report of a department-year as its 整体 report lists it: the project, how
    far its report had gone and its 年度资金总额 when the 整体 report was signed off."""

    code: str
    name: str
    stage: str
    revision: int
    #: 全年预算数, 全年执行数 and 执行率 of 年度资金总额, as printed ("/" where none).
    cells: tuple[str, str, str]


#: The columns of the list of project reports.
LISTING_HEADERS = ("项目编码", "项目名称", "全年预算数", "全年执行数", "执行率（%）", "报告状态")


def project_listing(views: list[dict[str, Any]]) -> tuple[ProjectListing, ...]:
    """The project reports of ``views`` (each a project report's view), by project code."""
    listed = []
    for view in sorted(views, key=lambda v: v["project"]["code"]):
        rows = view["budget"]["rows"]
        root = rows[0] if rows else None
        places = amount_places(rows)
        cells = (
            (
                fixed(root["total"], places),
                fixed(root["actual"], places),
                fixed(root["execution_rate"], places_of(root["execution_rate"] or "0")),
            )
            if root is not None
            else ("/", "/", "/")
        )
        listed.append(
            ProjectListing(
                code=view["project"]["code"],
                name=view["project"]["name"],
                stage=view["stage"],
                revision=view["revision"],
                cells=cells,
            )
        )
    return tuple(listed)
