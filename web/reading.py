"""Reads as the server serves them: projections brought up to the head of the log first, and
every report judged by the read rule (workflow.visibility) before it is shown."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from events.store import EventStore
from projections.registry import projection_runner
from projections.report_state import ReportRow, report_row
from projections.summaries import summary_of
from web.errors import Refused, not_found
from workflow.administration import DEPARTMENT_CODE
from workflow.roles import Actor
from workflow.stages import Stage
from workflow.text import is_id
from workflow.visibility import may_read


class Reads:
    """The projections of one store, caught up before each read."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.runner = projection_runner(store)
        # One catch-up at a time in a process: the runner's fold cache is shared. Processes
        # are kept apart by the checkpoint rows the runner locks.
        self._lock = threading.Lock()
        # The log's head when this process last brought every projection up to it.
        self._caught_up_to = -1

    def setup(self) -> None:
        """Create the projections' tables if missing (at start-up, never in a request)."""
        self.runner.setup()

    def caught_up(self) -> Engine:
        """The engine, with every projection at the head of the log.

        When the head has not moved since this process last caught up, the projections
        are there already (checkpoints only advance): one query instead of the runner's
        round of them.
        """
        head = self.store.head_position()
        if head <= self._caught_up_to:
            return self.store.engine
        with self._lock:
            self.runner.catch_up()
            self._caught_up_to = max(self._caught_up_to, head)
        return self.store.engine

    def readable(
        self, actor: Actor, department: str, year: int, project: str | None = None
    ) -> ReportRow:
        """The latest row of a report (the 项目支出 report of ``project`` if given) ``actor``
        may read; 404 for one that does not exist and for one they may not read alike."""
        if (
            not DEPARTMENT_CODE.match(department)
            or not 2000 <= year <= 2100
            or (project is not None and not is_id(project))
        ):
            raise not_found(department, year, project)
        row = report_row(self.caught_up(), department, year, project=project)
        if row is None or not may_read(actor, summary_of(row)):
            raise not_found(department, year, project)
        return row


def require_stage(stage: str | None, *, with_new: bool) -> None:
    """Refuse a stage filter no report can be in."""
    known = [str(s) for s in Stage if with_new or s is not Stage.NEW]
    if stage is not None and stage not in known:
        raise Refused(422, f"stage: got {stage!r}, expected one of {', '.join(known)}", "stage")


def parse_moment(text: str, field: str, head: int) -> datetime | int:
    """A log position up to ``head`` or an ISO 8601 time (naive means UTC); 422 otherwise."""
    if text.isascii() and text.isdigit():
        if int(text) > head:
            expected = f"expected a log position up to {head}"
            raise Refused(422, f"{field}: got {text!r}, {expected}", field)
        return int(text)
    try:
        moment = datetime.fromisoformat(text)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise Refused(
            422,
            f"{field}: got {text!r}, expected a time such as 2022-03-01T09:00 or a log position",
            field,
        ) from None


def parse_time(text: str | None, field: str) -> datetime | None:
    """An optional ISO 8601 time filter (naive means UTC); 422 otherwise."""
    if text is None:
        return None
    moment = parse_moment(text, field, head=-1) if not text.isdigit() else None
    if not isinstance(moment, datetime):
        expected = "expected a time such as 2022-03-01 or 2022-03-01T09:00"
        raise Refused(422, f"{field}: got {text!r}, {expected}", field)
    return moment
