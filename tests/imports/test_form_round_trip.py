"""Round trip of both report kinds through their forms: a report exported to XLSX in its
bundled layout (the seed's 自评价表 for a 部门整体 report, the national 项目支出绩效自评表 for a
project report) and read back gives the same typed values, whatever the figures, under an
unscored and a scored scheme (where the form prints the 分值 and 得分 jixiao computed:
decision 0750)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli.seed_file import project_document, seed_document
from imports.spreadsheet import read_sheet
from projections.report_view import report_view
from tests.seed import DEPARTMENT_CODE, YEAR
from tests.workflow.world import NOW, make_world
from worker.evaluation_table import evaluation_table
from worker.project_form import project_form
from worker.xlsx import render_project_xlsx, render_xlsx
from workflow.report_file import ReportDocument, document_commands, parse_document
from workflow.service import execute_all, load_report

#: Amounts as a form holds them: 万元 with up to two places.
amounts = st.decimals(min_value=0, max_value=99_999, places=2, allow_nan=False)
#: A quantitative figure beside its unit, as typed: ``12 个``, ``3.5 万元``.
counts = st.decimals(min_value=1, max_value=100_000, places=1, allow_nan=False)


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def _with_figures(document: ReportDocument, draw: Any) -> ReportDocument:
    """``document`` with every leaf line's 年初, its adjustments' sum and its 执行数 drawn
    anew and every parent line the sum of its children, as a form's totals are; and every
    quantitative indicator's target and actual drawn anew in its own unit."""
    source = document.budget.lines
    figures: dict[str, tuple[Decimal, Decimal, Decimal]] = {}

    def figured(line_id: str) -> tuple[Decimal, Decimal, Decimal]:
        kids = [line.id for line in source if line.parent == line_id]
        if not kids:
            figures[line_id] = (draw(amounts), draw(amounts), draw(amounts))
        else:
            sums = [figured(kid) for kid in kids]
            figures[line_id] = tuple(sum(column, Decimal(0)) for column in zip(*sums, strict=True))  # type: ignore[assignment]
        return figures[line_id]

    for line in source:
        if line.parent is None:
            figured(line.id)
    lines = []
    for line in source:
        initial, total, actual = figures[line.id]
        adjustments = [
            {"amount": _text(total - initial), "kind": "in_year", "reason": "年中调整"}
        ] if total != initial else []  # fmt: skip
        lines.append(
            line.model_copy(update={"initial": _text(initial), "actual": _text(actual)}).model_dump(
                mode="json", exclude_none=True
            )
            | {"adjustments": adjustments}
        )
    indicators = []
    for indicator in document.indicators:
        fields = indicator.model_dump(mode="json", exclude_none=True)
        target = str(indicator.target)
        unit = target.lstrip("≥≤<>=").lstrip("0123456789. ").strip()
        numeric = target.lstrip("≥≤<>=")[:1].isdigit() and unit and "%" not in target
        if numeric:
            sign = "≥" if target.startswith("≥") else ""
            fields |= {
                "target": f"{sign}{_text(draw(counts))} {unit}",
                "actual": f"{_text(draw(counts))} {unit}",
            }
        indicators.append(fields)
    data = document.model_dump(mode="json", exclude_none=True)
    data["budget"] = {"lines": lines}
    data["indicators"] = indicators
    return parse_document(data, source="drawn")


def _typed(document: ReportDocument) -> dict[str, Any]:
    """What a form carries of a report's typed values: each line's name, 年初, 全年 (年初
    with every adjustment) and 执行数 as numbers; each indicator's headings, target and
    actual as typed; a project's own fields."""
    lines = [
        (
            line.name,
            Decimal(str(line.initial)),
            Decimal(str(line.initial)) + sum((Decimal(str(a.amount)) for a in line.adjustments),
                                             Decimal(0)),
            None if line.actual is None else Decimal(str(line.actual)),
        )
        for line in document.budget.lines
    ]  # fmt: skip
    indicators = [
        (i.category, i.project, i.name, " ".join(str(i.target).split()),
         None if i.actual is None else " ".join(str(i.actual).split()), i.weight, i.score)
        for i in document.indicators
    ]  # fmt: skip
    project = None
    if document.project is not None:
        project = document.project.model_dump(exclude={"code"})
    return {
        "lines": lines,
        "execution_score": document.budget.execution_score,
        "indicators": indicators,
        "project": project,
    }


def _exported(document: ReportDocument, scheme: str) -> bytes:
    """``document`` entered through the service under ``scheme`` and exported as its kind's
    XLSX form."""
    world = make_world(scheme)
    execute_all(world.store, world.preparer, document_commands(document), now=NOW)
    code = document.project.code if document.project is not None else None
    view = report_view(load_report(world.store, DEPARTMENT_CODE, YEAR, project=code).state)
    if code is not None:
        return render_project_xlsx(project_form(view), NOW)
    return render_xlsx(evaluation_table(view, "姑苏区预算部门整体支出预算绩效自评价表"), NOW)


def _read_back(data: bytes, document: ReportDocument) -> ReportDocument:
    code = document.project.code if document.project is not None else None
    reading = read_sheet(data, "exported.xlsx", DEPARTMENT_CODE, YEAR, project=code)
    assert reading.problems == []
    return parse_document(reading.document, source="exported.xlsx")


SCHEMES = pytest.mark.parametrize("scheme", ["default", "national-10-90"])


@SCHEMES
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_department_report_comes_back_from_its_form_with_the_same_typed_values(
    scheme: str, data: st.DataObject
) -> None:
    document = _with_figures(seed_document(), data.draw)
    back = _read_back(_exported(document, scheme), document)
    assert _typed(back) == _typed(document)


@SCHEMES
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_project_report_comes_back_from_its_form_with_the_same_typed_values(
    scheme: str, data: st.DataObject
) -> None:
    document = _with_figures(project_document(), data.draw)
    back = _read_back(_exported(document, scheme), document)
    assert _typed(back) == _typed(document)
