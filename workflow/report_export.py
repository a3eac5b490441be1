"""A report's content as a report file (``jixiao-report``, version 1): what
`jixiao report export` writes, every cell as it was typed.

Apart from the reading side (:mod:`workflow.report_file`, whose pydantic models check an
imported file), so that an export loads none of them (docs/decisions/0209).
"""

from __future__ import annotations

from typing import Any, Final

from workflow.indicators import Indicator
from workflow.projects import ProjectField
from workflow.report import ReportState

FORMAT: Final = "jixiao-report"
VERSION: Final = 1


def state_document(state: ReportState) -> dict[str, Any]:
    """The report's current content as a document, every cell as it was typed."""
    staffing = state.staffing
    return {
        "format": FORMAT,
        "version": VERSION,
        "department": state.department,
        "year": state.year,
        "department_name": state.department_name or None,
        **(
            {
                "project": {
                    "code": state.project.code,
                    **{f.value: state.project.text(f) or None for f in ProjectField},
                }
            }
            if state.project is not None
            else {}
        ),
        "functions": list(state.functions),
        "staffing": (
            {
                "internal_units": list(staffing.internal_units),
                "establishment": staffing.establishment,
                "in_post": [{"rank": r.rank, "count": r.count} for r in staffing.in_post],
            }
            if staffing
            else None
        ),
        "net_assets": (
            {
                "amount": state.net_assets.raw,
                "unit": state.net_assets.unit,
                "as_of": state.net_assets_as_of.isoformat() if state.net_assets_as_of else None,
            }
            if state.net_assets
            else None
        ),
        "sections": [
            {
                "id": s.id,
                "title": s.title,
                "text": s.text,
                "figures": [
                    {"key": f.key, "label": f.label, "value": f.value.raw} for f in s.figures
                ],
            }
            for s in state.sections
        ],
        "budget": {
            "lines": [
                {
                    "id": line.id,
                    "name": line.name,
                    "parent": line.parent,
                    "initial": line.initial.raw if line.initial else None,
                    "adjustments": [
                        {
                            "amount": a.amount.raw,
                            "kind": str(a.kind),
                            "reason": a.reason,
                            "document": a.document,
                        }
                        for a in line.adjustments
                        if a.cancelled is None
                    ],
                    "actual": line.actual.raw if line.actual else None,
                }
                for line in state.lines
            ],
            **({"execution_score": state.execution_score.raw} if state.execution_score else {}),
        },
        "indicators": [
            {
                "id": i.id,
                "category": i.category,
                "project": i.project,
                "budget_line": i.budget_line,
                "name": i.name,
                # The 年初指标值 and, when the target was changed during the year, the
                # 调整指标值 and its reason (the reason of the last change).
                "target": (i.initial_target or i.target).raw,
                "lower_is_better": i.lower_is_better,
                "weight": str(i.weight) if i.weight is not None else None,
                "actual": i.actual.raw if i.actual else None,
                "deviation_reason": i.deviation.raw if i.deviation else None,
                **_indicator_fields(i),
            }
            for i in state.indicators
        ],
    }


def _indicator_fields(indicator: Indicator) -> dict[str, Any]:
    """The fields of provincial forms an indicator has, each only when typed, so that the
    file of a report typed without them reads as it always did."""
    fields: dict[str, Any] = {}
    if indicator.nature is not None:
        fields["nature"] = str(indicator.nature)
    if indicator.core:
        fields["core"] = True
    if indicator.initial_target is not None:
        fields["adjusted_target"] = indicator.target.raw
        fields["adjustment_reason"] = indicator.adjustment_reason
    if indicator.score is not None:
        fields["score"] = indicator.score.raw
    return fields
