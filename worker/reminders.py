"""One pass of deadline reminders: what `jixiao worker reminders` and the beat task run.

The read models say which fiscal years are within a week of their deadline (or past it)
and which departments of them have not submitted and were not yet sent the reminder now
due; the domain decides each from the log (workflow.service.remind_of_deadlines), so a
read model behind the log can cost a pass some work, never a second reminder. With mail,
each reminder recorded writes its outbox row, and the pass then delivers what is pending.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa

from events import EventStore
from events.model import RecordedEvent
from projections.registry import projection_runner
from projections.report_state import report_state_table
from projections.year_overview import overview_table, years_table
from worker.mail import SmtpSettings
from worker.mailing import Delivery, MailRelay
from workflow.deadlines import (
    URGENCY,
    WEEK_BEFORE,
    DeadlineReminderSent,
    ReminderKind,
    reminder_due,
)
from workflow.service import remind_of_deadlines
from workflow.stages import Stage

#: The stages of a department that has not submitted: no report yet, or a draft.
UNSUBMITTED = (str(Stage.NEW), str(Stage.DRAFT))


@dataclass(frozen=True)
class ReminderPass:
    """What one pass recorded and mailed."""

    now: datetime
    recorded: list[RecordedEvent] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)

    def as_data(self) -> dict[str, Any]:
        """JSON-ready: the moment, each reminder recorded, each mail delivered."""
        return {
            "now": self.now.isoformat(),
            "recorded": [reminder_data(r) for r in self.recorded],
            "mail": [d.as_data() for d in self.deliveries],
        }


def reminder_data(record: RecordedEvent) -> dict[str, Any]:
    """A recorded reminder as JSON-ready data."""
    event = cast(DeadlineReminderSent, record.event)
    return {
        "department": event.department,
        "department_name": event.department_name,
        "year": event.year,
        "kind": str(event.kind),
        "deadline": event.deadline.isoformat(),
        "days_left": event.days_left,
        "project": event.project_code,
        "stream": record.stream_id,
        "position": record.position,
    }


def describe(record: RecordedEvent) -> str:
    """``gusu-rc 2021 (姑苏区红十字会): 7-days reminder, deadline 2022-06-30: 7 days left``
    (``gusu-rc 2021 project homes (…): …`` for a 项目支出 report's)."""
    event = cast(DeadlineReminderSent, record.event)
    project = f" project {event.project_code}" if event.project_code else ""
    return (
        f"{event.department} {event.year}{project} ({event.department_name}): "
        f"{event.kind} reminder, {event.describe()}"
    )


def owed(store: EventStore, now: datetime) -> dict[int, list[str]]:
    """The departments that may be owed a reminder at ``now``, by fiscal year: their 部门整体
    report not submitted and not yet sent the reminder due (or a more urgent one), or a
    项目支出 report of theirs still a draft."""
    within_a_week = now.astimezone(UTC).date() + timedelta(days=WEEK_BEFORE)
    with store.engine.connect() as connection:
        years = connection.execute(
            sa.select(years_table.c.year, years_table.c.deadline).where(
                years_table.c.deadline <= within_a_week
            )
        ).all()
        candidates: dict[int, list[str]] = {}
        for year, deadline in years:
            due = reminder_due(deadline, now)
            if due is None:
                continue
            rows = connection.execute(
                sa.select(overview_table.c.department, overview_table.c.reminder)
                .where(overview_table.c.year == year, overview_table.c.stage.in_(UNSUBMITTED))
                .order_by(overview_table.c.department)
            ).all()
            departments = {
                code
                for code, sent in rows
                if sent is None or URGENCY.index(ReminderKind(sent)) < URGENCY.index(due)
            }
            # And those with a 项目支出 report still a draft: whether it was sent the
            # reminder due is its own stream's to say (RemindOfDeadline records it once).
            departments.update(
                connection.execute(
                    sa.select(report_state_table.c.department).where(
                        report_state_table.c.year == year,
                        report_state_table.c.project_name.is_not(None),
                        report_state_table.c.stage == str(Stage.DRAFT),
                    )
                ).scalars()
            )
            if departments:
                candidates[year] = sorted(departments)
    return candidates


def run_reminders(
    store: EventStore, *, now: datetime, smtp: SmtpSettings | None = None
) -> ReminderPass:
    """Record every reminder due at ``now``; with ``smtp``, write and deliver their mail
    (and any mail still pending). Running it again records and sends nothing new."""
    runner = projection_runner(store)
    runner.setup()
    runner.catch_up()
    done = ReminderPass(now=now)
    for year, departments in owed(store, now).items():
        done.recorded.extend(
            remind_of_deadlines(store, year, departments, now=now, mail=smtp is not None)
        )
    if smtp is not None:
        done.deliveries.extend(MailRelay(store, smtp).deliver_pending(limit=1000))
    return done
