"""The report page's forms as commands: the fields each form sends, and the command they make.

Every cell is sent as typed, as on the command line: the rules refuse what they refuse in
the same words. Only the shape a form adds is checked here — several values in one text
box (one per line), a whole number, a date — with a one-line refusal naming the field.
An optional field left blank is not given at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from web.commands import command_name
from web.errors import Refused
from workflow.commands import (
    AddBudgetLine,
    AddIndicator,
    AdjustIndicatorTarget,
    ApproveReport,
    CancelAdjustment,
    EditNarrative,
    GradeIndicator,
    OpenReport,
    PublishReport,
    RecordActualSpending,
    RecordAdjustment,
    RecordIndicatorActual,
    RemoveBudgetLine,
    RemoveIndicator,
    RenameBudgetLine,
    ReopenReport,
    ReportCommand,
    ReturnReport,
    SetExecutionScore,
    SetFunctions,
    SetIndicatorLine,
    SetIndicatorScore,
    SetInitialBudget,
    SetNetAssets,
    SetProjectField,
    SetStaffing,
    SignOffReport,
    SubmitReport,
)

#: A form's fields as sent: each name with its values (checkboxes send several).
Fields = Mapping[str, list[str]]


def _one(fields: Fields, name: str) -> str:
    values = fields.get(name) or [""]
    return values[-1]


def _optional(fields: Fields, name: str) -> str | None:
    value = _one(fields, name)
    return value if value.strip() else None


def _lines(fields: Fields, name: str) -> tuple[str, ...]:
    """A text box of one value per line; blank lines skipped, each line as typed."""
    return tuple(line.strip() for line in _one(fields, name).splitlines() if line.strip())


def _whole(fields: Fields, name: str) -> int:
    text = _one(fields, name).strip()
    if not text.isascii() or not text.isdigit():
        raise Refused(422, f"{name}: got {text!r}, expected a whole number from 0", name)
    return int(text)


def _date(fields: Fields, name: str) -> date | None:
    text = _one(fields, name).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Refused(422, f"{name}: got {text!r}, expected a date YYYY-MM-DD", name) from None


def _rank_counts(fields: Fields) -> tuple[tuple[str, int], ...]:
    counts = []
    for line in _lines(fields, "in_post"):
        rank, _, count = line.partition("=")
        if not rank.strip() or not count.strip().isdigit() or not count.strip().isascii():
            raise Refused(
                422, f"in_post: got {line!r}, expected RANK=COUNT such as 科员=2", "in_post"
            )
        counts.append((rank.strip(), int(count)))
    return tuple(counts)


def _figures(fields: Fields) -> tuple[tuple[str, str, str], ...]:
    figures = []
    for line in _lines(fields, "figures"):
        parts = line.split("=", 2)
        if len(parts) != 3 or not all(p.strip() for p in parts):
            raise Refused(
                422,
                f"figures: got {line!r}, expected KEY=LABEL=VALUE such as "
                "donations=接收社会捐赠款物=156.86 万元",
                "figures",
            )
        figures.append((parts[0].strip(), parts[1].strip(), parts[2].strip()))
    return tuple(figures)


#: Each form's fields → the command's own fields (department, year, revision aside).
_FIELDS: dict[type[ReportCommand], Callable[[Fields], dict[str, Any]]] = {
    OpenReport: lambda f: {
        "project_name": _optional(f, "project_name"),
        "supervisor": _optional(f, "supervisor"),
        "implementer": _optional(f, "implementer"),
    },
    SetProjectField: lambda f: {"field": _one(f, "field").strip(), "text": _one(f, "text")},
    SetFunctions: lambda f: {"functions": _lines(f, "functions")},
    SetStaffing: lambda f: {
        "internal_units": _lines(f, "internal_units"),
        "establishment": _whole(f, "establishment"),
        "in_post": _rank_counts(f),
    },
    SetNetAssets: lambda f: {
        "amount": _one(f, "amount"),
        "unit": _one(f, "unit") or "元",
        "as_of": _date(f, "as_of"),
    },
    EditNarrative: lambda f: {
        "section": _one(f, "section").strip(),
        "title": _optional(f, "title"),
        "text": _one(f, "text"),
        "figures": _figures(f),
    },
    AddBudgetLine: lambda f: {
        "line": _one(f, "line").strip(),
        "name": _one(f, "name"),
        "parent": _optional(f, "parent"),
    },
    RenameBudgetLine: lambda f: {
        "line": _one(f, "line"),
        "name": _one(f, "name"),
        "reason": _optional(f, "reason"),
    },
    RemoveBudgetLine: lambda f: {"line": _one(f, "line"), "reason": _one(f, "reason")},
    SetInitialBudget: lambda f: {"line": _one(f, "line"), "amount": _one(f, "amount")},
    RecordAdjustment: lambda f: {
        "line": _one(f, "line"),
        "amount": _one(f, "amount"),
        "kind": _one(f, "kind"),
        "reason": _one(f, "reason"),
        "document": _one(f, "document"),
    },
    CancelAdjustment: lambda f: {
        "line": _one(f, "line"),
        "adjustment": _one(f, "adjustment"),
        "reason": _one(f, "reason"),
    },
    RecordActualSpending: lambda f: {"line": _one(f, "line"), "amount": _one(f, "amount")},
    AddIndicator: lambda f: {
        "indicator": _one(f, "indicator").strip(),
        "category": _one(f, "category"),
        "name": _one(f, "name"),
        "target": _one(f, "target"),
        "project": _optional(f, "project"),
        "budget_line": _optional(f, "budget_line"),
        "lower_is_better": bool(_optional(f, "lower_is_better")),
        "weight": _optional(f, "weight"),
        "nature": _optional(f, "nature"),
        "unit": _optional(f, "unit"),
        "core": bool(_optional(f, "core")),
    },
    AdjustIndicatorTarget: lambda f: {
        "indicator": _one(f, "indicator"),
        "target": _one(f, "target"),
        "reason": _one(f, "reason"),
    },
    SetIndicatorScore: lambda f: {"indicator": _one(f, "indicator"), "score": _one(f, "score")},
    SetExecutionScore: lambda f: {"score": _one(f, "score")},
    RecordIndicatorActual: lambda f: {
        "indicator": _one(f, "indicator"),
        "actual": _one(f, "actual"),
        "deviation_reason": _optional(f, "deviation_reason"),
    },
    SetIndicatorLine: lambda f: {
        "indicator": _one(f, "indicator"),
        "line": _optional(f, "line"),
        "reason": _optional(f, "reason"),
    },
    RemoveIndicator: lambda f: {"indicator": _one(f, "indicator"), "reason": _one(f, "reason")},
    SubmitReport: lambda f: {},
    ApproveReport: lambda f: {"comment": _one(f, "comment")},
    GradeIndicator: lambda f: {"indicator": _one(f, "indicator"), "band": _one(f, "band")},
    ReturnReport: lambda f: {
        "comment": _one(f, "comment"),
        "items": tuple(f.get("items") or ()),
    },
    SignOffReport: lambda f: {},
    PublishReport: lambda f: {"channel": _one(f, "channel")},
    ReopenReport: lambda f: {"reason": _one(f, "reason")},
}

#: The commands the pages post, by the name in their path (``set-initial-budget``).
PAGE_COMMANDS: dict[str, type[ReportCommand]] = {command_name(c): c for c in _FIELDS}

#: What each command's form says once it is done.
DONE: dict[str, str] = {
    "open-report": "已新建报告",
    "set-functions": "已保存主要职能",
    "set-project-field": "已保存项目信息",
    "set-staffing": "已保存人员编制",
    "set-net-assets": "已保存净资产",
    "edit-narrative": "已保存文字部分",
    "add-budget-line": "已添加预算项目",
    "rename-budget-line": "已修改预算项目名称",
    "remove-budget-line": "已删除预算项目",
    "set-initial-budget": "已保存年初预算数",
    "record-adjustment": "已记录预算调整",
    "cancel-adjustment": "已撤销预算调整",
    "record-actual-spending": "已保存实际支出数",
    "add-indicator": "已添加绩效指标",
    "record-indicator-actual": "已保存指标完成值",
    "set-indicator-line": "已修改指标对应的预算项目",
    "remove-indicator": "已删除绩效指标",
    "adjust-indicator-target": "已调整指标值",
    "set-indicator-score": "已保存指标得分",
    "set-execution-score": "已保存预算执行率得分",
    "submit-report": "已提交审核",
    "approve-report": "已审核通过",
    "grade-indicator": "已评定等级",
    "return-report": "已退回修改",
    "sign-off-report": "已会签",
    "publish-report": "已公开",
    "reopen-report": "已重新打开，开始新的一版",
    "import": "已导入，所有修改已作为一次修改记录",
}


@dataclass(frozen=True)
class FailedForm:
    """A form the rules refused: which one, what was typed in it, and the one-line refusal,
    to show the form again with the refusal beside it and the values kept."""

    form: str
    values: dict[str, str]
    message: str
    field: str | None

    def value(self, name: str, default: object = "") -> object:
        """What was typed in ``name`` (the default when the form did not send it)."""
        return self.values.get(name, default)


def revision_of(fields: Fields) -> int | None:
    """The revision the form was shown for; refused when it is not a number."""
    text = _one(fields, "revision").strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit():
        raise Refused(422, f"revision: got {text!r}, expected a revision number", "revision")
    return int(text)


def page_command(
    command: type[ReportCommand],
    department: str,
    year: int,
    fields: Fields,
    project: str | None = None,
) -> ReportCommand:
    """The command a page's form makes (on the 项目支出 report of ``project`` if given);
    Refused (422) for a value of the wrong shape."""
    values = _FIELDS[command](fields)
    return command(
        department=department,
        year=year,
        project_code=project,
        revision=revision_of(fields),
        **values,
    )
