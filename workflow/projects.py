"""项目支出 reports: the project a report is about, and the parts of the national
项目支出绩效自评表 a 部门整体 report does not have (decision 0710).

A department-year holds one 部门整体支出 report, on ``report:{department}:{year}``, and any
number of 项目支出 reports, each on ``report:{department}:{year}:{project}``. A project code
follows the id rule of department codes (:data:`workflow.text.ID_RULE`): it is part of the
stream id and of the rendered files' names, and no code can make one report's stream
another's, since no id holds the ``:`` that separates them.

The fund rows (年度资金总额, 其中 当年财政拨款 / 上年结转资金 / 其他资金) are the report's
budget lines: 年初预算数 is a line's initial budget, 全年预算数 its total (initial plus its
adjustments, each with its reason) and 全年执行数 its actual spending.
"""

from __future__ import annotations

from enum import StrEnum

from workflow.values import Value


class ReportKind(StrEnum):
    """What a report evaluates: the department's whole spending, or one project."""

    DEPARTMENT = "department"
    PROJECT = "project"


#: How people name the kinds.
KIND_LABELS = {ReportKind.DEPARTMENT: "部门整体支出", ReportKind.PROJECT: "项目支出"}


class ProjectField(StrEnum):
    """The texts and names of a project report that are not figures."""

    NAME = "name"
    SUPERVISOR = "supervisor"
    IMPLEMENTER = "implementer"
    GOAL = "goal"
    ACHIEVED = "achieved"
    CONCLUSION = "conclusion"
    PROBLEMS = "problems"
    IMPROVEMENTS = "improvements"
    PROJECT_LEAD = "project_lead"
    FINANCE_LEAD = "finance_lead"


#: Each field's words on the national form.
FIELD_LABELS: dict[ProjectField, str] = {
    ProjectField.NAME: "项目名称",
    ProjectField.SUPERVISOR: "主管部门",
    ProjectField.IMPLEMENTER: "实施单位",
    ProjectField.GOAL: "年度总体目标·预期目标",
    ProjectField.ACHIEVED: "年度总体目标·实际完成情况",
    ProjectField.CONCLUSION: "评价结论",
    ProjectField.PROBLEMS: "存在问题",
    ProjectField.IMPROVEMENTS: "改进措施",
    ProjectField.PROJECT_LEAD: "项目负责人",
    ProjectField.FINANCE_LEAD: "财务负责人",
}

#: The fields that are names (one line, the scheme's name limit); the others are texts of
#: a paragraph's size that may break lines.
NAME_FIELDS = frozenset(
    {
        ProjectField.NAME,
        ProjectField.SUPERVISOR,
        ProjectField.IMPLEMENTER,
        ProjectField.PROJECT_LEAD,
        ProjectField.FINANCE_LEAD,
    }
)

#: What a project report must say before it is submitted, besides its fund rows and
#: indicators: the form's 年度总体目标, both columns.
REQUIRED_FIELDS = (ProjectField.GOAL, ProjectField.ACHIEVED)

#: The fund rows of the national form, in its order: the root and its 其中 rows. A
#: province's own rows (财政专户管理资金, 单位资金) are further children of the root.
FUND_ROWS = ("年度资金总额", "当年财政拨款", "上年结转资金", "其他资金")


def field_named(value: object) -> ProjectField | None:
    """The field ``value`` names, by its id (``goal``) or its words (``预期目标``,
    ``年度总体目标·预期目标``); None for anything else."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    for field, label in FIELD_LABELS.items():
        if text in (field.value, label, label.rpartition("·")[2]):
            return field
    return None


def field_choices() -> str:
    """The fields as a refusal lists them: ``name (项目名称), supervisor (主管部门), …``."""
    return ", ".join(f"{field.value} ({label})" for field, label in FIELD_LABELS.items())


class Project(Value):
    """The project a 项目支出 report is about, and its texts as last set."""

    code: str
    name: str
    supervisor: str = ""
    implementer: str = ""
    goal: str = ""
    achieved: str = ""
    conclusion: str = ""
    problems: str = ""
    improvements: str = ""
    project_lead: str = ""
    finance_lead: str = ""

    def text(self, field: ProjectField) -> str:
        """What ``field`` says now (``""`` when not set)."""
        value: str = getattr(self, field.value)
        return value
