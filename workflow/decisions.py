"""Deciding report commands: ``decide(state, command, actor, context)`` returns new events
or raises a DomainError, and never records anything itself.

Order of the rules: the actor's role (NotAuthorized), the revision addressed
(StaleRevision), the stage (WrongStage), then the command's own rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import singledispatch

from events.model import Event
from workflow import report_events as ev
from workflow.administration import DepartmentState, FiscalYearState, names_department
from workflow.amounts import MONEY_UNITS, Amount, parse_amount
from workflow.authorization import role_for_stage, roles_permitted
from workflow.budget import Adjustment, AdjustmentKind, BudgetLine
from workflow.checks import submission_problems
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
    RecordRenderFailure,
    RecordRendering,
    RemindOfDeadline,
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
from workflow.deadlines import DeadlineReminderSent, days_left, reminder_due
from workflow.errors import (
    DuplicateItem,
    DutiesNotSeparated,
    InvalidValue,
    NotAuthorized,
    StaleRevision,
    SubmissionBlocked,
    TooManyItems,
    UnknownItem,
)
from workflow.indicators import Indicator, check_actual_fits, direction_of
from workflow.narrative import (
    SECTION_ID,
    RankCount,
    Section,
    Staffing,
    check_staffing,
    parse_figure,
)
from workflow.natures import COMPARATORS, compose_target, nature_of
from workflow.points import Points, parse_points
from workflow.projects import (
    FIELD_LABELS,
    KIND_LABELS,
    NAME_FIELDS,
    Project,
    ProjectField,
    ReportKind,
    field_choices,
    field_named,
)
from workflow.report import ReportState, fold
from workflow.report_events import ApprovalLevel, ItemKind, ItemRef
from workflow.roles import Actor, Role
from workflow.scoring import score
from workflow.signoff import Signature, entries_for, is_complete
from workflow.stages import Stage
from workflow.suggest import did_you_mean
from workflow.targets import Comparator, MeasureKind, parse_deviation, parse_measure
from workflow.text import Limit, identifier
from workflow.typed_scores import allowed_problem, points_text
from workflow.values import optional_name, optional_text, required_text, short_name


@dataclass(frozen=True)
class Context:
    """What a decision needs besides the report: the time, and for OpenReport the
    department and fiscal year as their streams hold them (for RemindOfDeadline the fiscal
    year, whose stream holds the reminders sent before the report was opened)."""

    now: datetime
    department: DepartmentState | None = None
    fiscal_year: FiscalYearState | None = None


def authorize(state: ReportState, command: ReportCommand, actor: Actor) -> Role:
    """The role ``actor`` issues ``command`` in; NotAuthorized, StaleRevision or WrongStage."""
    roles = roles_permitted(command, actor)
    if (
        state.stage is not Stage.NEW
        and command.revision is not None
        and command.revision != state.revision
    ):
        raise StaleRevision(
            f"report {state.report} revision: got {command.revision}, expected the current "
            f"revision {state.revision}; reload the report"
        )
    return role_for_stage(command, roles, state.stage)


@dataclass(frozen=True)
class Decision:
    """What deciding a command gave: the role it was authorised in, its events, and the
    state they lead to (the state decided on when there are none)."""

    role: Role
    events: list[Event]
    state: ReportState


def decide(
    state: ReportState, command: ReportCommand, actor: Actor, context: Context
) -> list[Event]:
    """The events ``command`` by ``actor`` produces on ``state``, or a DomainError.

    Setting a part of the report to what it already says records nothing: retyping the
    same figure would otherwise put a "20 人 → 20 人" line in the audit trail.
    """
    return decision(state, command, actor, context).events


def decision(
    state: ReportState, command: ReportCommand, actor: Actor, context: Context
) -> Decision:
    """:func:`decide`, authorising ``actor`` once, with the role the events are recorded
    under and the state they lead to (folded once, for callers that go on deciding: an
    import decides thousands of commands one after the other)."""
    role = authorize(state, command, actor)
    events = _decide(command, state, _Who(actor.user_id, role), context)
    if not events:
        return Decision(role, events, state)
    after = fold(events, state)
    if isinstance(command, SETTERS) and _unchanged(state, after):
        return Decision(role, [], state)
    if isinstance(command, _ADDERS):
        _check_items(state, after)
    return Decision(role, events, after)


#: The report's item tuples: the fold rebuilds one only when an item in it changed.
_ITEMS = frozenset({"lines", "indicators", "sections"})


def _unchanged(before: ReportState, after: ReportState) -> bool:
    """Whether ``after`` says what ``before`` says, field by field.

    The item tuples are rebuilt only when an item changed (workflow.keyed), so a new tuple
    there is a change: comparing thousands of lines to learn that would make every edit of
    a large report cost as much as the whole table.
    """
    for name, value in after.__dict__.items():
        old = before.__dict__[name]
        if value is old:
            continue
        if name in _ITEMS or value != old:
            return False
    return True


#: Commands that may add items to the report (lines, adjustments, indicators, sections,
#: figures, 主要职能 items, staffing entries): they are counted against the scheme's limit.
_ADDERS = (AddBudgetLine, RecordAdjustment, AddIndicator, EditNarrative, SetFunctions, SetStaffing)


def _check_items(before: ReportState, after: ReportState) -> None:
    count = after.item_count()
    limit = after.require_scheme().limit("items")
    if count > limit.most and count > before.item_count():
        raise TooManyItems(
            f"report {after.report} items",
            f"{count:,} items",
            f"{limit.expected('items')}: lines, adjustments, indicators, sections, figures, "
            "主要职能 items and staffing entries together",
        )


#: Commands that set a value in place: a repeat of the value already there changes nothing.
SETTERS = (
    SetProjectField,
    SetFunctions,
    SetStaffing,
    SetNetAssets,
    EditNarrative,
    SetInitialBudget,
    RecordActualSpending,
    RecordIndicatorActual,
    SetIndicatorScore,
    SetExecutionScore,
)


@dataclass(frozen=True)
class _Who:
    user_id: str
    role: Role


# --- helpers ----------------------------------------------------------------------------


def _limit(state: ReportState, kind: str) -> Limit:
    """The report scheme's limit of ``kind`` (name, section, paragraph, cell, items)."""
    return state.require_scheme().limit(kind)


def _line(state: ReportState, line_id: str) -> BudgetLine:
    line = state.line(line_id)
    if line is None:
        ids = [line.id for line in state.lines]
        known = ", ".join(ids) or "none yet"
        raise UnknownItem(
            f"line {line_id!r}: no such line in report {state.report}; expected one of {known}"
            + did_you_mean(line_id, ids)
        )
    return line


def _indicator(state: ReportState, indicator_id: str) -> Indicator:
    indicator = state.indicator(indicator_id)
    if indicator is None:
        raise UnknownItem(
            f"indicator {indicator_id!r}: no such indicator in report {state.report}"
            + did_you_mean(indicator_id, (i.id for i in state.indicators))
        )
    return indicator


def _amount(
    state: ReportState, line: BudgetLine, column: str, raw: str | int | Decimal, **rules: bool
) -> Amount:
    scheme = state.require_scheme()
    return parse_amount(
        raw,
        subject=f"line {line.name} {column}",
        unit=scheme.budget_unit,
        max_places=scheme.max_amount_places,
        limit=scheme.limit("cell"),
        **rules,
    )


@singledispatch
def _decide(command: ReportCommand, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    raise TypeError(f"command: got {type(command).__name__}, expected a report command")


# --- opening and part 1 -----------------------------------------------------------------


@_decide.register
def _(command: OpenReport, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    department, year = ctx.department, ctx.fiscal_year
    if department is None or not department.registered or department.code != command.department:
        raise UnknownItem(
            f"department: got {command.department!r}, expected a registered department"
        )
    if command.named is not None and not names_department(command.named, department):
        raise InvalidValue(
            "department named",
            command.named,
            f"{department.name} or {department.code} (the department registered as "
            f"{department.code}, by name or code)",
        )
    if year is None or not year.opened or year.year != command.year or year.scheme is None:
        raise UnknownItem(
            f"fiscal year: got {command.year!r}, expected a fiscal year opened by an administrator"
        )
    assert year.deadline is not None
    opened = {
        "report": command.stream_id,
        "department": department.code,
        "department_name": department.name,
        "year": command.year,
        "revision": 1,
        "scheme": year.scheme,
        "deadline": year.deadline,
    }
    if command.project_code is None:
        for given, words in (
            (command.project_name, "--name"),
            (command.supervisor, "主管部门"),
            (command.implementer, "实施单位"),
        ):
            if given is not None:
                raise InvalidValue(
                    f"report {department.code}/{command.year} {words}",
                    given,
                    "nothing: only a 项目支出 report (with a project code) has it",
                )
        return [ev.ReportOpened(**opened)]
    code = identifier("report project", command.project_code)
    limit = year.scheme.limit("name")
    subject = f"project {code}"
    project = Project(
        code=code,
        name=short_name(f"{subject} 项目名称", command.project_name, limit=limit),
        supervisor=optional_name(f"{subject} 主管部门", command.supervisor, limit=limit)
        or department.name,
        implementer=optional_name(f"{subject} 实施单位", command.implementer, limit=limit)
        or department.name,
    )
    return [ev.ProjectReportOpened(**opened, project=project)]


def _department_part(state: ReportState, what: str, value: object) -> None:
    """Refuse a part of the 部门整体 report on a 项目支出 report, which has none."""
    if state.project is not None:
        raise InvalidValue(
            f"report {state.report} {what}",
            str(value),
            f"a part of a {KIND_LABELS[ReportKind.PROJECT]} report: it has no {what} "
            f"(that is the {KIND_LABELS[ReportKind.DEPARTMENT]} report's)",
        )


@_decide.register
def _(command: SetProjectField, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    project = state.project
    if project is None:
        raise InvalidValue(
            f"report {state.report} field",
            str(command.field),
            f"a part of a {KIND_LABELS[ReportKind.DEPARTMENT]} report: project fields belong "
            f"to a {KIND_LABELS[ReportKind.PROJECT]} report (-p CODE)",
        )
    field = field_named(command.field)
    if field is None:
        raise InvalidValue(f"project {project.code} field", str(command.field), field_choices())
    subject = f"project {project.code} {FIELD_LABELS[field]}"
    if field is ProjectField.NAME:
        text = short_name(subject, command.text, limit=_limit(state, "name"))
    elif field in NAME_FIELDS:
        text = optional_name(subject, command.text, limit=_limit(state, "name"))
    else:
        text = optional_text(subject, command.text, limit=_limit(state, "paragraph"))
    if text == project.text(field):
        return []
    return [ev.ProjectFieldSet(field=field, text=text)]


@_decide.register
def _(command: SetFunctions, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    _department_part(state, "主要职能", f"{len(command.functions)} functions")
    if isinstance(command.functions, str) or not command.functions:
        raise InvalidValue("part 1 主要职能", str(command.functions), "a list of functions")
    limit = _limit(state, "paragraph")
    functions = tuple(
        required_text(f"part 1 主要职能 item {n}", f, limit=limit)
        for n, f in enumerate(command.functions, 1)
    )
    return [ev.FunctionsSet(functions=functions)]


@_decide.register
def _(command: SetStaffing, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    _department_part(state, "人员", f"编制 {command.establishment}")
    try:
        staffing = Staffing(
            internal_units=tuple(command.internal_units),
            establishment=command.establishment,
            in_post=tuple(RankCount(rank=r, count=c) for r, c in command.in_post),
        )
    except (ValueError, TypeError):
        raise InvalidValue(
            "part 1 人员", str(command.in_post), "编制 as a count and (rank, count) pairs"
        ) from None
    staffing = check_staffing(staffing, limit=_limit(state, "name"))
    return [ev.StaffingSet(staffing=staffing)]


@_decide.register
def _(command: SetNetAssets, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    _department_part(state, "净资产", command.amount)
    if command.unit not in MONEY_UNITS:
        raise InvalidValue("part 1 净资产 unit", command.unit, "one of " + ", ".join(MONEY_UNITS))
    amount = parse_amount(
        command.amount,
        subject="part 1 净资产",
        unit=command.unit,
        max_places=state.require_scheme().max_amount_places,
        allow_negative=True,
        limit=_limit(state, "cell"),
    )
    return [ev.NetAssetsSet(amount=amount, as_of=command.as_of)]


@_decide.register
def _(command: EditNarrative, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    _department_part(state, "section", command.section)
    scheme = state.require_scheme()
    spec = scheme.section(command.section) if isinstance(command.section, str) else None
    if spec is None or not SECTION_ID.match(command.section):
        known = ", ".join(s.id for s in scheme.sections)
        raise InvalidValue("section", str(command.section), f"one of {known} or a subsection")
    subject = f"section {command.section}"
    default_title = spec.title if spec.id == command.section else None
    name_limit = scheme.limit("name")
    title = short_name(f"{subject} title", command.title or default_title, limit=name_limit)
    text = required_text(f"{subject} text", command.text, limit=scheme.limit("section"))
    for figure in command.figures:
        if not (isinstance(figure, tuple) and len(figure) == 3):
            raise InvalidValue(f"{subject} figure", str(figure), "a (key, label, value) triple")
    figures = tuple(
        parse_figure(
            key,
            label,
            raw,
            section=command.section,
            name_limit=name_limit,
            cell_limit=scheme.limit("cell"),
        )
        for key, label, raw in command.figures
    )
    if len({f.key for f in figures}) != len(figures):
        keys = ", ".join(f.key for f in figures)
        raise InvalidValue(f"{subject} figures", keys, "each figure key once")
    section = Section(id=command.section, title=title, text=text, figures=figures)
    return [ev.NarrativeEdited(section=section)]


# --- budget table -----------------------------------------------------------------------


@_decide.register
def _(command: AddBudgetLine, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    line_id = identifier("line id", command.line)
    name = short_name(f"line {line_id} name", command.name, limit=_limit(state, "name"))
    if (same := state.line(line_id)) is not None:
        raise DuplicateItem(f"line {line_id}: already in the table as {same.name}")
    if state.line_named(name) is not None:
        raise DuplicateItem(f"line {line_id} name: {name} is already another line's name")
    # The root is the first line (added first, removed last): found without a table.
    root = next((line for line in state.lines if line.parent is None), None)
    if command.parent is None and root is not None:
        raise InvalidValue(
            f"line {name} parent",
            "none",
            f"an existing line: the table has one root, {root.name}",
        )
    if command.parent is not None:
        _line(state, command.parent)
    return [ev.BudgetLineAdded(line=line_id, name=name, parent=command.parent)]


@_decide.register
def _(command: RenameBudgetLine, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    line = _line(state, command.line)
    subject = f"line {line.id} name"
    name = short_name(subject, command.name, limit=_limit(state, "name"))
    if name == line.name:
        raise InvalidValue(subject, name, f"a name other than its current name {line.name}")
    other = state.line_named(name)
    if other is not None:
        raise DuplicateItem(
            f"{subject}: got {name!r}, expected a name no other line has; it is line "
            f"{other.id}'s name"
        )
    # The reason is optional: fixing a typo needs none, so a blank one counts as none.
    reason = optional_text(f"{subject} reason", command.reason, limit=_limit(state, "paragraph"))
    return [ev.BudgetLineRenamed(line=line.id, name=name, previous_name=line.name, reason=reason)]


@_decide.register
def _(command: RemoveBudgetLine, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    line = _line(state, command.line)
    subject = f"line {line.name} removal"
    reason = required_text(f"{subject} reason", command.reason, limit=_limit(state, "paragraph"))
    # Removing a parent would orphan its children, and the root's figures are the table's
    # totals: both go only once the lines below them are gone, one removal at a time.
    if kids := state.table().children(line.id):
        last = " (the root goes last)" if line.parent is None else ""
        listed = ", ".join(f"{kid.id} {kid.name}" for kid in kids)
        raise InvalidValue(
            subject,
            line.id,
            f"a line without child lines{last}; remove its children first: {listed}",
        )
    # An indicator keeps its budget_line as typed; removing the line under it would leave it
    # pointing nowhere, and which line it should measure instead is the preparer's call.
    if measuring := [i for i in state.indicators if i.budget_line == line.id]:
        listed = ", ".join(f"{i.id} {i.name}" for i in measuring)
        raise InvalidValue(
            subject,
            line.id,
            f"a line no indicator measures; point them at another line first "
            f"(jixiao report indicator line) or remove them: {listed}",
        )
    return [ev.BudgetLineRemoved(line=line.id, reason=reason)]


@_decide.register
def _(command: SetInitialBudget, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    line = _line(state, command.line)
    amount = _amount(state, line, "年初预算数", command.amount)
    return [ev.InitialBudgetSet(line=line.id, amount=amount)]


@_decide.register
def _(command: RecordActualSpending, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    line = _line(state, command.line)
    amount = _amount(state, line, "实际支出数", command.amount)
    return [ev.ActualSpendingRecorded(line=line.id, amount=amount)]


@_decide.register
def _(command: RecordAdjustment, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    line = _line(state, command.line)
    kinds = ", ".join(AdjustmentKind)
    if command.kind not in set(AdjustmentKind):
        raise InvalidValue(
            f"line {line.name} adjustment kind", str(command.kind), f"one of {kinds}"
        )
    amount = _amount(
        state, line, "adjustment", command.amount, allow_negative=True, allow_zero=False
    )
    subject = f"line {line.name} adjustment"
    reason = required_text(f"{subject} reason", command.reason, limit=_limit(state, "paragraph"))
    document = optional_name(f"{subject} document", command.document, limit=_limit(state, "name"))
    # Ids count every adjustment ever recorded, cancelled ones and those of removed lines
    # included, so they never repeat.
    number = state.adjustments_recorded + 1
    adjustment = Adjustment(
        id=f"adj-{number}",
        amount=amount,
        kind=AdjustmentKind(command.kind),
        reason=reason,
        document=document,
    )
    return [ev.AdjustmentRecorded(line=line.id, adjustment=adjustment)]


@_decide.register
def _(command: CancelAdjustment, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    line = _line(state, command.line)
    live = [a.id for a in line.adjustments if a.cancelled is None]
    if command.adjustment not in live:
        raise UnknownItem(
            f"line {line.name} adjustment: got {command.adjustment!r}, expected one of "
            f"{', '.join(live) or 'none (no live adjustments)'}"
            + did_you_mean(command.adjustment, live)
        )
    reason = required_text(
        f"line {line.name} cancellation reason", command.reason, limit=_limit(state, "paragraph")
    )
    return [ev.AdjustmentCancelled(line=line.id, adjustment=command.adjustment, reason=reason)]


# --- indicators -------------------------------------------------------------------------


def _weight(subject: str, raw: str | None) -> Decimal | None:
    if raw is None:
        return None
    try:
        weight = Decimal(str(raw).strip())
    except InvalidOperation:
        weight = Decimal(-1)
    if not weight.is_finite() or weight < 0:
        raise InvalidValue(subject, str(raw), "a number of points >= 0")
    return weight


@_decide.register
def _(command: AddIndicator, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    indicator_id = identifier("indicator id", command.indicator)
    if state.indicator(indicator_id) is not None:
        raise DuplicateItem(f"indicator {indicator_id}: already in the report")
    limit = _limit(state, "name")
    name = short_name(f"indicator {indicator_id} name", command.name, limit=limit)
    category = short_name(f"indicator {name} category", command.category, limit=limit)
    project = optional_name(f"indicator {name} project", command.project, limit=limit) or None
    if command.budget_line is not None:
        _line(state, command.budget_line)
    target, nature = compose_target(
        command.target,
        nature=command.nature,
        unit=command.unit,
        subject=f"indicator {name} target",
        limit=_limit(state, "cell"),
    )
    lower = direction_of(target, command.lower_is_better, subject=f"indicator {name} target")
    indicator = Indicator(
        id=indicator_id,
        category=category,
        project=project,
        budget_line=command.budget_line,
        name=name,
        target=target,
        lower_is_better=lower,
        weight=_weight(f"indicator {name} weight", command.weight),
        nature=nature,
        core=_flag(f"indicator {name} core", command.core),
    )
    return [ev.IndicatorAdded(indicator=indicator)]


def _flag(subject: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidValue(subject, str(value), "true or false")
    return value


@_decide.register
def _(command: AdjustIndicatorTarget, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    indicator = _indicator(state, command.indicator)
    subject = f"indicator {indicator.name} 调整指标值"
    # The value changes, not its comparison: a bare number takes the current target's.
    said = nature_of(indicator.target)
    nature = said if said in COMPARATORS else indicator.kind()
    alone = parse_measure(
        command.target, subject=subject, limit=_limit(state, "cell"), default_unit=indicator.unit
    )
    if said in COMPARATORS and alone.comparator not in (None, Comparator.BARE, COMPARATORS[said]):
        raise InvalidValue(
            subject,
            alone.raw,
            f"a bare number or the comparison {said} of the target {indicator.target.raw!r} "
            "(an adjustment changes the value, not the comparison)",
        )
    target, _ = compose_target(
        command.target,
        nature=str(nature) if nature is not None else None,
        unit=indicator.unit,
        subject=subject,
        limit=_limit(state, "cell"),
    )
    current = indicator.target
    if target.model_dump(exclude={"raw"}) == current.model_dump(exclude={"raw"}):
        raise InvalidValue(subject, target.raw, f"a target other than the current {current.raw!r}")
    direction_of(target, indicator.lower_is_better, subject=subject)
    if indicator.actual is not None:
        check_actual_fits(target, indicator.actual, subject=f"indicator {indicator.name} actual")
    reason = required_text(
        f"indicator {indicator.name} 调整指标值 reason",
        command.reason,
        "the reason the target was changed during the year",
        limit=_limit(state, "paragraph"),
    )
    return [
        ev.IndicatorTargetAdjusted(
            indicator=indicator.id, target=target, previous=current, reason=reason
        )
    ]


def _typed_points(state: ReportState, subject: str, raw: object) -> Points | None:
    """The 得分 typed; None for a blank, which clears it."""
    if isinstance(raw, str) and not raw.strip():
        return None
    return parse_points(raw, subject=subject, limit=_limit(state, "cell"))


@_decide.register
def _(command: SetIndicatorScore, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    indicator = _indicator(state, command.indicator)
    subject = f"indicator {indicator.name} 得分"
    typed = _typed_points(state, subject, command.score)
    card = score(state)
    if typed is not None and card is None:
        # An unscored scheme has no rule to compare with: the 得分 is kept as typed, up to
        # the 分值 typed beside it.
        if indicator.weight is not None and typed.value > indicator.weight:
            weight = points_text(indicator.weight)
            raise InvalidValue(subject, typed.raw, f"at most its 分值 {weight}")
    elif typed is not None and card is not None:
        item = next((s for s in card.indicators if s.indicator == indicator.id), None)
        if item is None:
            raise InvalidValue(subject, typed.raw, "no 得分: the indicator does not apply (/)")
        if (problem := allowed_problem(state, item, typed.value, typed.raw)) is not None:
            raise problem
    return [ev.IndicatorScoreTyped(indicator=indicator.id, score=typed)]


@_decide.register
def _(command: SetExecutionScore, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    subject = "预算执行率 得分"
    typed = _typed_points(state, subject, command.score)
    scoring = state.require_scheme().scoring
    weight = scoring.budget_execution_points
    if typed is not None and scoring.enabled and typed.value > weight:
        raise InvalidValue(subject, typed.raw, f"at most its 分值 {points_text(weight)}")
    return [ev.ExecutionScoreTyped(score=typed)]


@_decide.register
def _(command: RecordIndicatorActual, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    indicator = _indicator(state, command.indicator)
    subject = f"indicator {indicator.name}"
    # A bare number takes the target's unit: 95 against ≥90% is 95%.
    actual = parse_measure(
        command.actual,
        subject=f"{subject} actual",
        limit=_limit(state, "cell"),
        default_unit=indicator.target.unit,
    )
    check_actual_fits(indicator.target, actual, subject=f"{subject} actual")
    # No reason given (None) keeps the one on record, so correcting a figure does not erase
    # the 偏差原因分析; an explicit blank ("") clears it. The event always carries the
    # resulting reason, so its fold is unchanged.
    if command.deviation_reason is None:
        deviation = indicator.deviation
    else:
        deviation = parse_deviation(
            command.deviation_reason,
            subject=f"{subject} 偏差原因分析",
            limit=_limit(state, "paragraph"),
        )
    return [ev.IndicatorActualRecorded(indicator=indicator.id, actual=actual, deviation=deviation)]


@_decide.register
def _(command: RemoveIndicator, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    indicator = _indicator(state, command.indicator)
    reason = required_text(
        f"indicator {indicator.name} removal reason",
        command.reason,
        limit=_limit(state, "paragraph"),
    )
    return [ev.IndicatorRemoved(indicator=indicator.id, reason=reason)]


@_decide.register
def _(command: SetIndicatorLine, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    indicator = _indicator(state, command.indicator)
    current = indicator.budget_line
    line = _line(state, command.line) if command.line is not None else None
    new = line.id if line is not None else None
    if new == current:
        subject = f"indicator {indicator.name} budget_line"
        if line is None:
            raise InvalidValue(subject, "none", "a line id (it measures no line already)")
        raise InvalidValue(
            subject,
            line.id,
            f"a line other than the one it already measures ({line.id} {line.name})",
        )
    # Optional, as for a rename: pointing a mistyped indicator at the right line needs none.
    reason = optional_text(
        f"indicator {indicator.name} budget_line reason",
        command.reason,
        limit=_limit(state, "paragraph"),
    )
    return [
        ev.IndicatorLineSet(indicator=indicator.id, line=new, previous_line=current, reason=reason)
    ]


@_decide.register
def _(command: GradeIndicator, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    # Grading scores the submitter's own work, like approving it: segregation of duties.
    _not_the_submitter(state, who, "grade")
    indicator = _indicator(state, command.indicator)
    subject = f"indicator {indicator.name} grade"
    if indicator.target.kind is not MeasureKind.GRADE:
        raise InvalidValue(subject, command.band, "grades only for qualitative indicators")
    scoring = state.require_scheme().scoring
    if scoring.band(command.band) is None:
        bands = ", ".join(b.name for b in scoring.qualitative_bands) or "none (unscored scheme)"
        raise InvalidValue(subject, command.band, f"one of the scheme's bands: {bands}")
    if indicator.grade == command.band:
        return []  # already graded so: a repeat records nothing
    return [ev.IndicatorGraded(indicator=indicator.id, band=command.band, by=who.user_id)]


# --- review -----------------------------------------------------------------------------


@_decide.register
def _(command: SubmitReport, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    problems = submission_problems(state)
    if problems:
        raise SubmissionBlocked(state.report, problems)
    late = state.deadline is not None and ctx.now.date() > state.deadline
    return [ev.ReportSubmitted(revision=state.revision, by=who.user_id, late=late)]


def _not_the_submitter(state: ReportState, who: _Who, act: str) -> None:
    if who.user_id == state.submitted_by:
        raise DutiesNotSeparated(
            f"user {who.user_id}: submitted revision {state.revision} of report {state.report}, "
            f"expected somebody else to {act} it"
        )


@_decide.register
def _(command: ApproveReport, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    _not_the_submitter(state, who, "approve")
    if any(a.by == who.user_id for a in state.approvals):
        raise DutiesNotSeparated(
            f"user {who.user_id}: already approved revision {state.revision} of report "
            f"{state.report}, expected a different reviewer at the next level"
        )
    level = ApprovalLevel.DEPARTMENT if state.stage is Stage.SUBMITTED else ApprovalLevel.FINANCE
    comment = optional_text("approval comment", command.comment, limit=_limit(state, "paragraph"))
    return [
        ev.ReportApproved(
            revision=state.revision, by=who.user_id, role=who.role, level=level, comment=comment
        )
    ]


def _item_ref(state: ReportState, raw: str) -> ItemRef:
    kind, _, item_id = str(raw).partition(":")
    kinds = ", ".join(f"{k}:<id>" for k in ItemKind)
    if kind not in set(ItemKind) or not item_id:
        raise InvalidValue("return item", str(raw), f"a reference {kinds}")
    exists = {
        ItemKind.LINE: state.line(item_id) is not None,
        ItemKind.INDICATOR: state.indicator(item_id) is not None,
        ItemKind.SECTION: state.section(item_id) is not None,
    }[ItemKind(kind)]
    if not exists:
        ids = {
            ItemKind.LINE: [line.id for line in state.lines],
            ItemKind.INDICATOR: [i.id for i in state.indicators],
            ItemKind.SECTION: [s.id for s in state.sections],
        }[ItemKind(kind)]
        raise UnknownItem(
            f"return item: got {raw!r}, expected a {kind} of report {state.report}"
            + did_you_mean(item_id, ids)
        )
    return ItemRef(kind=ItemKind(kind), id=item_id)


@_decide.register
def _(command: ReturnReport, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    comment = required_text(
        "return comment",
        command.comment,
        "a comment telling the preparer what to fix",
        limit=_limit(state, "paragraph"),
    )
    items = tuple(_item_ref(state, raw) for raw in command.items)
    return [
        ev.ReportReturned(
            revision=state.revision,
            by=who.user_id,
            role=who.role,
            from_stage=state.stage,
            comment=comment,
            items=items,
        )
    ]


@_decide.register
def _(command: SignOffReport, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    _not_the_submitter(state, who, "sign off")
    policy = state.require_scheme().signoff
    if not entries_for(policy, who.user_id, who.role):
        raise NotAuthorized(
            f"user {who.user_id} signer: got role {who.role}, expected one of the required "
            f"signers {', '.join(policy.signers)}"
        )
    if any(s.by == who.user_id for s in state.signatures):
        raise DutiesNotSeparated(
            f"user {who.user_id}: already signed revision {state.revision} of report {state.report}"
        )
    signature = Signature(by=who.user_id, role=who.role)
    events: list[Event] = [
        ev.SignOffRecorded(revision=state.revision, by=who.user_id, role=who.role)
    ]
    signatures = (*state.signatures, signature)
    if is_complete(policy, signatures):
        events.append(
            ev.ReportSignedOff(
                report=state.report,
                revision=state.revision,
                signers=tuple(s.by for s in signatures),
            )
        )
    return events


@_decide.register
def _(command: RecordRendering, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    if command.revision is None:
        raise InvalidValue(
            f"report {state.report} rendering revision", "none", "the revision rendered"
        )
    if state.stage is not Stage.SIGNED_OFF:
        return []  # already rendered: a redelivered task records nothing
    if not command.artifacts:
        raise InvalidValue(
            f"report {state.report} rendering artifacts", "none", "at least one artifact"
        )
    return [
        ev.ReportRendered(report=state.report, revision=state.revision, artifacts=command.artifacts)
    ]


@_decide.register
def _(command: RecordRenderFailure, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    if command.revision is None:
        raise InvalidValue(
            f"report {state.report} render failure revision", "none", "the revision attempted"
        )
    if state.stage is not Stage.SIGNED_OFF:
        return []  # another attempt rendered the revision: its failure no longer matters
    if not isinstance(command.attempt, int) or command.attempt < 1:
        raise InvalidValue(
            f"report {state.report} render failure attempt", str(command.attempt), "1 or more"
        )
    last = state.render_failure
    if last is not None and (last.final or last.attempt >= command.attempt):
        return []  # this attempt (or the last one) is recorded already: a duplicate task
    reason = required_text(f"report {state.report} render failure reason", command.reason)
    return [
        ev.RenderFailed(
            report=state.report,
            revision=state.revision,
            formats=tuple(command.formats),
            reason=reason,
            attempt=command.attempt,
            final=command.final,
        )
    ]


@_decide.register
def _(command: RemindOfDeadline, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    # Only a draft waits for its preparer's submission; a reviewer's return makes it one again.
    if state.stage is not Stage.DRAFT or state.deadline is None:
        return []
    kind = reminder_due(state.deadline, ctx.now)
    if kind is None or kind in state.reminders:
        return []
    # Reminded before the 部门整体 report was opened (on the fiscal year's stream): not again.
    # Those reminders were the department's report's; each project report has its own.
    if (
        state.project is None
        and ctx.fiscal_year is not None
        and kind in ctx.fiscal_year.reminded(state.department)
    ):
        return []
    return [
        DeadlineReminderSent(
            department=state.department,
            department_name=state.department_name,
            year=state.year,
            revision=state.revision,
            kind=kind,
            deadline=state.deadline,
            days_left=days_left(state.deadline, ctx.now),
            project_code=state.project_code,
            project_name=state.project.name if state.project is not None else None,
        )
    ]


@_decide.register
def _(command: PublishReport, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    # The channel is optional, but one typed must say something: "  " names no channel.
    limit = _limit(state, "name")
    channel = short_name("publish channel", command.channel, limit=limit) if command.channel else ""
    return [ev.ReportPublished(revision=state.revision, by=who.user_id, channel=channel)]


@_decide.register
def _(command: ReopenReport, state: ReportState, who: _Who, ctx: Context) -> list[Event]:
    reason = required_text(
        "reopen reason",
        command.reason,
        "the reason the signed-off report must change",
        limit=_limit(state, "paragraph"),
    )
    return [ev.ReportReopened(revision=state.revision + 1, by=who.user_id, reason=reason)]
