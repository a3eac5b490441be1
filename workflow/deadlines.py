"""Deadline reminders: which reminder a fiscal year's deadline calls for at a moment, and the
event that records one (docs/decisions/0605).

A report not yet submitted is reminded three times at most: seven days before the year's
deadline, one day before, and once it is overdue. Each kind is recorded once per report,
on the report's stream (a department's 部门整体 report and each of its 项目支出 reports
alike), or on the fiscal year's stream while the department has not even opened its
部门整体 report. Days are counted on UTC dates, as a
submission's ``late`` flag is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum

from events.model import Event
from events.registry import default_registry
from workflow.values import Value

register = default_registry.register


class ReminderKind(StrEnum):
    """The three reminders, from the mildest to the most urgent."""

    WEEK = "7-days"
    DAY = "1-day"
    OVERDUE = "overdue"


#: The reminders in the order of urgency: a later one outranks an earlier one.
URGENCY = (ReminderKind.WEEK, ReminderKind.DAY, ReminderKind.OVERDUE)

#: Days left before the deadline at which each kind becomes due.
WEEK_BEFORE = 7
DAY_BEFORE = 1


def days_left(deadline: date, now: datetime) -> int:
    """Whole days from ``now``'s UTC date to ``deadline``: 0 on the day, negative after it."""
    today = now.astimezone(UTC).date() if now.tzinfo is not None else now.date()
    return (deadline - today).days


def reminder_due(deadline: date, now: datetime) -> ReminderKind | None:
    """The reminder the deadline calls for at ``now``: the most urgent that applies, so a
    first run a day before the deadline sends the one-day reminder, not a stale weekly one."""
    left = days_left(deadline, now)
    if left < 0:
        return ReminderKind.OVERDUE
    if left <= DAY_BEFORE:
        return ReminderKind.DAY
    if left <= WEEK_BEFORE:
        return ReminderKind.WEEK
    return None


def most_urgent(kinds: tuple[ReminderKind, ...] | list[ReminderKind]) -> ReminderKind | None:
    """The most urgent of ``kinds``; None for none."""
    return max(kinds, key=URGENCY.index, default=None)


class SentReminder(Value):
    """A reminder recorded on a fiscal year's stream for a department with no report."""

    department: str
    kind: ReminderKind


@register("DeadlineReminderSent")
class DeadlineReminderSent(Event):
    """A department was reminded that its report for ``year`` (its 部门整体 report, or the
    项目支出 report of ``project_code``) is not submitted.

    Recorded by the system on the report's stream (``revision`` its current one), or on
    the fiscal year's stream while the department has opened no report (``revision`` 0);
    the names and figures keep the event readable on its own in the log.
    """

    department: str
    department_name: str
    year: int
    revision: int = 0
    kind: ReminderKind
    deadline: date
    days_left: int
    #: The project of a 项目支出 report's reminder (its code and 项目名称); None for the
    #: 部门整体 report's and the fiscal year's.
    project_code: str | None = None
    project_name: str | None = None

    def describe(self) -> str:
        """``deadline 2022-06-30: 7 days left``, ``... due today``, ``... 3 days overdue``."""
        left = self.days_left
        if left > 1:
            status = f"{left} days left"
        elif left == 1:
            status = "1 day left"
        elif left == 0:
            status = "due today"
        else:
            status = "1 day overdue" if left == -1 else f"{-left} days overdue"
        return f"deadline {self.deadline.isoformat()}: {status}"
