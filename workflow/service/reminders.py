"""Deadline reminders: the system's pass that reminds each department owed a reminder, on
its report's stream or, while it has opened none, on the fiscal year's (docs/decisions/0605)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from events.model import Event, RecordedEvent
from events.protocol import EventStoreProtocol
from workflow.administration import (
    DepartmentState,
    decide_department_reminder,
    fiscal_year_stream_id,
    fold_fiscal_year,
)
from workflow.commands import RemindOfDeadline
from workflow.deadlines import DeadlineReminderSent
from workflow.decisions import Context
from workflow.errors import UnknownItem
from workflow.roles import SYSTEM_ACTOR, Role
from workflow.service.deciding import command_metadata, until_recorded
from workflow.service.loading import (
    load_department,
    load_fiscal_year,
    project_openings,
    report_stream,
)
from workflow.service.reports import reminder_message, run_report_command
from workflow.streams import report_stream_id


def remind_of_deadlines(
    store: EventStoreProtocol,
    year: int,
    departments: Sequence[str],
    *,
    now: datetime,
    mail: bool = False,
    correlation_id: str | None = None,
) -> list[RecordedEvent]:
    """Record, as the ``system`` actor, the deadline reminder each of ``departments`` is owed
    for ``year`` at ``now`` (docs/decisions/0605); the DeadlineReminderSent events recorded.

    A department whose report is a draft is reminded on the report's stream; one that has
    opened no report, on the fiscal year's stream (all of them in one append). Each of its
    项目支出 reports still a draft is reminded on its own stream. Each kind is recorded
    once per report, so running this again records nothing new.
    With ``mail``, each reminder's append also writes its e-mail's outbox row.
    """
    year_state = load_fiscal_year(store, year)
    if not year_state.opened:
        raise UnknownItem(f"fiscal year: got {year!r}, expected an opened fiscal year")
    correlation = correlation_id or str(uuid.uuid4())
    context = Context(now=now, fiscal_year=year_state)
    recorded: list[RecordedEvent] = []
    unopened: list[str] = []
    # Every project report of the year, found in one pass, by department.
    projects: dict[str, list[str]] = {}
    for opening in project_openings(store, year):
        department, _, project_code = opening.stream_id.split(":")[1:]
        projects.setdefault(department, []).append(project_code)
    for code in departments:
        if store.stream_version(report_stream(code, year)) == 0:
            unopened.append(code)
            reports: list[str | None] = list(projects.get(code, ()))
        else:
            reports = [None, *projects.get(code, ())]
        for project in reports:
            recorded += run_report_command(
                store,
                SYSTEM_ACTOR,
                RemindOfDeadline(department=code, year=year, project_code=project),
                expected_version=None,
                correlation_id=correlation,
                causation_id=None,
                now=now,
                context=context,
                mail=mail,
            )
    if unopened:
        recorded += _remind_unopened(
            store, year, unopened, now=now, mail=mail, correlation=correlation
        )
    return recorded


def _remind_unopened(
    store: EventStoreProtocol,
    year: int,
    codes: Sequence[str],
    *,
    now: datetime,
    mail: bool,
    correlation: str,
) -> list[RecordedEvent]:
    """Remind departments with no report on the fiscal year's stream, in one append."""
    stream_id = fiscal_year_stream_id(year)
    departments: list[DepartmentState] = []
    for code in codes:
        department = load_department(store, code)
        if not department.registered:
            raise UnknownItem(f"department: got {code!r}, expected a registered department")
        departments.append(department)

    def attempt() -> list[RecordedEvent]:
        records = store.read_stream(stream_id)
        version = records[-1].version if records else 0
        state = fold_fiscal_year(r.event for r in records)
        events: list[Event] = []
        for department in departments:
            # Opened since the caller looked: the report's own reminder follows next time.
            if store.stream_version(report_stream_id(department.code, year)) == 0:
                events += decide_department_reminder(state, department, now)
        if not events:
            return []
        outbox = (
            [reminder_message(stream_id, e) for e in events if isinstance(e, DeadlineReminderSent)]
            if mail
            else []
        )
        metadata = command_metadata(SYSTEM_ACTOR.user_id, Role.SYSTEM, correlation, None)
        return store.append(stream_id, version, events, metadata=metadata, outbox=outbox)

    return until_recorded(stream_id, None, attempt)
