"""The report as people read it: every typed and computed figure in one JSON-ready document.

The report-state projection stores this view, the worker renders it, the CLI prints it:
one function computes it, so the document, the screen and the audit agree. Amounts and
rates are decimal strings (never floats); percentages are in per cent, rounded as the
scheme says.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from workflow.amounts import Amount, as_percent
from workflow.indicators import Indicator, reason_problem, status
from workflow.narrative import Figure
from workflow.report import ReportState
from workflow.scoring import score
from workflow.targets import Measure

#: Raised whenever the shape of the view changes (templates and stored views follow it).
VIEW_VERSION = 1


def decimal_text(value: Decimal | None) -> str | None:
    """A decimal as plain text without exponent, or None."""
    if value is None:
        return None
    text = format(value, "f")
    return "0" if text in ("-0", "-0.0", "-0.00", "-0.000") else text


def _amount(amount: Amount | None) -> dict[str, Any] | None:
    if amount is None:
        return None
    return {"value": decimal_text(amount.value), "unit": amount.unit, "raw": amount.raw}


def _measure(measure: Measure | None) -> dict[str, Any] | None:
    if measure is None:
        return None
    return {
        "raw": measure.raw,
        "kind": str(measure.kind),
        "comparator": str(measure.comparator) if measure.comparator else None,
        "value": decimal_text(measure.value),
        "unit": measure.unit,
        "grade": measure.grade,
        "normalised": measure.describe(),
    }


def _figure(figure: Figure) -> dict[str, Any]:
    return {"key": figure.key, "label": figure.label, **(_measure(figure.value) or {})}


def _indicator(indicator: Indicator, state: ReportState) -> dict[str, Any]:
    rules = state.require_scheme().indicators
    return {
        "id": indicator.id,
        "category": indicator.category,
        "project": indicator.project,
        "budget_line": indicator.budget_line,
        "name": indicator.name,
        "lower_is_better": indicator.lower_is_better,
        "weight": decimal_text(indicator.weight),
        "target": _measure(indicator.target),
        "actual": _measure(indicator.actual),
        "deviation": (
            {"kind": str(indicator.deviation.kind), "raw": indicator.deviation.raw}
            if indicator.deviation
            else None
        ),
        "grade": indicator.grade,
        "status": str(status(indicator, rules)),
        "reason_missing": reason_problem(indicator, rules) is not None,
    }


def _budget(state: ReportState) -> dict[str, Any]:
    scheme = state.require_scheme()
    table = state.table()
    places = scheme.percent_decimals
    rows = []
    for figures in table.rows():
        line = figures.line
        rows.append(
            {
                "id": line.id,
                "name": line.name,
                "parent": line.parent,
                "depth": figures.depth,
                "leaf": not table.children(line.id),
                "initial": decimal_text(figures.initial),
                "adjustments": decimal_text(figures.adjustments),
                "higher_level": decimal_text(figures.higher_level),
                "total": decimal_text(figures.total),
                "actual": decimal_text(figures.actual),
                "execution_rate": decimal_text(as_percent(figures.execution_rate, places)),
                "adjustment_items": [
                    {
                        "id": a.id,
                        "amount": decimal_text(a.amount.value),
                        "raw": a.amount.raw,
                        "kind": str(a.kind),
                        "reason": a.reason,
                        "document": a.document,
                        "cancelled": a.cancelled,
                    }
                    for a in line.adjustments
                ],
            }
        )
    denominator = scheme.adjustment_rate_denominator
    return {
        "unit": scheme.budget_unit,
        "rows": rows,
        "adjustment_rate": decimal_text(as_percent(table.adjustment_rate(denominator), places)),
        "adjustment_rate_denominator": str(denominator),
        "problems": table.problems(),
    }


def _score(state: ReportState) -> dict[str, Any] | None:
    card = score(state)
    if card is None:
        return None
    return {
        "execution_rate": decimal_text(as_percent(card.execution_rate, 2)),
        "budget_points": decimal_text(card.budget_points),
        "indicator_points": decimal_text(card.indicator_points),
        "total": decimal_text(card.total),
        "grade": card.grade,
        "indicators": [
            {
                "indicator": s.indicator,
                "name": s.name,
                "status": str(s.status),
                "weight": decimal_text(s.weight),
                "points": decimal_text(s.points),
            }
            for s in card.indicators
        ],
    }


def report_view(state: ReportState) -> dict[str, Any]:
    """Everything the report says and every figure computed from it, as plain JSON data."""
    scheme = state.require_scheme()
    staffing = state.staffing
    return {
        "view_version": VIEW_VERSION,
        "report": state.report,
        "department": state.department,
        "department_name": state.department_name,
        "year": state.year,
        "revision": state.revision,
        "stage": str(state.stage),
        "deadline": state.deadline.isoformat() if state.deadline else None,
        "scheme": {
            "id": scheme.id,
            "title": scheme.title,
            "budget_unit": scheme.budget_unit,
            "scored": scheme.scoring.enabled,
        },
        "functions": list(state.functions),
        "staffing": (
            {
                "internal_units": list(staffing.internal_units),
                "establishment": staffing.establishment,
                "in_post": [{"rank": r.rank, "count": r.count} for r in staffing.in_post],
                "in_post_total": staffing.in_post_total,
            }
            if staffing
            else None
        ),
        "net_assets": _amount(state.net_assets),
        "net_assets_as_of": state.net_assets_as_of.isoformat() if state.net_assets_as_of else None,
        "sections": [
            {
                "id": s.id,
                "title": s.title,
                "text": s.text,
                "figures": [_figure(f) for f in s.figures],
            }
            for s in state.sections
        ],
        "budget": _budget(state),
        "indicators": [_indicator(i, state) for i in state.indicators],
        "score": _score(state),
        "submitted_by": state.submitted_by,
        "submitted_late": state.submitted_late,
        "approvals": [a.model_dump(mode="json") for a in state.approvals],
        "signatures": [s.model_dump(mode="json") for s in state.signatures],
        "signed_off_by": list(state.signed_off_by),
        "returns": [r.model_dump(mode="json") for r in state.returns],
        "reopenings": [r.model_dump(mode="json") for r in state.reopenings],
        "artifacts": [a.model_dump(mode="json") for a in state.artifacts],
        "published_channel": state.published_channel,
    }
