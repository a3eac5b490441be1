"""The one-line confirmation of what a command recorded, in the domain's words (the labels
are workflow/labels.py's), shared by every face.

Everything here is made from what was recorded (the events and the report's state after
them), never from the command as typed: the line says what the log now holds. The English
ids stay beside the words (``（submitted）``, ``adj-7``) so that a confirmation can be
matched with ``--json`` output, the audit trail and the documentation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from events.model import Event, RecordedEvent
from workflow.administration import DepartmentRegistered, FiscalYearOpened
from workflow.labels import ROLE_LABELS
from workflow.projects import FIELD_LABELS
from workflow.report import ReportState
from workflow.report_events import (
    ActualSpendingRecorded,
    AdjustmentCancelled,
    AdjustmentRecorded,
    ApprovalLevel,
    BudgetLineAdded,
    BudgetLineRemoved,
    BudgetLineRenamed,
    ExecutionScoreTyped,
    FunctionsSet,
    IndicatorActualRecorded,
    IndicatorAdded,
    IndicatorGraded,
    IndicatorLineSet,
    IndicatorRemoved,
    IndicatorScoreTyped,
    IndicatorTargetAdjusted,
    InitialBudgetSet,
    NarrativeEdited,
    NetAssetsSet,
    ProjectFieldSet,
    ReportApproved,
    ReportOpened,
    ReportPublished,
    ReportRendered,
    ReportReopened,
    ReportReturned,
    ReportSignedOff,
    ReportSubmitted,
    SignOffRecorded,
    StaffingSet,
)
from workflow.stages import Stage
from workflow.users import (
    RoleGranted,
    RoleRevoked,
    TokenIssued,
    TokenRevoked,
    UserEmailChanged,
    UserRegistered,
)

#: What a report in each stage waits for, as the confirmation's last words.
NEXT_STEPS = {
    Stage.DRAFT: "等待填报人修改并提交",
    Stage.SUBMITTED: "等待部门负责人审核",
    Stage.APPROVED_BY_DEPARTMENT: "等待财政局审核人审核",
    Stage.APPROVED_BY_FINANCE: "等待会签",
    Stage.SIGNED_OFF: "等待生成报告文件",
    Stage.RENDERED: "等待部门负责人公开",
    Stage.PUBLISHED: "流程已完成",
}


def report_title(department_name: str, year: int, project_name: str | None = None) -> str:
    """A report as people name it: ``姑苏区红十字会 2021 年度报告``, or for a 项目支出 report
    ``姑苏区红十字会 2021 年度项目支出报告：应急救护培训``."""
    if project_name is not None:
        return f"{department_name} {year} 年度项目支出报告：{project_name}"
    return f"{department_name} {year} 年度报告"


def state_title(state: ReportState) -> str:
    """:func:`report_title` of a folded report, of either kind."""
    project = state.project
    return report_title(state.department_name, state.year, project.name if project else None)


def _what(event: Event) -> str | None:
    """One content or administration event as a phrase with its ids, or None for a step of
    the review flow (those are said with the stage they lead to)."""
    match event:
        case FunctionsSet():
            return f"主要职能（{len(event.functions)} 项）"
        case StaffingSet():
            return "机构与人员情况"
        case NetAssetsSet():
            return f"净资产 {event.amount.raw}"
        case NarrativeEdited():
            return f"文字部分 {event.section.id}"
        case ProjectFieldSet():
            return f"{FIELD_LABELS[event.field]}"
        case BudgetLineAdded():
            return f"新增预算项目 {event.line}（{event.name}）"
        case BudgetLineRenamed():
            return f"预算项目 {event.line} 更名为 {event.name}"
        case BudgetLineRemoved():
            return f"删除预算项目 {event.line}"
        case InitialBudgetSet():
            return f"{event.line} 年初预算数 {event.amount.raw}"
        case AdjustmentRecorded():
            adjustment = event.adjustment
            return f"{event.line} 预算调整 {adjustment.id}（{adjustment.amount.raw}）"
        case AdjustmentCancelled():
            return f"撤销 {event.line} 预算调整 {event.adjustment}"
        case ActualSpendingRecorded():
            return f"{event.line} 实际支出数 {event.amount.raw}"
        case IndicatorAdded():
            return f"新增绩效指标 {event.indicator.id}"
        case IndicatorActualRecorded():
            return f"绩效指标 {event.indicator} 完成值 {event.actual.raw}"
        case IndicatorRemoved():
            return f"删除绩效指标 {event.indicator}"
        case IndicatorLineSet():
            return f"绩效指标 {event.indicator} 对应预算项目 {event.line or '（无）'}"
        case IndicatorGraded():
            return f"绩效指标 {event.indicator} 评为 {event.band}"
        case IndicatorTargetAdjusted():
            return f"绩效指标 {event.indicator} 调整指标值 {event.target.raw}"
        case IndicatorScoreTyped():
            typed = event.score.raw if event.score else "（清除）"
            return f"绩效指标 {event.indicator} 得分 {typed}"
        case ExecutionScoreTyped():
            return f"预算执行率 得分 {event.score.raw if event.score else '（清除）'}"
        case DepartmentRegistered():
            return f"登记部门 {event.code}（{event.name}）"
        case UserRegistered():
            return f"登记用户 {event.user_id}（{event.name}）"
        case UserEmailChanged():
            return f"用户 {event.user_id} 的电子邮箱"
        case RoleGranted():
            return f"授予 {event.user_id} {_grant(event)}"
        case RoleRevoked():
            return f"撤销 {event.user_id} {_grant(event)}"
        case TokenIssued():
            return f"为 {event.user_id} 签发令牌 {event.token.token_id}"
        case TokenRevoked():
            return f"吊销 {event.user_id} 的令牌 {event.token_id}"
        case FiscalYearOpened():
            return f"开启 {event.year} 年度评价（截止 {event.deadline.isoformat()}）"
    return None


def _grant(event: RoleGranted | RoleRevoked) -> str:
    role = str(event.grant.role)
    where = "全部部门" if event.grant.department == "*" else event.grant.department
    return f"{where} 的{ROLE_LABELS.get(role, role)}（{role}）角色"


def _step(event: Event, state: ReportState) -> str | None:
    """A step of the review flow as its verb, or None for any other event."""
    match event:
        case ReportOpened():
            return "已新建"
        case ReportSubmitted():
            return "已提交"
        case ReportApproved():
            return "财政局已审核" if event.level is ApprovalLevel.FINANCE else "部门负责人已审核"
        case ReportReturned():
            return f"{ROLE_LABELS.get(event.role, event.role)} {event.by} 已退回"
        case SignOffRecorded():
            return f"{event.by} 已会签"
        case ReportSignedOff():
            return "会签完成"
        case ReportRendered():
            return "已生成"
        case ReportPublished():
            return "已公开"
        case ReportReopened():
            return f"已重新打开（第 {event.revision} 版）"
    return None


def confirmation(events: Sequence[Event], state: ReportState | None = None) -> str:
    """What ``events`` (one command's, or one import's) recorded, in one line.

    A step of the review flow says where the report now is and what it waits for
    (``已提交 姑苏区红十字会 2021 年度报告（submitted），等待部门负责人审核``); content
    changes are listed with their ids (``homes 预算调整 adj-7（-4.8）``). ``state`` is the
    report after the events (None for administration).
    """
    if not events:
        return "没有新记录：报告中已是这样（nothing to record）"
    reported = state if state is not None and state.report else None
    steps = [verb for e in events if reported is not None and (verb := _step(e, reported))]
    phrases = [phrase for e in events if (phrase := _what(e))]
    if reported is None or not steps:
        if not phrases:
            phrases = ["、".join(dict.fromkeys(type(e).__name__ for e in events))]
        listed = "；".join(phrases) if len(phrases) <= 3 else f"{len(phrases)} 项修改"
        if reported is None:
            return f"已记录 {listed}"
        title = state_title(reported)
        return f"已记录 {listed}：{title}（{reported.stage}）"
    title = state_title(reported)
    line = f"{steps[-1]} {title}（{reported.stage}）"
    if phrases:
        line += f"，记录 {len(phrases)} 项内容"
    return f"{line}，{NEXT_STEPS[reported.stage]}"


def recorded_summary(
    records: Sequence[RecordedEvent], state: ReportState | None = None
) -> dict[str, Any]:
    """What a command recorded, as every face returns it: the count, the stream, its version
    and log position, the event types (English ids, for scripts) and the
    :func:`confirmation` for people."""
    return {
        "recorded": len(records),
        "stream": records[-1].stream_id if records else None,
        "version": records[-1].version if records else None,
        "position": records[-1].position if records else None,
        "events": [r.event_type for r in records],
        "message": confirmation([r.event for r in records], state),
    }
