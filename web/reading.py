"""Reads as the server serves them: projections brought up to the head of the log first, and
every report judged by the read rule (workflow.visibility) before it is shown."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy.engine import Engine

from events.model import RecordedEvent
from events.store import EventStore
from projections.registry import projection_runner
from projections.report_state import ReportRow, report_row, report_row_and_document
from projections.shared_fold import ReportStates
from projections.summaries import summary_of
from web.errors import Refused, not_found
from workflow.roles import Actor
from workflow.stages import Stage
from workflow.streams import DEPARTMENT_CODE, report_stream_id, report_stream_parts
from workflow.text import is_id
from workflow.visibility import may_read

#: How many streams changed since the read models' checkpoints a read of them for one user
#: looks through before it brings them to the head instead (Reads.caught_up_for).
_UNRELATED_STREAMS = 32


def _concerns(actor: Actor, stream_id: str) -> bool:
    """Whether events of ``stream_id`` may change what ``actor`` reads of the inboxes and
    the year overview: anything but a report of a department where they hold no role."""
    parts = report_stream_parts(stream_id)
    return parts is None or bool(actor.roles_for(parts[0]))


#: What a read of the report-state projection gives: the row, or the row and its view.
Found = TypeVar("Found")


class Reads:
    """The projections of one store, caught up before each read."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        # The projections' shared fold: the report page takes from it the view a catch-up
        # of this process has just stored, rather than reading and decoding it back.
        self.states = ReportStates(store)
        self.runner = projection_runner(store, self.states)
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
        round of them; when the checkpoints have reached it, two.
        """
        head = self.store.head_position()
        # The request that made a change brings the projections up to it (after_change):
        # the checkpoints often show them at the head already, and then this read waits
        # neither for this process's catch-up nor for the database's write lock.
        if head > self._caught_up_to and (low := self._lowest_checkpoint(head)) < head:
            self._catch_up_to(head, low)
        return self.store.engine

    def caught_up_for(self, actor: Actor) -> Engine:
        """The engine, with the read models current for what ``actor`` reads of them (their
        inbox, the reports they may open): at the head of the log, or behind it only by
        events of reports of departments where ``actor`` holds no role.

        A user's inbox rows are folded from the reports of the departments they hold roles
        in, their grants (``user:`` streams) and the fiscal years (deadlines, reminders):
        another department's report moving on changes none of them, so a preparer's inbox
        waits for no other department's catch-up (docs/decisions/0616). Any other stream
        after the checkpoints, or more than a few, and the read models are brought to the
        head first, as :meth:`caught_up` does.
        """
        head = self.store.head_position()
        if head <= self._caught_up_to:
            return self.store.engine
        low = self._lowest_checkpoint(head)
        if low >= head:
            return self.store.engine
        streams = self.store.streams_after(low, _UNRELATED_STREAMS)
        if streams is None or any(_concerns(actor, s) for s in streams):
            self._catch_up_to(head, low)
        return self.store.engine

    def _lowest_checkpoint(self, head: int) -> int:
        """The projections' lowest checkpoint, noting when it has reached ``head``."""
        checkpoints = self.runner.positions()
        low = min(checkpoints.get(p.name, 0) for p in self.runner.projections)
        if low >= head:
            self._caught_up_to = max(self._caught_up_to, head)
        return low

    def _catch_up_to(self, head: int, low: int) -> None:
        """Bring the projections up to the head, one catch-up at a time in the process.

        ``head`` and ``low`` (the lowest checkpoint) were just read: the runner starts from
        them instead of asking again, unless this read had to wait for another catch-up,
        which moved the checkpoints on (a stale ``low`` would only mean reading again
        events the runner then skips)."""
        self._bring_up_to(
            head, lambda waited: self.runner.catch_up(head=head, low=None if waited else low)
        )

    def _bring_up_to(self, position: int, bring: Callable[[bool], object]) -> None:
        """Run ``bring`` (told whether it waited for another) to bring the projections up to
        ``position``, one at a time in the process, unless another meanwhile has."""
        waited = not self._lock.acquire(blocking=False)
        if waited:
            self._lock.acquire()
        try:
            if position > self._caught_up_to:
                bring(waited)
                self._caught_up_to = max(self._caught_up_to, position)
        finally:
            self._lock.release()

    def after_change(self, change: Sequence[RecordedEvent]) -> None:
        """Bring the projections up to a change just recorded (the events of its append),
        before the request answers; what other processes recorded after it is left to them.

        When another request of this process is catching up, this one waits for it and then
        catches up only what it left: skipping instead left the events committed during a
        catch-up to whichever read needed them next, and under load (the inboxes no longer
        catching up for other departments' changes) they piled up until one read took in
        hundreds at once (docs/decisions/0616). Going on to the head took in the other
        server process's changes too, which it was about to apply itself: the reports it
        folds and views were then viewed here from further back, and its next page missed
        the view it had kept (docs/decisions/0632). The change's events are applied as the
        append gave them (ProjectionRunner.apply_change, docs/decisions/0634).
        """
        if change:
            self._bring_up_to(change[-1].position, lambda _: self.runner.apply_change(change))

    def readable(
        self, actor: Actor, department: str, year: int, project: str | None = None
    ) -> ReportRow:
        """The latest row of a report (the 项目支出 report of ``project`` if given) ``actor``
        may read; 404 for one that does not exist and for one they may not read alike."""
        _require_names(department, year, project)
        row = report_row(self.caught_up(), department, year, project=project)
        return _judged(actor, department, year, project, row)

    def current_report(
        self, actor: Actor, department: str, year: int, project: str | None = None
    ) -> ReportRow:
        """As :meth:`readable`, for a read of the report-state row alone (the report page).

        A report's row is folded from its own stream and nothing else
        (projections.shared_fold): when its version is the stream's version in the log,
        it is the latest committed state of the report, whatever other streams have
        recorded since, and no catch-up is needed. One indexed query says so; otherwise
        the read models are brought up to the head first.
        """
        row = self._current(
            department,
            year,
            project,
            lambda engine: report_row(engine, department, year, project=project),
            lambda row: row,
        )
        return _judged(actor, department, year, project, row)

    def current_document(
        self,
        actor: Actor,
        department: str,
        year: int,
        project: str | None = None,
        *,
        current: ReportRow | None = None,
    ) -> tuple[ReportRow, dict[str, Any]]:
        """As :meth:`current_report`, with the row's stored view, read together. Given the
        row ``current_report`` just found current, the log is not asked again: rows only
        advance, so the row read now is at least as recent. When this process's catch-up
        has just stored that row (the change was made here), its view is taken as the
        catch-up left it, equal to the stored one, and nothing more is read
        (docs/decisions/0630)."""

        def read(engine: Engine) -> tuple[ReportRow, dict[str, Any]] | None:
            return report_row_and_document(engine, department, year, project)

        found: tuple[ReportRow, dict[str, Any]] | None
        if current is None:
            found = self._current(department, year, project, read, lambda found: found[0])
        elif (kept := self.states.kept_view(current.report, current.version)) is not None:
            found = (current, kept)
        else:
            found = read(self.store.engine)
        _judged(actor, department, year, project, found[0] if found else None)
        assert found is not None
        return found

    def _current(
        self,
        department: str,
        year: int,
        project: str | None,
        read: Callable[[Engine], Found | None],
        row_of: Callable[[Found], ReportRow],
    ) -> Found | None:
        _require_names(department, year, project)
        logged = self.store.stream_version(report_stream_id(department, year, project))
        found = read(self.store.engine)
        behind = row_of(found).version < logged if found is not None else logged > 0
        return read(self.caught_up()) if behind else found


def _require_names(department: str, year: int, project: str | None) -> None:
    """404 for a department code, year or project code no report can have."""
    if (
        not DEPARTMENT_CODE.match(department)
        or not 2000 <= year <= 2100
        or (project is not None and not is_id(project))
    ):
        raise not_found(department, year, project)


def _judged(
    actor: Actor, department: str, year: int, project: str | None, row: ReportRow | None
) -> ReportRow:
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
