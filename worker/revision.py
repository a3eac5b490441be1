"""Which signed-off revision a render message names, read from the report's own stream.

A message carries only the report and the revision; the stream says at which version that
revision was signed off (the state to render), who signed, whether it was already
rendered or reopened since, and how its failed attempts stand.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from events.model import RecordedEvent
from events.protocol import EventStoreProtocol
from workflow.artifacts import Artifact
from workflow.errors import StaleRevision
from workflow.report_events import RenderFailed, ReportRendered, ReportReopened, ReportSignedOff
from workflow.streams import report_stream_id


class NothingToRender(Exception):
    """The message names a revision that was never signed off."""


@dataclass(frozen=True)
class SignedOffRevision:
    """A revision as signed off: the stream version to render, who signed and when."""

    department: str
    year: int
    revision: int
    #: The stream version of the ``ReportSignedOff`` event: the state to render.
    version: int
    #: Its log position: what the other streams a document shows are read up to.
    position: int
    signed_at: datetime
    signers: tuple[str, ...]
    #: The sign-off event's id and correlation id, so the rendering points back at it.
    event_id: str
    correlation_id: str | None
    #: The artifacts already recorded for this revision, if it was rendered.
    rendered: tuple[Artifact, ...] | None
    #: The last ``RenderFailed`` of this revision, if an attempt failed.
    failure: RenderFailed | None = None
    #: The project of a 项目支出 report; None for the 部门整体 report.
    project: str | None = None

    @property
    def stream_id(self) -> str:
        """The report's stream."""
        return report_stream_id(self.department, self.year, self.project)

    @property
    def given_up(self) -> bool:
        """Whether the worker gave up rendering this revision (a final ``RenderFailed``)."""
        return self.rendered is None and self.failure is not None and self.failure.final

    @property
    def next_attempt(self) -> int:
        """The number of the next attempt: one more than the failed attempts recorded."""
        return (self.failure.attempt if self.failure else 0) + 1


def _sign_off(
    record: RecordedEvent, department: str, year: int, project: str | None
) -> SignedOffRevision:
    event = record.event
    assert isinstance(event, ReportSignedOff)
    return SignedOffRevision(
        department=department,
        year=year,
        project=project,
        revision=event.revision,
        version=record.version,
        position=record.position,
        signed_at=record.recorded_at,
        signers=event.signers,
        event_id=record.event_id,
        correlation_id=record.correlation_id,
        rendered=None,
    )


def signed_off_revisions(
    store: EventStoreProtocol, department: str, year: int, project: str | None = None
) -> tuple[dict[int, SignedOffRevision], int]:
    """Every signed-off revision of a report, and the report's current revision, read from
    the whole stream once the segment of the chain it sits in holds (TamperedEvent or
    BrokenChain otherwise): what is rendered or proved is what the log vouches for."""
    found: dict[int, SignedOffRevision] = {}
    current = 0
    for record in store.read_stream_verified(report_stream_id(department, year, project)):
        event = record.event
        if isinstance(event, ReportSignedOff):
            found[event.revision] = _sign_off(record, department, year, project)
            current = max(current, event.revision)
        elif isinstance(event, ReportRendered) and event.revision in found:
            found[event.revision] = replace(found[event.revision], rendered=event.artifacts)
        elif isinstance(event, RenderFailed) and event.revision in found:
            found[event.revision] = replace(found[event.revision], failure=event)
        elif isinstance(event, ReportReopened):
            current = event.revision
    return found, current


def find_signed_off(
    store: EventStoreProtocol,
    department: str,
    year: int,
    revision: int | None = None,
    *,
    current_only: bool = True,
    project: str | None = None,
) -> SignedOffRevision:
    """The signed-off ``revision`` of a report (the latest one when None; a 项目支出
    report's with ``project``).

    Raises :class:`NothingToRender` when the revision was never signed off and, with
    ``current_only``, :class:`StaleRevision` when the report was reopened after it.
    """
    found, current = signed_off_revisions(store, department, year, project)
    stream = report_stream_id(department, year, project)
    wanted = revision if revision is not None else max(found, default=0)
    if wanted not in found:
        raise NothingToRender(
            f"report {stream} revision {wanted}: never signed off, expected a signed-off revision"
        )
    if current_only and wanted != current:
        raise StaleRevision(
            f"report {stream} revision: got {wanted}, expected the current revision {current} "
            "(the report was reopened)"
        )
    return found[wanted]
