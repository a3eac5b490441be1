"""The report aggregate's state, rebuilt by folding its events with :func:`evolve`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from functools import singledispatch
from typing import Any, Protocol, TypeVar

from events.model import Event
from workflow import keyed
from workflow import report_events as ev
from workflow.amounts import Amount
from workflow.artifacts import Artifact
from workflow.budget import BudgetLine, BudgetTable
from workflow.deadlines import DeadlineReminderSent, ReminderKind
from workflow.indicators import Indicator
from workflow.narrative import Section, Staffing
from workflow.points import Points
from workflow.projects import Project, ReportKind
from workflow.report_events import ApprovalLevel, ItemRef
from workflow.schemes import Scheme
from workflow.signoff import Signature
from workflow.stages import Stage
from workflow.values import Value

#: Snapshot kind and schema version of :class:`ReportState`. Version 2 added
#: ``adjustments_recorded``: a version-1 snapshot lacks it, so loading ignores such snapshots
#: and folds the stream from its start. Version 3 added ``reminders`` (an older snapshot
#: lacks the key, so `audit verify` would find it unlike the fold). Version 4 added
#: ``execution_score`` and the indicators' 指标性质, 年初指标值 and typed 得分; version 5
#: ``project`` (the project of a 项目支出 report).
SNAPSHOT_KIND = "report"
SNAPSHOT_SCHEMA = 5


def is_report_snapshot(kind: str, schema_version: int) -> bool:
    """Whether a stored snapshot holds a :class:`ReportState` this code reads (any other
    kind or schema is ignored, and the stream folded from its start instead)."""
    return kind == SNAPSHOT_KIND and schema_version == SNAPSHOT_SCHEMA


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=_Identified)
V = TypeVar("V", bound=Value)


class Approval(Value):
    """A reviewer's approval of the current revision."""

    by: str
    role: str
    level: ApprovalLevel
    comment: str = ""


class ReturnNote(Value):
    """A return to the preparer: who, from which stage, why, pinned to which items."""

    revision: int
    by: str
    role: str
    from_stage: Stage
    comment: str
    items: tuple[ItemRef, ...] = ()


class Reopening(Value):
    """A reopen after sign-off, which started ``revision``."""

    revision: int
    by: str
    reason: str


class RenderFailure(Value):
    """The last failed attempt to render the current signed-off revision."""

    revision: int
    formats: tuple[str, ...]
    reason: str
    attempt: int
    final: bool = False

    def describe(self) -> str:
        """``render failed after 3 attempts: render took longer than 120 s`` (given up), or
        ``render failed (attempt 1, to be retried): ...``."""
        if self.final:
            attempts = "1 attempt" if self.attempt == 1 else f"{self.attempt} attempts"
            return f"render failed after {attempts}: {self.reason}"
        return f"render failed (attempt {self.attempt}, to be retried): {self.reason}"


class ReportState(Value):
    """Everything a report says now, and where its current revision stands."""

    report: str = ""
    department: str = ""
    department_name: str = ""
    year: int = 0
    revision: int = 0
    stage: Stage = Stage.NEW
    scheme: Scheme | None = None
    deadline: date | None = None
    functions: tuple[str, ...] = ()
    staffing: Staffing | None = None
    net_assets: Amount | None = None
    net_assets_as_of: date | None = None
    sections: tuple[Section, ...] = ()
    lines: tuple[BudgetLine, ...] = ()
    #: Every adjustment ever recorded, on any line, removed lines included: adjustment ids
    #: are numbered from it, so an id is never given twice even after a line is removed.
    adjustments_recorded: int = 0
    indicators: tuple[Indicator, ...] = ()
    submitted_by: str | None = None
    submitted_late: bool = False
    approvals: tuple[Approval, ...] = ()
    signatures: tuple[Signature, ...] = ()
    signed_off_by: tuple[str, ...] = ()
    artifacts: tuple[Artifact, ...] = ()
    #: The last failed render of the signed-off revision, until it is rendered or reopened.
    render_failure: RenderFailure | None = None
    published_channel: str | None = None
    returns: tuple[ReturnNote, ...] = ()
    reopenings: tuple[Reopening, ...] = ()
    #: The deadline reminders recorded on the report's stream, in the order sent.
    reminders: tuple[ReminderKind, ...] = ()
    #: The project of a 项目支出 report; None for the department's 部门整体 report.
    project: Project | None = None
    #: The 得分 of budget execution as the preparer typed it (scored schemes).
    execution_score: Points | None = None

    @property
    def kind(self) -> ReportKind:
        """Whether the report evaluates the department's whole spending or one project."""
        return ReportKind.DEPARTMENT if self.project is None else ReportKind.PROJECT

    @property
    def project_code(self) -> str | None:
        """The project's code, or None for the 部门整体 report."""
        return self.project.code if self.project is not None else None

    def table(self) -> BudgetTable:
        """The budget table as a tree with computed figures."""
        return BudgetTable(self.lines)

    def indicator(self, indicator_id: str) -> Indicator | None:
        """The indicator with ``indicator_id``, if any."""
        return keyed.find(self.indicators, indicator_id)

    def section(self, section_id: str) -> Section | None:
        """The narrative section with ``section_id``, if written."""
        return keyed.find(self.sections, section_id)

    def line(self, line_id: str) -> BudgetLine | None:
        """The budget line with ``line_id``, if any."""
        return keyed.find(self.lines, line_id)

    def line_named(self, name: str) -> BudgetLine | None:
        """The budget line called ``name``, if any."""
        return keyed.find(self.lines, name, "name")

    def item_count(self) -> int:
        """The items the report holds, counted against the scheme's ``limits.items``: budget
        lines, adjustments (every one recorded, cancelled ones too: they stay in the table's
        history), indicators, narrative sections with their headline figures, 主要职能 items,
        and staffing's internal units and ranks."""
        staffing = self.staffing
        return (
            len(self.lines)
            + self.adjustments_recorded
            + len(self.indicators)
            + len(self.sections)
            + sum(len(s.figures) for s in self.sections)
            + len(self.functions)
            + (len(staffing.internal_units) + len(staffing.in_post) if staffing else 0)
        )

    def require_scheme(self) -> Scheme:
        """The scheme the report was opened under (every opened report has one)."""
        if self.scheme is None:
            raise RuntimeError(f"report {self.report or '(new)'} has no scheme: it is not open")
        return self.scheme

    def to_snapshot(self) -> dict[str, Any]:
        """The state as JSON-ready data, for :class:`events.protocol.Snapshot`."""
        return self.model_dump(mode="json")

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> ReportState:
        """Rebuild the state from :meth:`to_snapshot` data."""
        return cls.model_validate(data)


def _replace(items: tuple[T, ...], key: str, change: Callable[[T], T]) -> tuple[T, ...]:
    # For the few adjustments of one line: lines and indicators go through workflow.keyed.
    return tuple(change(item) if item.id == key else item for item in items)


@singledispatch
def _apply(event: Event, state: ReportState) -> ReportState:
    raise TypeError(f"event: got {type(event).__name__}, expected a report event")


def evolve(state: ReportState, event: Event) -> ReportState:
    """The state after ``event``; pure and deterministic."""
    return _apply(event, state)


def fold(events: Iterable[Event], state: ReportState | None = None) -> ReportState:
    """Fold ``events`` into ``state`` (a fresh report when omitted)."""
    current = state if state is not None else ReportState()
    for event in events:
        current = evolve(current, event)
    return current


def _copy(model: V, changes: dict[str, Any]) -> V:
    """``model.model_copy(update=changes)`` without pydantic's generic copy machinery.

    Folding copies the state once or twice per event, so this is the hot path of every
    replay; the result is the same frozen model (fields not re-validated, as model_copy).
    """
    new = object.__new__(type(model))
    set_attribute = object.__setattr__
    set_attribute(new, "__dict__", {**model.__dict__, **changes})
    set_attribute(new, "__pydantic_fields_set__", model.__pydantic_fields_set__ | changes.keys())
    set_attribute(new, "__pydantic_extra__", None)
    set_attribute(new, "__pydantic_private__", None)
    return new


def _update(state: ReportState, **changes: Any) -> ReportState:
    return _copy(state, changes)


@_apply.register
def _(event: ev.ReportOpened, state: ReportState) -> ReportState:
    return _update(
        state,
        report=event.report,
        department=event.department,
        department_name=event.department_name,
        year=event.year,
        revision=event.revision,
        stage=Stage.DRAFT,
        scheme=event.scheme,
        deadline=event.deadline,
    )


@_apply.register
def _(event: ev.ProjectReportOpened, state: ReportState) -> ReportState:
    opened = _apply.dispatch(ev.ReportOpened)(event, state)
    return _update(opened, project=event.project)


@_apply.register
def _(event: ev.ProjectFieldSet, state: ReportState) -> ReportState:
    if state.project is None:
        raise TypeError(f"event: got {event.event_type}, expected it on a 项目支出 report")
    return _update(state, project=_copy(state.project, {event.field.value: event.text}))


@_apply.register
def _(event: ev.FunctionsSet, state: ReportState) -> ReportState:
    return _update(state, functions=event.functions)


@_apply.register
def _(event: ev.StaffingSet, state: ReportState) -> ReportState:
    return _update(state, staffing=event.staffing)


@_apply.register
def _(event: ev.NetAssetsSet, state: ReportState) -> ReportState:
    return _update(state, net_assets=event.amount, net_assets_as_of=event.as_of)


@_apply.register
def _(event: ev.NarrativeEdited, state: ReportState) -> ReportState:
    return _update(state, sections=keyed.upsert(state.sections, event.section))


@_apply.register
def _(event: ev.BudgetLineAdded, state: ReportState) -> ReportState:
    line = BudgetLine(id=event.line, name=event.name, parent=event.parent)
    return _update(state, lines=keyed.append(state.lines, line))


def _change_line(
    state: ReportState, line_id: str, change: Callable[[BudgetLine], BudgetLine]
) -> ReportState:
    return _update(state, lines=keyed.replace(state.lines, line_id, change))


@_apply.register
def _(event: ev.BudgetLineRenamed, state: ReportState) -> ReportState:
    return _change_line(state, event.line, lambda line: _copy(line, {"name": event.name}))


@_apply.register
def _(event: ev.BudgetLineRemoved, state: ReportState) -> ReportState:
    # The line's typed figures go with it, so every parent's sums (and the rates) drop by
    # them; the figures themselves stay in the log and the audit trail.
    return _update(state, lines=tuple(line for line in state.lines if line.id != event.line))


@_apply.register
def _(event: ev.InitialBudgetSet, state: ReportState) -> ReportState:
    return _change_line(state, event.line, lambda line: _copy(line, {"initial": event.amount}))


@_apply.register
def _(event: ev.ActualSpendingRecorded, state: ReportState) -> ReportState:
    return _change_line(state, event.line, lambda line: _copy(line, {"actual": event.amount}))


@_apply.register
def _(event: ev.AdjustmentRecorded, state: ReportState) -> ReportState:
    lines = keyed.replace(
        state.lines,
        event.line,
        lambda line: _copy(line, {"adjustments": (*line.adjustments, event.adjustment)}),
    )
    return _update(state, lines=lines, adjustments_recorded=state.adjustments_recorded + 1)


@_apply.register
def _(event: ev.AdjustmentCancelled, state: ReportState) -> ReportState:
    def cancel(line: BudgetLine) -> BudgetLine:
        adjustments = _replace(
            line.adjustments,
            event.adjustment,
            lambda a: a.model_copy(update={"cancelled": event.reason}),
        )
        return _copy(line, {"adjustments": adjustments})

    return _change_line(state, event.line, cancel)


@_apply.register
def _(event: ev.IndicatorAdded, state: ReportState) -> ReportState:
    return _update(state, indicators=keyed.append(state.indicators, event.indicator))


def _change_indicator(state: ReportState, indicator_id: str, **changes: Any) -> ReportState:
    return _update(
        state,
        indicators=keyed.replace(state.indicators, indicator_id, lambda i: _copy(i, changes)),
    )


@_apply.register
def _(event: ev.IndicatorActualRecorded, state: ReportState) -> ReportState:
    return _change_indicator(state, event.indicator, actual=event.actual, deviation=event.deviation)


@_apply.register
def _(event: ev.IndicatorLineSet, state: ReportState) -> ReportState:
    return _change_indicator(state, event.indicator, budget_line=event.line)


@_apply.register
def _(event: ev.IndicatorGraded, state: ReportState) -> ReportState:
    return _change_indicator(state, event.indicator, grade=event.band)


@_apply.register
def _(event: ev.IndicatorRemoved, state: ReportState) -> ReportState:
    return _update(state, indicators=tuple(i for i in state.indicators if i.id != event.indicator))


@_apply.register
def _(event: ev.ReportSubmitted, state: ReportState) -> ReportState:
    return _update(
        state,
        stage=Stage.SUBMITTED,
        submitted_by=event.by,
        submitted_late=event.late,
        approvals=(),
        signatures=(),
    )


@_apply.register
def _(event: ev.ReportApproved, state: ReportState) -> ReportState:
    stage = (
        Stage.APPROVED_BY_DEPARTMENT
        if event.level is ApprovalLevel.DEPARTMENT
        else Stage.APPROVED_BY_FINANCE
    )
    approval = Approval(by=event.by, role=event.role, level=event.level, comment=event.comment)
    return _update(state, stage=stage, approvals=(*state.approvals, approval))


@_apply.register
def _(event: ev.ReportReturned, state: ReportState) -> ReportState:
    note = ReturnNote(
        revision=event.revision,
        by=event.by,
        role=event.role,
        from_stage=event.from_stage,
        comment=event.comment,
        items=event.items,
    )
    # A returned report is a draft again: the next submission is reviewed from the start.
    return _update(
        state,
        stage=Stage.DRAFT,
        approvals=(),
        signatures=(),
        returns=(*state.returns, note),
    )


@_apply.register
def _(event: ev.SignOffRecorded, state: ReportState) -> ReportState:
    signature = Signature(by=event.by, role=event.role)
    return _update(state, signatures=(*state.signatures, signature))


@_apply.register
def _(event: ev.ReportSignedOff, state: ReportState) -> ReportState:
    return _update(state, stage=Stage.SIGNED_OFF, signed_off_by=event.signers)


@_apply.register
def _(event: ev.ReportRendered, state: ReportState) -> ReportState:
    return _update(state, stage=Stage.RENDERED, artifacts=event.artifacts, render_failure=None)


@_apply.register
def _(event: ev.RenderFailed, state: ReportState) -> ReportState:
    failure = RenderFailure(
        revision=event.revision,
        formats=event.formats,
        reason=event.reason,
        attempt=event.attempt,
        final=event.final,
    )
    return _update(state, render_failure=failure)


@_apply.register
def _(event: ev.ReportPublished, state: ReportState) -> ReportState:
    return _update(state, stage=Stage.PUBLISHED, published_channel=event.channel)


@_apply.register
def _(event: ev.ReportReopened, state: ReportState) -> ReportState:
    # Revision N's events stay in the stream; the new revision starts from its content.
    return _update(
        state,
        revision=event.revision,
        stage=Stage.DRAFT,
        submitted_by=None,
        submitted_late=False,
        approvals=(),
        signatures=(),
        signed_off_by=(),
        artifacts=(),
        render_failure=None,
        published_channel=None,
        reopenings=(
            *state.reopenings,
            Reopening(revision=event.revision, by=event.by, reason=event.reason),
        ),
    )


@_apply.register
def _(event: DeadlineReminderSent, state: ReportState) -> ReportState:
    return _update(state, reminders=(*state.reminders, event.kind))


@_apply.register
def _(event: ev.IndicatorTargetAdjusted, state: ReportState) -> ReportState:
    indicator = state.indicator(event.indicator)
    initial = indicator.initial_target if indicator is not None else None
    return _change_indicator(
        state,
        event.indicator,
        target=event.target,
        initial_target=initial or event.previous,
        adjustment_reason=event.reason,
    )


@_apply.register
def _(event: ev.IndicatorScoreTyped, state: ReportState) -> ReportState:
    return _change_indicator(state, event.indicator, score=event.score)


@_apply.register
def _(event: ev.ExecutionScoreTyped, state: ReportState) -> ReportState:
    return _update(state, execution_score=event.score)
