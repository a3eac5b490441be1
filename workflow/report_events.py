"""Events of a report stream, in the past tense, registered in the default registry.

Each event carries both the parsed value and the text as typed, so a replay never
depends on today's parser, and the auditor sees exactly what was entered.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from events.model import Event
from events.registry import default_registry
from workflow.amounts import Amount
from workflow.artifacts import Artifact
from workflow.budget import Adjustment
from workflow.indicators import Indicator
from workflow.narrative import Section, Staffing
from workflow.points import Points
from workflow.projects import Project, ProjectField
from workflow.schemes import Scheme
from workflow.stages import Stage
from workflow.targets import Deviation, Measure
from workflow.values import Value

register = default_registry.register


class ApprovalLevel(StrEnum):
    """Who approved: the department head, then the finance bureau."""

    DEPARTMENT = "department"
    FINANCE = "finance"


class ItemKind(StrEnum):
    """What a return comment can be pinned to."""

    LINE = "line"
    INDICATOR = "indicator"
    SECTION = "section"


class ItemRef(Value):
    """A reference to a line, an indicator or a section of the report."""

    kind: ItemKind
    id: str


@register("ReportOpened")
class ReportOpened(Event):
    """A department's report for a fiscal year was opened, under the year's scheme."""

    report: str
    department: str
    department_name: str
    year: int
    revision: int
    scheme: Scheme
    deadline: date


@register("FunctionsSet")
class FunctionsSet(Event):
    """The list of 主要职能 was set."""

    functions: tuple[str, ...]


@register("StaffingSet")
class StaffingSet(Event):
    """Internal units, 编制 and 在职 staff by rank were set."""

    staffing: Staffing


@register("NetAssetsSet")
class NetAssetsSet(Event):
    """净资产 was set, with its unit."""

    amount: Amount
    as_of: date | None = None


@register("NarrativeEdited")
class NarrativeEdited(Event):
    """A narrative section was written or rewritten, with its headline figures."""

    section: Section


@register("BudgetLineAdded")
class BudgetLineAdded(Event):
    """A line was added to the budget table."""

    line: str
    name: str
    parent: str | None = None


@register("BudgetLineRenamed")
class BudgetLineRenamed(Event):
    """A line was renamed; ``previous_name`` keeps the event readable on its own in the log."""

    line: str
    name: str
    previous_name: str
    reason: str = ""


@register("BudgetLineRemoved")
class BudgetLineRemoved(Event):
    """A line without children was removed, and its typed figures with it."""

    line: str
    reason: str


@register("InitialBudgetSet")
class InitialBudgetSet(Event):
    """A line's 年初预算数 was set."""

    line: str
    amount: Amount


@register("AdjustmentRecorded")
class AdjustmentRecorded(Event):
    """An adjustment to a line was recorded."""

    line: str
    adjustment: Adjustment


@register("AdjustmentCancelled")
class AdjustmentCancelled(Event):
    """A recorded adjustment was cancelled; it stays in the history."""

    line: str
    adjustment: str
    reason: str


@register("ActualSpendingRecorded")
class ActualSpendingRecorded(Event):
    """A line's 实际支出数 was set."""

    line: str
    amount: Amount


@register("IndicatorAdded")
class IndicatorAdded(Event):
    """An indicator was added with its target."""

    indicator: Indicator


@register("IndicatorActualRecorded")
class IndicatorActualRecorded(Event):
    """An indicator's actual and deviation reason were recorded."""

    indicator: str
    actual: Measure
    deviation: Deviation | None = None


@register("IndicatorRemoved")
class IndicatorRemoved(Event):
    """An indicator was removed."""

    indicator: str
    reason: str


@register("IndicatorLineSet")
class IndicatorLineSet(Event):
    """An indicator was pointed at another budget line (``line`` None: at none);
    ``previous_line`` keeps the event readable on its own in the log."""

    indicator: str
    line: str | None = None
    previous_line: str | None = None
    reason: str = ""


@register("IndicatorGraded")
class IndicatorGraded(Event):
    """A reviewer graded a qualitative indicator into a scoring band."""

    indicator: str
    band: str
    by: str


@register("ReportSubmitted")
class ReportSubmitted(Event):
    """The preparer submitted the revision; ``late`` if after the fiscal year's deadline."""

    revision: int
    by: str
    late: bool = False


@register("ReportApproved")
class ReportApproved(Event):
    """A reviewer approved the revision at their level."""

    revision: int
    by: str
    role: str
    level: ApprovalLevel
    comment: str = ""


@register("ReportReturned")
class ReportReturned(Event):
    """A reviewer returned the revision to the preparer (退回修改)."""

    revision: int
    by: str
    role: str
    from_stage: Stage
    comment: str
    items: tuple[ItemRef, ...] = ()


@register("SignOffRecorded")
class SignOffRecorded(Event):
    """One required signer signed the revision."""

    revision: int
    by: str
    role: str


@register("ReportSignedOff")
class ReportSignedOff(Event):
    """The last required signature: the revision is closed and is to be rendered."""

    report: str
    revision: int
    signers: tuple[str, ...]


@register("ReportRendered")
class ReportRendered(Event):
    """The worker rendered the signed-off revision."""

    report: str
    revision: int
    artifacts: tuple[Artifact, ...]


@register("RenderFailed")
class RenderFailed(Event):
    """The worker could not render the signed-off revision: too slow, killed, or in error.

    ``attempt`` numbers the failed attempts of the revision (1, 2, ...); ``final`` says the
    worker gave up: nothing dispatches the revision again until an administrator retries it
    or a new revision is signed off.
    """

    report: str
    revision: int
    formats: tuple[str, ...]
    reason: str
    attempt: int
    final: bool = False


@register("ReportPublished")
class ReportPublished(Event):
    """The rendered revision was published (信息公开)."""

    revision: int
    by: str
    channel: str = ""


@register("ReportReopened")
class ReportReopened(Event):
    """Finance reopened the report: ``revision`` is the new revision, starting as a draft."""

    revision: int
    by: str
    reason: str


@register("ProjectReportOpened")
class ProjectReportOpened(ReportOpened):
    """A 项目支出 report of a department for a fiscal year was opened, under the year's
    scheme, for ``project`` (its code and name, 主管部门 and 实施单位)."""

    project: Project


@register("ProjectFieldSet")
class ProjectFieldSet(Event):
    """A text or name of a 项目支出 report was set (项目名称, 年度总体目标, 评价结论 …)."""

    field: ProjectField
    text: str


@register("IndicatorTargetAdjusted")
class IndicatorTargetAdjusted(Event):
    """An indicator's target was changed during the year (调整指标值), with the reason;
    ``previous`` is the target it replaced, so the event reads on its own in the log."""

    indicator: str
    target: Measure
    previous: Measure
    reason: str


@register("IndicatorScoreTyped")
class IndicatorScoreTyped(Event):
    """The preparer typed an indicator's 得分 (None: cleared)."""

    indicator: str
    score: Points | None = None


@register("ExecutionScoreTyped")
class ExecutionScoreTyped(Event):
    """The preparer typed the 得分 of budget execution (预算执行率; None: cleared)."""

    score: Points | None = None
