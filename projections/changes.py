"""What one report event changed: the item, the field, the value before and after, the comment.

The audit trail stores one :class:`Change` per event and the year replay writes the same
columns to its change log, so both describe a change one way. Values come from the report
state before and after the event, never from the event alone: an auditor sees what the
figure was, not only what it became. Each value is kept twice, as typed (``raw``) and
parsed (JSON-ready data).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, NamedTuple

from events.model import Event, RecordedEvent
from events.rows import naive_utc
from projections.report_view import amount_data, compact_json, decimal_text, measure_data
from projections.trail_query import CHANGE_COLUMNS
from workflow import report_events as ev
from workflow.budget import Adjustment, BudgetLine, Column
from workflow.deadlines import DeadlineReminderSent
from workflow.indicators import Indicator
from workflow.narrative import Section
from workflow.points import Points
from workflow.projects import FIELD_LABELS
from workflow.report import ReportState
from workflow.targets import Measure


class Change(NamedTuple):
    """One event's change to one item of a report.

    A named tuple rather than a frozen dataclass: one is built per event of a rebuild, and
    a frozen dataclass sets each of its fields through ``object.__setattr__``.
    """

    #: ``report``, ``line``, ``indicator`` or ``section``.
    item_kind: str
    item_id: str
    #: The item as people name it: the line's or indicator's name, the section's title.
    item_label: str
    #: What changed: ``initial``, ``actual``, ``target``, ``text``, ``stage`` ...
    field: str
    before_raw: str | None = None
    before_value: Any = None
    after_raw: str | None = None
    after_value: Any = None
    #: The reason, comment or deviation explanation given with the change.
    comment: str | None = None


Describer = Callable[[Any, ReportState, ReportState], Change]
_DESCRIBERS: dict[type[Event], Describer] = {}


def _describes(*types: type[Event]) -> Callable[[Describer], Describer]:
    def register(describer: Describer) -> Describer:
        for event_type in types:
            _DESCRIBERS[event_type] = describer
        return describer

    return register


def describe_change(event: Event, before: ReportState, after: ReportState) -> Change:
    """The change ``event`` made, read from the report ``before`` and ``after`` it."""
    describer = _DESCRIBERS.get(type(event))
    if describer is None:
        raise TypeError(f"event: got {type(event).__name__}, expected a report event")
    return describer(event, before, after)


_encode = compact_json(sort_keys=True)


def change_rows(
    transitions: Iterable[tuple[RecordedEvent, ReportState, ReportState]],
) -> list[tuple[Any, ...]]:
    """The change-log rows of a batch's report transitions (:func:`change_values`), each
    moment stored as naive UTC; the events of one append share their moment, so each is
    converted once."""
    rows = []
    moments: dict[datetime, datetime] = {}
    for record, before, after in transitions:
        moment = record.recorded_at
        stored = moments.get(moment)
        if stored is None:
            stored = moments[moment] = naive_utc(moment)
        rows.append(change_values(record, before, after, stored))
    return rows


def change_values(
    record: RecordedEvent, before: ReportState, after: ReportState, recorded_at: datetime
) -> tuple[Any, ...]:
    """One change-log row as values in ``CHANGE_COLUMNS`` order, ``recorded_at`` as given
    (the audit trail hands the naive UTC moment it stores).

    A tuple, not a dict: the audit trail inserts one per event of a rebuild, straight into
    the driver's ``executemany``.
    """
    change = describe_change(record.event, before, after)
    before_value, after_value = change.before_value, change.after_value
    return (
        record.position,
        recorded_at,
        record.stream_id,
        after.department,
        after.year,
        after.revision,
        record.version,
        record.actor,
        record.role,
        record.event_type,
        change.item_kind,
        change.item_id,
        change.item_label,
        change.field,
        change.before_raw,
        None if before_value is None else _encode(before_value),
        change.after_raw,
        None if after_value is None else _encode(after_value),
        change.comment,
        str(after.stage),
        record.hash,
    )


def change_row(record: RecordedEvent, before: ReportState, after: ReportState) -> dict[str, Any]:
    """One change-log row (see ``CHANGE_COLUMNS``): where and when, who, what, before, after.

    Parsed values are JSON text; ``recorded_at`` is the aware UTC moment of the event.
    """
    return dict(
        zip(CHANGE_COLUMNS, change_values(record, before, after, record.recorded_at), strict=True)
    )


def _line(state: ReportState, line_id: str) -> BudgetLine | None:
    return next((line for line in state.lines if line.id == line_id), None)


def _indicator(state: ReportState, indicator_id: str) -> Indicator | None:
    return next((i for i in state.indicators if i.id == indicator_id), None)


def _section(state: ReportState, section_id: str) -> Section | None:
    return next((s for s in state.sections if s.id == section_id), None)


def _stage(event: Event, before: ReportState, after: ReportState, comment: str | None) -> Change:
    return Change(
        item_kind="report",
        item_id=after.report,
        item_label=after.department_name,
        field="stage",
        before_raw=str(before.stage),
        before_value={"stage": str(before.stage), "revision": before.revision},
        after_raw=str(after.stage),
        after_value={"stage": str(after.stage), "revision": after.revision},
        comment=comment or None,
    )


# --- the report as a whole --------------------------------------------------------------


@_describes(ev.ReportOpened)
def _opened(event: ev.ReportOpened, before: ReportState, after: ReportState) -> Change:
    return Change(
        item_kind="report",
        item_id=event.report,
        item_label=event.department_name,
        field="opened",
        after_raw=event.department_name,
        after_value={
            "department": event.department,
            "year": event.year,
            "revision": event.revision,
            "scheme": event.scheme.id,
            "deadline": event.deadline.isoformat(),
        },
    )


@_describes(ev.ProjectReportOpened)
def _project_opened(
    event: ev.ProjectReportOpened, before: ReportState, after: ReportState
) -> Change:
    opened = _opened(event, before, after)
    project = event.project
    return opened._replace(
        item_label=f"{event.department_name} {project.name}",
        after_raw=project.name,
        after_value={
            **opened.after_value,
            "kind": "project",
            "project": project.code,
            "name": project.name,
            "supervisor": project.supervisor,
            "implementer": project.implementer,
        },
    )


@_describes(ev.ProjectFieldSet)
def _project_field(event: ev.ProjectFieldSet, before: ReportState, after: ReportState) -> Change:
    previous = before.project.text(event.field) if before.project is not None else ""
    return Change(
        item_kind="report",
        item_id=after.report,
        item_label=FIELD_LABELS[event.field],
        field=event.field.value,
        before_raw=previous or None,
        before_value=previous or None,
        after_raw=event.text or None,
        after_value=event.text or None,
    )


@_describes(ev.FunctionsSet)
def _functions(event: ev.FunctionsSet, before: ReportState, after: ReportState) -> Change:
    return Change(
        item_kind="report",
        item_id=after.report,
        item_label="主要职能",
        field="functions",
        before_raw="\n".join(before.functions) or None,
        before_value=list(before.functions) or None,
        after_raw="\n".join(after.functions),
        after_value=list(after.functions),
    )


@_describes(ev.StaffingSet)
def _staffing(event: ev.StaffingSet, before: ReportState, after: ReportState) -> Change:
    def data(state: ReportState) -> dict[str, Any] | None:
        return state.staffing.model_dump(mode="json") if state.staffing else None

    def text(state: ReportState) -> str | None:
        staffing = state.staffing
        if staffing is None:
            return None
        ranks = "、".join(f"{r.rank} {r.count}" for r in staffing.in_post)
        return f"编制 {staffing.establishment}，在职 {staffing.in_post_total}（{ranks}）"

    return Change(
        item_kind="report",
        item_id=after.report,
        item_label="人员",
        field="staffing",
        before_raw=text(before),
        before_value=data(before),
        after_raw=text(after),
        after_value=data(after),
    )


@_describes(ev.NetAssetsSet)
def _net_assets(event: ev.NetAssetsSet, before: ReportState, after: ReportState) -> Change:
    return Change(
        item_kind="report",
        item_id=after.report,
        item_label="净资产",
        field="net_assets",
        before_raw=before.net_assets.raw if before.net_assets else None,
        before_value=amount_data(before.net_assets),
        after_raw=event.amount.raw,
        after_value=amount_data(event.amount),
    )


# --- narrative --------------------------------------------------------------------------


def _section_data(section: Section | None) -> dict[str, Any] | None:
    if section is None:
        return None
    return {
        "title": section.title,
        "figures": {f.key: measure_data(f.value) for f in section.figures},
    }


@_describes(ev.NarrativeEdited)
def _narrative(event: ev.NarrativeEdited, before: ReportState, after: ReportState) -> Change:
    old = _section(before, event.section.id)
    return Change(
        item_kind="section",
        item_id=event.section.id,
        item_label=event.section.title,
        field="text",
        before_raw=old.text if old else None,
        before_value=_section_data(old),
        after_raw=event.section.text,
        after_value=_section_data(event.section),
    )


# --- budget lines -----------------------------------------------------------------------


@_describes(ev.BudgetLineAdded)
def _line_added(event: ev.BudgetLineAdded, before: ReportState, after: ReportState) -> Change:
    return Change(
        item_kind="line",
        item_id=event.line,
        item_label=event.name,
        field="added",
        after_raw=event.name,
        after_value={"name": event.name, "parent": event.parent},
    )


@_describes(ev.BudgetLineRenamed)
def _line_renamed(event: ev.BudgetLineRenamed, before: ReportState, after: ReportState) -> Change:
    return Change(
        item_kind="line",
        item_id=event.line,
        item_label=event.name,
        field="name",
        before_raw=event.previous_name,
        before_value={"name": event.previous_name},
        after_raw=event.name,
        after_value={"name": event.name},
        comment=event.reason or None,
    )


def _typed_text(line: BudgetLine) -> str | None:
    """The line's live typed figures as typed, on one line: what an auditor reads first."""
    parts = []
    if line.initial is not None:
        parts.append(f"{Column.INITIAL} {line.initial.raw}")
    parts += [f"{a.id} {a.amount.raw}" for a in line.adjustments if a.cancelled is None]
    if line.actual is not None:
        parts.append(f"{Column.ACTUAL} {line.actual.raw}")
    return "; ".join(parts) or None


@_describes(ev.BudgetLineRemoved)
def _line_removed(event: ev.BudgetLineRemoved, before: ReportState, after: ReportState) -> Change:
    # The row keeps every figure the line carried, cancelled adjustments included: once the
    # line is gone from the report, the audit trail is where they can still be read.
    old = _line(before, event.line)
    return Change(
        item_kind="line",
        item_id=event.line,
        item_label=old.name if old else event.line,
        field="removed",
        before_raw=_typed_text(old) if old else None,
        before_value=(
            {
                "name": old.name,
                "parent": old.parent,
                "initial": amount_data(old.initial),
                "adjustments": [_adjustment_data(a) for a in old.adjustments],
                "actual": amount_data(old.actual),
            }
            if old
            else None
        ),
        comment=event.reason,
    )


def _typed_amount(
    field: str, event: ev.InitialBudgetSet | ev.ActualSpendingRecorded, before: ReportState
) -> Change:
    old_line = _line(before, event.line)
    old = getattr(old_line, field) if old_line else None
    return Change(
        item_kind="line",
        item_id=event.line,
        item_label=old_line.name if old_line else event.line,
        field=field,
        before_raw=old.raw if old else None,
        before_value=amount_data(old),
        after_raw=event.amount.raw,
        after_value=amount_data(event.amount),
    )


@_describes(ev.InitialBudgetSet)
def _initial(event: ev.InitialBudgetSet, before: ReportState, after: ReportState) -> Change:
    return _typed_amount("initial", event, before)


@_describes(ev.ActualSpendingRecorded)
def _actual(event: ev.ActualSpendingRecorded, before: ReportState, after: ReportState) -> Change:
    return _typed_amount("actual", event, before)


def _adjustment_data(adjustment: Adjustment) -> dict[str, Any]:
    return {
        "id": adjustment.id,
        "amount": decimal_text(adjustment.amount.value),
        "unit": adjustment.amount.unit,
        "kind": str(adjustment.kind),
        "document": adjustment.document,
        "cancelled": adjustment.cancelled,
    }


@_describes(ev.AdjustmentRecorded)
def _adjustment(event: ev.AdjustmentRecorded, before: ReportState, after: ReportState) -> Change:
    line = _line(after, event.line)
    adjustment = event.adjustment
    return Change(
        item_kind="line",
        item_id=event.line,
        item_label=line.name if line else event.line,
        field=f"adjustment {adjustment.id}",
        after_raw=adjustment.amount.raw,
        after_value=_adjustment_data(adjustment),
        comment=adjustment.reason,
    )


@_describes(ev.AdjustmentCancelled)
def _cancelled(event: ev.AdjustmentCancelled, before: ReportState, after: ReportState) -> Change:
    old_line, new_line = _line(before, event.line), _line(after, event.line)

    def find(line: BudgetLine | None) -> Adjustment | None:
        if line is None:
            return None
        return next((a for a in line.adjustments if a.id == event.adjustment), None)

    old, new = find(old_line), find(new_line)
    return Change(
        item_kind="line",
        item_id=event.line,
        item_label=new_line.name if new_line else event.line,
        field=f"adjustment {event.adjustment}",
        before_raw=old.amount.raw if old else None,
        before_value=_adjustment_data(old) if old else None,
        after_raw=None,
        after_value=_adjustment_data(new) if new else None,
        comment=event.reason,
    )


# --- indicators -------------------------------------------------------------------------


@_describes(ev.IndicatorAdded)
def _indicator_added(event: ev.IndicatorAdded, before: ReportState, after: ReportState) -> Change:
    indicator = event.indicator
    value = measure_data(indicator.target) or {}
    # Typed beside the target on provincial forms; left out when not typed, so the changes
    # of a report typed before these fields existed read as they always did.
    if indicator.nature is not None:
        value["nature"] = str(indicator.nature)
    if indicator.core:
        value["core"] = True
    return Change(
        item_kind="indicator",
        item_id=indicator.id,
        item_label=indicator.name,
        field="target",
        after_raw=indicator.target.raw,
        after_value=value,
    )


def _measure_change(
    before: ReportState,
    indicator_id: str,
    field: str,
    old: Measure | None,
    new: Measure,
    comment: str | None,
) -> Change:
    """An indicator's target or actual, before and after, as typed and parsed."""
    indicator = _indicator(before, indicator_id)
    return Change(
        item_kind="indicator",
        item_id=indicator_id,
        item_label=indicator.name if indicator else indicator_id,
        field=field,
        before_raw=old.raw if old else None,
        before_value=measure_data(old),
        after_raw=new.raw,
        after_value=measure_data(new),
        comment=comment,
    )


@_describes(ev.IndicatorActualRecorded)
def _indicator_actual(
    event: ev.IndicatorActualRecorded, before: ReportState, after: ReportState
) -> Change:
    old = _indicator(before, event.indicator)
    comment = event.deviation.raw if event.deviation else None
    return _measure_change(
        before, event.indicator, "actual", old.actual if old else None, event.actual, comment
    )


@_describes(ev.IndicatorRemoved)
def _indicator_removed(
    event: ev.IndicatorRemoved, before: ReportState, after: ReportState
) -> Change:
    old = _indicator(before, event.indicator)
    return Change(
        item_kind="indicator",
        item_id=event.indicator,
        item_label=old.name if old else event.indicator,
        field="removed",
        before_raw=old.target.raw if old else None,
        before_value=(
            {"target": measure_data(old.target), "actual": measure_data(old.actual)}
            if old
            else None
        ),
        comment=event.reason,
    )


def _line_ref(state: ReportState, line_id: str | None) -> tuple[str | None, Any]:
    """A line an indicator measures, as text (``homes 博爱家园建设``) and as data."""
    if line_id is None:
        return None, None
    line = _line(state, line_id)
    name = line.name if line else None
    return (f"{line_id} {name}" if name else line_id), {"line": line_id, "name": name}


@_describes(ev.IndicatorLineSet)
def _indicator_line(event: ev.IndicatorLineSet, before: ReportState, after: ReportState) -> Change:
    # Each line is named as it was on its side of the change: the previous one before the
    # event, the new one after it (the event itself carries only the ids).
    old = _indicator(before, event.indicator)
    before_raw, before_value = _line_ref(before, event.previous_line)
    after_raw, after_value = _line_ref(after, event.line)
    return Change(
        item_kind="indicator",
        item_id=event.indicator,
        item_label=old.name if old else event.indicator,
        field="budget_line",
        before_raw=before_raw,
        before_value=before_value,
        after_raw=after_raw,
        after_value=after_value,
        comment=event.reason or None,
    )


@_describes(ev.IndicatorGraded)
def _indicator_graded(event: ev.IndicatorGraded, before: ReportState, after: ReportState) -> Change:
    old = _indicator(before, event.indicator)
    return Change(
        item_kind="indicator",
        item_id=event.indicator,
        item_label=old.name if old else event.indicator,
        field="grade",
        before_raw=old.grade if old else None,
        before_value=old.grade if old else None,
        after_raw=event.band,
        after_value=event.band,
    )


@_describes(ev.IndicatorTargetAdjusted)
def _indicator_target_adjusted(
    event: ev.IndicatorTargetAdjusted, before: ReportState, after: ReportState
) -> Change:
    return _measure_change(
        before, event.indicator, "target", event.previous, event.target, event.reason
    )


def _points_change(
    kind: str, item_id: str, label: str, field: str, before: Points | None, after: Points | None
) -> Change:
    """A typed 得分 set, changed or cleared: as typed and as points on both sides."""

    def data(points: Points | None) -> dict[str, Any] | None:
        return {"value": decimal_text(points.value), "raw": points.raw} if points else None

    return Change(
        item_kind=kind,
        item_id=item_id,
        item_label=label,
        field=field,
        before_raw=before.raw if before else None,
        before_value=data(before),
        after_raw=after.raw if after else None,
        after_value=data(after),
    )


@_describes(ev.IndicatorScoreTyped)
def _indicator_score(
    event: ev.IndicatorScoreTyped, before: ReportState, after: ReportState
) -> Change:
    old = _indicator(before, event.indicator)
    label = old.name if old else event.indicator
    previous = old.score if old else None
    return _points_change("indicator", event.indicator, label, "score", previous, event.score)


@_describes(ev.ExecutionScoreTyped)
def _execution_score(
    event: ev.ExecutionScoreTyped, before: ReportState, after: ReportState
) -> Change:
    previous = before.execution_score
    return _points_change(
        "report", after.report, "预算执行率", "execution_score", previous, event.score
    )


# --- review and sign-off ----------------------------------------------------------------


@_describes(ev.ReportSubmitted, ev.SignOffRecorded, ev.ReportSignedOff, ev.ReportRendered)
def _moved(event: Event, before: ReportState, after: ReportState) -> Change:
    return _stage(event, before, after, None)


@_describes(ev.RenderFailed)
def _render_failed(event: ev.RenderFailed, before: ReportState, after: ReportState) -> Change:
    # The stage stays signed_off: what changed is the revision's render outcome.
    old, new = before.render_failure, after.render_failure
    return Change(
        item_kind="report",
        item_id=after.report,
        item_label=after.department_name,
        field="render",
        before_raw=old.describe() if old else None,
        before_value=old.model_dump(mode="json") if old else None,
        after_raw=new.describe() if new else None,
        after_value=new.model_dump(mode="json") if new else None,
    )


@_describes(DeadlineReminderSent)
def _reminded(event: DeadlineReminderSent, before: ReportState, after: ReportState) -> Change:
    # Nothing in the report changed: the department was told its deadline is near or past.
    return Change(
        item_kind="report",
        item_id=after.report,
        item_label=after.department_name,
        field="reminder",
        before_raw=str(before.reminders[-1]) if before.reminders else None,
        after_raw=str(event.kind),
        after_value={
            "kind": str(event.kind),
            "deadline": event.deadline.isoformat(),
            "days_left": event.days_left,
        },
        comment=event.describe(),
    )


@_describes(ev.ReportApproved)
def _approved(event: ev.ReportApproved, before: ReportState, after: ReportState) -> Change:
    return _stage(event, before, after, event.comment)


@_describes(ev.ReportReturned)
def _returned(event: ev.ReportReturned, before: ReportState, after: ReportState) -> Change:
    items = ", ".join(f"{ref.kind}:{ref.id}" for ref in event.items)
    comment = f"{event.comment} [{items}]" if items else event.comment
    return _stage(event, before, after, comment)


@_describes(ev.ReportPublished)
def _published(event: ev.ReportPublished, before: ReportState, after: ReportState) -> Change:
    return _stage(event, before, after, event.channel)


@_describes(ev.ReportReopened)
def _reopened(event: ev.ReportReopened, before: ReportState, after: ReportState) -> Change:
    return _stage(event, before, after, event.reason)
