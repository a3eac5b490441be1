"""Commands on a report: frozen requests in the imperative, as typed by a user.

Every field holds what the user typed (amounts and cells as text), so the decision can
keep the raw text beside the parsed value. ``revision``, when given, must be the report's
current revision: a reviewer looking at an old revision gets a StaleRevision error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypedDict

from workflow.artifacts import Artifact
from workflow.streams import report_stream_id


@dataclass(frozen=True, kw_only=True)
class ReportCommand:
    """Base of every report command: which report, and optionally which revision."""

    department: str
    year: int
    revision: int | None = None
    #: The project code of a 项目支出 report (``-p``); None for the department's 部门整体
    #: report. Not ``project``: an indicator's ``project`` is its 二级 heading.
    project_code: str | None = None

    @property
    def stream_id(self) -> str:
        """The report's stream id."""
        return report_stream_id(self.department, self.year, self.project_code)


class ReportKey(TypedDict):
    """Which report: the fields every report command starts with, passed on as ``**key``."""

    department: str
    year: int


@dataclass(frozen=True, kw_only=True)
class OpenReport(ReportCommand):
    """Open the department's report for a fiscal year (revision 1, stage draft)."""

    #: The department as the imported form names it (a 自评价表's 预算部门名称, a finance
    #: code allowed before the name: ``219001-某某镇人民政府``); it must be the registered
    #: department's name or code. None when nothing names it.
    named: str | None = None
    #: For a 项目支出 report (``project`` given): 项目名称, required, and 主管部门 and
    #: 实施单位, which default to the department's registered name.
    project_name: str | None = None
    supervisor: str | None = None
    implementer: str | None = None


@dataclass(frozen=True, kw_only=True)
class SetFunctions(ReportCommand):
    """Set the numbered list of 主要职能."""

    functions: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class SetStaffing(ReportCommand):
    """Set internal units, 编制 and 在职 staff by rank."""

    internal_units: tuple[str, ...] = ()
    establishment: int
    in_post: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, kw_only=True)
class SetNetAssets(ReportCommand):
    """Set 净资产 with its own unit (元 in the seed, not 万元)."""

    amount: str | Decimal | int
    unit: str = "元"
    as_of: date | None = None


@dataclass(frozen=True, kw_only=True)
class EditNarrative(ReportCommand):
    """Write a narrative section (``1.3``, ``1.3.2``, ``2.1`` ...) with its headline figures.

    ``figures`` are (key, label, typed value) triples such as
    ``("donations", "接收社会捐赠款物", "156.86 万元")``.
    """

    section: str
    title: str | None = None
    text: str
    figures: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True, kw_only=True)
class SetProjectField(ReportCommand):
    """Set one text or name of a 项目支出 report: 项目名称, 主管部门, 实施单位, 年度总体目标
    (预期目标, 实际完成情况), 评价结论, 存在问题, 改进措施, 项目负责人 or 财务负责人
    (``field`` is its id or its words, workflow.projects.ProjectField)."""

    field: str
    text: str


@dataclass(frozen=True, kw_only=True)
class AddBudgetLine(ReportCommand):
    """Add a line to the budget table; the first line, without a parent, is the root."""

    line: str
    name: str
    parent: str | None = None


@dataclass(frozen=True, kw_only=True)
class RenameBudgetLine(ReportCommand):
    """Rename a budget line (the root included); the reason, if given, goes to the audit trail."""

    line: str
    name: str
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class RemoveBudgetLine(ReportCommand):
    """Remove a line entered by mistake, with a reason: only a line without child lines that
    no indicator measures."""

    line: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class SetInitialBudget(ReportCommand):
    """Set a line's 年初预算数."""

    line: str
    amount: str | Decimal | int


@dataclass(frozen=True, kw_only=True)
class RecordAdjustment(ReportCommand):
    """Record one adjustment: kind carry_over / in_year / higher_level, may be negative."""

    line: str
    amount: str | Decimal | int
    kind: str
    reason: str
    document: str = ""


@dataclass(frozen=True, kw_only=True)
class CancelAdjustment(ReportCommand):
    """Cancel a recorded adjustment (it stays in the history, marked cancelled)."""

    line: str
    adjustment: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class RecordActualSpending(ReportCommand):
    """Set a line's 实际支出数."""

    line: str
    amount: str | Decimal | int


@dataclass(frozen=True, kw_only=True)
class AddIndicator(ReportCommand):
    """Add an indicator with its target cell as typed (``2 场``, ``≥15%``, ``规范`` ...)."""

    indicator: str
    category: str
    name: str
    target: str
    project: str | None = None
    budget_line: str | None = None
    lower_is_better: bool = False
    weight: str | None = None
    #: 指标性质 (=, ≥, ≤, >, <, 定性, 定量) and 度量单位, when typed in cells of their own:
    #: ``target`` is then the 指标值 alone (``90``). A target typed whole (``≥90%``) fills both.
    nature: str | None = None
    unit: str | None = None
    #: 是否核心指标.
    core: bool = False


@dataclass(frozen=True, kw_only=True)
class AdjustIndicatorTarget(ReportCommand):
    """Change an indicator's target during the year (调整指标值), with the reason; the
    年初指标值 is kept. A bare number takes the indicator's 指标性质 and 度量单位."""

    indicator: str
    target: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class SetIndicatorScore(ReportCommand):
    """Type an indicator's 得分 as the form has it (``""`` clears it)."""

    indicator: str
    score: str


@dataclass(frozen=True, kw_only=True)
class SetExecutionScore(ReportCommand):
    """Type the 得分 of budget execution (预算执行率) as the form has it (``""`` clears it)."""

    score: str


@dataclass(frozen=True, kw_only=True)
class RecordIndicatorActual(ReportCommand):
    """Record an indicator's 指标完成值 and 偏差原因分析 (``……`` = no deviation)."""

    indicator: str
    actual: str
    deviation_reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class RemoveIndicator(ReportCommand):
    """Remove an indicator entered by mistake, with a reason."""

    indicator: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class SetIndicatorLine(ReportCommand):
    """Point an indicator at another budget line, or at none (``line`` None detaches it).

    The indicator keeps its id, target, actual and history; the reason, if given, goes to
    the audit trail.
    """

    indicator: str
    line: str | None = None
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class GradeIndicator(ReportCommand):
    """A reviewer grades a qualitative indicator into one of the scheme's bands (for scoring)."""

    indicator: str
    band: str


@dataclass(frozen=True, kw_only=True)
class SubmitReport(ReportCommand):
    """Submit the draft for review; blocked by failing submission checks."""


@dataclass(frozen=True, kw_only=True)
class ApproveReport(ReportCommand):
    """Approve at the reviewer's level: the department head, then finance."""

    comment: str = ""


@dataclass(frozen=True, kw_only=True)
class ReturnReport(ReportCommand):
    """Return the report to the preparer (退回修改) with a comment, optionally pinned to items.

    ``items`` are references ``line:<id>``, ``indicator:<id>`` or ``section:<id>``.
    """

    comment: str
    items: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class SignOffReport(ReportCommand):
    """Sign off the finance-approved revision (会签); the last required signature closes it."""


@dataclass(frozen=True, kw_only=True)
class RecordRendering(ReportCommand):
    """The render worker records the artifacts of a signed-off revision (idempotent)."""

    artifacts: tuple[Artifact, ...]


@dataclass(frozen=True, kw_only=True)
class RecordRenderFailure(ReportCommand):
    """The render worker records a failed attempt to render a signed-off revision
    (idempotent per revision and attempt); ``final`` when it gives up."""

    formats: tuple[str, ...]
    reason: str
    attempt: int
    final: bool = False


@dataclass(frozen=True, kw_only=True)
class RemindOfDeadline(ReportCommand):
    """The system reminds the department of the year's deadline, if its report is a draft
    and the reminder now due was not sent yet (idempotent per kind)."""


@dataclass(frozen=True, kw_only=True)
class PublishReport(ReportCommand):
    """Publish the rendered revision (信息公开), optionally naming the channel."""

    channel: str = ""


@dataclass(frozen=True, kw_only=True)
class ReopenReport(ReportCommand):
    """Finance reopens a signed-off revision with a reason: revision N+1 starts as a draft."""

    reason: str


#: Commands that change the report's content; only a draft accepts them.
CONTENT_COMMANDS: tuple[type[ReportCommand], ...] = (
    SetFunctions,
    SetStaffing,
    SetNetAssets,
    EditNarrative,
    AddBudgetLine,
    RenameBudgetLine,
    RemoveBudgetLine,
    SetInitialBudget,
    RecordAdjustment,
    CancelAdjustment,
    RecordActualSpending,
    AddIndicator,
    RecordIndicatorActual,
    SetIndicatorLine,
    RemoveIndicator,
    SetProjectField,
    AdjustIndicatorTarget,
    SetIndicatorScore,
    SetExecutionScore,
)
