"""The report file format (``jixiao-report``, version 1): a whole report as plain data.

A document maps to the preparer's commands, so importing a file is the same as typing
the report in, and to nothing else: it goes through every rule. Exporting a report
gives the same document back, each cell exactly as it was typed. The format is
described for users in docs/report-format.md.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from difflib import get_close_matches
from typing import Annotated, Any, Final, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from workflow.budget import AdjustmentKind
from workflow.commands import (
    AddBudgetLine,
    AddIndicator,
    AdjustIndicatorTarget,
    EditNarrative,
    OpenReport,
    RecordActualSpending,
    RecordAdjustment,
    RecordIndicatorActual,
    ReportCommand,
    SetExecutionScore,
    SetFunctions,
    SetIndicatorScore,
    SetInitialBudget,
    SetNetAssets,
    SetProjectField,
    SetStaffing,
)
from workflow.errors import DocumentRejected
from workflow.projects import ProjectField

# The writing side lives apart, so that an export loads none of the models below.
from workflow.report_export import FORMAT as FORMAT
from workflow.report_export import VERSION as VERSION
from workflow.report_export import state_document as state_document

#: The custom property of a workbook jixiao renders that lists, per sheet, the figures it
#: printed of its own (the scheme's 分值, the rule's 得分) and not as typed: a cell still
#: holding that figure is read back as nothing typed (docs/decisions/0750).
COMPUTED_CELLS_PROPERTY: Final = "jixiao-computed-cells"


def _cell_text(value: object) -> object:
    # Spreadsheet and YAML readers hand numbers over as int/float/Decimal; keep what was
    # typed as text (repr of a float is its shortest round-trip form: 300.09 stays 300.09).
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return value


Cell = Annotated[str, BeforeValidator(_cell_text)]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RankDoc(_Part):
    rank: str
    count: int = Field(ge=0)


class StaffingDoc(_Part):
    internal_units: list[str] = []
    establishment: int = Field(ge=0)
    in_post: list[RankDoc] = []


class NetAssetsDoc(_Part):
    amount: Cell
    unit: str = "元"
    as_of: date | None = None


class FigureDoc(_Part):
    key: str
    label: str
    value: Cell


class SectionDoc(_Part):
    id: str
    title: str | None = None
    text: str
    figures: list[FigureDoc] = []


class AdjustmentDoc(_Part):
    amount: Cell
    kind: AdjustmentKind
    reason: str
    document: str = ""


class LineDoc(_Part):
    id: str
    name: str
    parent: str | None = None
    initial: Cell
    adjustments: list[AdjustmentDoc] = []
    actual: Cell | None = None


class BudgetDoc(_Part):
    lines: list[LineDoc] = []
    #: 预算执行率's 得分 as typed (scored schemes).
    execution_score: Cell | None = None


class IndicatorDoc(_Part):
    id: str
    category: str
    project: str | None = None
    budget_line: str | None = None
    name: str
    target: Cell
    lower_is_better: bool = False
    weight: Cell | None = None
    nature: Cell | None = None
    unit: Cell | None = None
    core: bool = False
    adjusted_target: Cell | None = None
    adjustment_reason: str | None = None
    actual: Cell | None = None
    deviation_reason: Cell | None = None
    score: Cell | None = None


class ProjectDoc(_Part):
    """The project of a 项目支出 report: its code and name, and the form's texts."""

    code: str
    name: str
    supervisor: str | None = None
    implementer: str | None = None
    goal: str | None = None
    achieved: str | None = None
    conclusion: str | None = None
    problems: str | None = None
    improvements: str | None = None
    project_lead: str | None = None
    finance_lead: str | None = None


#: The project's texts a document sets after opening the report (name, 主管部门 and 实施单位
#: are given with the opening).
_PROJECT_TEXTS = tuple(
    f
    for f in ProjectField
    if f not in (ProjectField.NAME, ProjectField.SUPERVISOR, ProjectField.IMPLEMENTER)
)


class ReportDocument(_Part):
    """A whole report: what the preparer types, never what the system computes."""

    format: Literal["jixiao-report"] = FORMAT
    version: Literal[1] = VERSION
    department: str
    year: int
    department_name: str | None = None
    #: A 项目支出 report's project; absent for the 部门整体 report.
    project: ProjectDoc | None = None
    functions: list[str] = []
    staffing: StaffingDoc | None = None
    net_assets: NetAssetsDoc | None = None
    sections: list[SectionDoc] = []
    budget: BudgetDoc = BudgetDoc()
    indicators: list[IndicatorDoc] = []


def _location(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


def _known_fields(loc: tuple[Any, ...]) -> str:
    """What an unknown key at ``loc`` should have been: the fields of the mapping it is in,
    with the nearest one when the key looks like a typo of it."""
    model: type[BaseModel] | None = ReportDocument
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue
        annotation = model.model_fields[part].annotation if part in model.model_fields else None
        # list[LineDoc], StaffingDoc | None, BudgetDoc: the model the next part is in.
        model = next(
            (
                t
                for t in (annotation, *_arguments(annotation))
                if isinstance(t, type) and issubclass(t, BaseModel)
            ),
            None,
        )
    if model is None:
        return "a known field (docs/report-format.md)"
    fields = list(model.model_fields)
    near = get_close_matches(str(loc[-1]), fields, n=1, cutoff=0.75)
    if near:
        return f"a known field — did you mean {near[0]}?"
    return f"one of the known fields: {', '.join(fields)}"


def _arguments(annotation: object) -> tuple[object, ...]:
    found: tuple[object, ...] = ()
    for argument in get_args(annotation):
        found += (argument, *_arguments(argument))
    return found


def parse_document(data: object, *, source: str = "report file") -> ReportDocument:
    """Validate plain data as a report document; DocumentRejected lists every problem."""
    if not isinstance(data, dict):
        raise DocumentRejected(
            source, [f"(document): got {type(data).__name__}, expected a mapping of fields"]
        )
    if data.get("format") not in (None, FORMAT) or data.get("version") not in (None, VERSION):
        raise DocumentRejected(
            source,
            [
                f"format/version: got {data.get('format')!r}/{data.get('version')!r}, "
                f"expected {FORMAT!r}/{VERSION}"
            ],
        )
    try:
        return ReportDocument.model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors(include_url=False):
            if item["type"] == "missing":
                problems.append(f"{_location(item['loc'])}: missing, expected a value")
                continue
            value = item.get("input")
            shown = repr(value) if not isinstance(value, dict | list) else type(value).__name__
            expected = item["msg"].removeprefix("Input should be ").removeprefix("Value error, ")
            if item["type"] == "extra_forbidden":
                expected = _known_fields(item["loc"])
            problems.append(f"{_location(item['loc'])}: got {shown}, expected {expected}")
        raise DocumentRejected(source, problems) from None


def document_commands(document: ReportDocument) -> list[tuple[str, ReportCommand]]:
    """The preparer's commands that enter ``document``, each with its place in the file."""
    key: dict[str, Any] = {"department": document.department, "year": document.year}
    project = document.project
    if project is None:
        out: list[tuple[str, ReportCommand]] = [("report", OpenReport(**key))]
    else:
        key["project_code"] = project.code
        opening = OpenReport(
            **key,
            project_name=project.name,
            supervisor=project.supervisor,
            implementer=project.implementer,
        )
        out = [("project", opening)]
        for field in _PROJECT_TEXTS:
            text = getattr(project, field.value)
            if text is not None:
                out.append(
                    (f"project.{field.value}", SetProjectField(**key, field=field, text=text))
                )
    if document.functions:
        out.append(("functions", SetFunctions(**key, functions=tuple(document.functions))))
    if (staffing := document.staffing) is not None:
        out.append(
            (
                "staffing",
                SetStaffing(
                    **key,
                    internal_units=tuple(staffing.internal_units),
                    establishment=staffing.establishment,
                    in_post=tuple((r.rank, r.count) for r in staffing.in_post),
                ),
            )
        )
    if (assets := document.net_assets) is not None:
        out.append(
            (
                "net_assets",
                SetNetAssets(**key, amount=assets.amount, unit=assets.unit, as_of=assets.as_of),
            )
        )
    for i, section in enumerate(document.sections):
        figures = tuple((f.key, f.label, f.value) for f in section.figures)
        out.append(
            (
                f"sections[{i}]",
                EditNarrative(
                    **key,
                    section=section.id,
                    title=section.title,
                    text=section.text,
                    figures=figures,
                ),
            )
        )
    for i, line in enumerate(document.budget.lines):
        where = f"budget.lines[{i}]"
        out.append((where, AddBudgetLine(**key, line=line.id, name=line.name, parent=line.parent)))
        out.append((f"{where}.initial", SetInitialBudget(**key, line=line.id, amount=line.initial)))
        for j, adjustment in enumerate(line.adjustments):
            out.append(
                (
                    f"{where}.adjustments[{j}]",
                    RecordAdjustment(
                        **key,
                        line=line.id,
                        amount=adjustment.amount,
                        kind=str(adjustment.kind),
                        reason=adjustment.reason,
                        document=adjustment.document,
                    ),
                )
            )
        if line.actual is not None:
            out.append(
                (f"{where}.actual", RecordActualSpending(**key, line=line.id, amount=line.actual))
            )
    for i, indicator in enumerate(document.indicators):
        where = f"indicators[{i}]"
        out.append(
            (
                where,
                AddIndicator(
                    **key,
                    indicator=indicator.id,
                    category=indicator.category,
                    project=indicator.project,
                    budget_line=indicator.budget_line,
                    name=indicator.name,
                    target=indicator.target,
                    lower_is_better=indicator.lower_is_better,
                    weight=indicator.weight,
                    nature=indicator.nature,
                    unit=indicator.unit,
                    core=indicator.core,
                ),
            )
        )
        if indicator.adjusted_target is not None:
            out.append(
                (
                    f"{where}.adjusted_target",
                    AdjustIndicatorTarget(
                        **key,
                        indicator=indicator.id,
                        target=indicator.adjusted_target,
                        reason=indicator.adjustment_reason or "",
                    ),
                )
            )
        if indicator.actual is not None:
            out.append(
                (
                    f"{where}.actual",
                    RecordIndicatorActual(
                        **key,
                        indicator=indicator.id,
                        actual=indicator.actual,
                        deviation_reason=indicator.deviation_reason,
                    ),
                )
            )
        if indicator.score is not None:
            out.append(
                (
                    f"{where}.score",
                    SetIndicatorScore(**key, indicator=indicator.id, score=indicator.score),
                )
            )
    if document.budget.execution_score is not None:
        out.append(
            (
                "budget.execution_score",
                SetExecutionScore(**key, score=document.budget.execution_score),
            )
        )
    return out
