"""Which signed-off revisions still wait for their ``ReportRendered``, followed from the log.

Brokers lose messages: a ``kill -9`` during a late-acknowledged task loses it on the
SQLAlchemy and filesystem transports, and a Redis restart without persistence loses its
queues. The log does not: every ``ReportSignedOff`` without a later ``ReportRendered``
for its revision (and not reopened since) is a render still owed. A ``RenderFailed``
puts the next attempt off by an exponential backoff with jitter; a final one (the worker
gave up) means the revision is no longer owed. The ledger reads only those four event
types, from a checkpoint, so following the log stays cheap.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from events import EventStoreProtocol
from workflow.report_events import RenderFailed, ReportRendered, ReportReopened, ReportSignedOff
from workflow.service.reports import render_message
from workflow.streams import report_stream_id, report_stream_parts

#: The events that open and close a render.
LIFECYCLE = tuple(
    cls.event_type for cls in (ReportSignedOff, ReportRendered, RenderFailed, ReportReopened)
)

#: The longest wait between two redispatches of one revision.
MAX_REDISPATCH_INTERVAL = timedelta(hours=1)


@dataclass(frozen=True)
class RenderTarget:
    """A revision to render, as the render task's arguments name it."""

    department: str
    year: int
    revision: int
    #: The project of a 项目支出 report; None for the 部门整体 report.
    project: str | None = None

    @property
    def stream_id(self) -> str:
        """The report's stream."""
        return report_stream_id(self.department, self.year, self.project)

    @property
    def key(self) -> str:
        """The outbox key of this render (``render:<stream>:<revision>``)."""
        return f"render:{self.stream_id}:{self.revision}"

    def payload(self) -> dict[str, object]:
        """The render task's keyword arguments, as the outbox row holds them."""
        message = render_message(
            self.stream_id, self.department, self.year, self.revision, self.project
        )
        return message.payload

    @classmethod
    def from_payload(cls, payload: dict) -> RenderTarget:
        """The target of an outbox payload."""
        report = payload["report"]
        return cls(
            report["department"],
            int(report["year"]),
            int(payload["revision"]),
            report.get("project"),
        )

    @classmethod
    def from_stream(cls, stream_id: str, revision: int) -> RenderTarget:
        """The target of a report stream id (``report:<department>:<year>``, with
        ``:<project>`` for a 项目支出 report) and revision."""
        parts = report_stream_parts(stream_id)
        if parts is None:
            raise ValueError(f"stream: got {stream_id!r}, expected a report stream")
        department, year, project = parts
        return cls(department, year, revision, project)


@dataclass
class _Owed:
    target: RenderTarget
    due_at: datetime
    dispatches: int = 0


@dataclass
class RenderLedger:
    """Renders owed, with when each is next due for a redispatch."""

    #: How long after its sign-off (or last dispatch) an unrendered revision is due again.
    grace: timedelta
    #: The base of the wait after a failed attempt: the n-th failure puts the next attempt
    #: off by between half and all of ``retry_backoff * 2**(n-1)`` (at most an hour).
    retry_backoff: timedelta = timedelta(seconds=60)
    #: The log position read up to.
    position: int = 0
    _owed: dict[tuple[str, int], _Owed] = field(default_factory=dict)

    def catch_up(self, store: EventStoreProtocol, batch: int = 1000) -> None:
        """Read the sign-offs, renderings and reopenings committed since the last call."""
        while True:
            records = store.read_all(self.position, batch, event_types=LIFECYCLE)
            for record in records:
                self._apply(record.stream_id, record.event, record.recorded_at)
                self.position = record.position
            if len(records) < batch:
                return

    def _apply(self, stream_id: str, event: object, recorded_at: datetime) -> None:
        if isinstance(event, ReportSignedOff):
            target = RenderTarget.from_stream(stream_id, event.revision)
            self._owed[(stream_id, event.revision)] = _Owed(target, recorded_at + self.grace)
        elif isinstance(event, ReportRendered):
            self._owed.pop((stream_id, event.revision), None)
        elif isinstance(event, RenderFailed):
            self._failed(stream_id, event, recorded_at)
        elif isinstance(event, ReportReopened):
            # The revisions before the reopening will never be rendered: StaleRevision.
            for key in [k for k in self._owed if k[0] == stream_id and k[1] < event.revision]:
                del self._owed[key]

    def _failed(self, stream_id: str, event: RenderFailed, recorded_at: datetime) -> None:
        key = (stream_id, event.revision)
        if event.final:
            # Given up: only a new revision or an administrator's retry renders it now.
            self._owed.pop(key, None)
            return
        owed = self._owed.get(key)
        if owed is not None:
            owed.due_at = recorded_at + retry_wait(self.retry_backoff, event.attempt)
            owed.dispatches = 0

    def owed(self) -> list[RenderTarget]:
        """Every signed-off revision without a rendering, oldest sign-off first."""
        return [owed.target for owed in self._owed.values()]

    def due(self, now: datetime) -> list[RenderTarget]:
        """The owed renders whose grace has run out: the broker may have lost them."""
        return [owed.target for owed in self._owed.values() if owed.due_at <= now]

    def dispatched(self, target: RenderTarget, now: datetime) -> None:
        """Note a redispatch: the next one waits twice as long (at most an hour)."""
        owed = self._owed.get((target.stream_id, target.revision))
        if owed is None:
            return
        owed.dispatches += 1
        wait = min(self.grace * 2 ** min(owed.dispatches, 16), MAX_REDISPATCH_INTERVAL)
        owed.due_at = now + wait


def retry_wait(base: timedelta, failures: int) -> timedelta:
    """The wait before the attempt after ``failures`` failed ones: exponential, capped at an
    hour, with "equal jitter" (half fixed, half random) so that revisions that failed
    together do not come back together, and none comes back at once."""
    cap = min(base * 2 ** min(max(failures - 1, 0), 16), MAX_REDISPATCH_INTERVAL)
    return cap / 2 + cap / 2 * random.random()
