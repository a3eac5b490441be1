"""Projector processes that the crash tests kill; module-level so spawned processes can import
them. Each uses the real projections, with the audit trail slowed down or blocked mid-batch."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import Connection

from events.database import create_database_engine
from events.model import RecordedEvent
from events.store import EventStore
from projections.audit_trail import AuditTrailProjection
from projections.registry import all_projections
from projections.runner import ProjectionRunner


class BlockingAuditTrail(AuditTrailProjection):
    """Writes its rows, says so through ``marker``, then blocks before the batch commits."""

    def __init__(self, states, marker: Path) -> None:
        super().__init__(states)
        self.marker = marker

    def apply(self, connection: Connection, events: Sequence[RecordedEvent]) -> None:
        super().apply(connection, events)
        if events[-1].position > 20:
            self.marker.write_text(str(events[-1].position))
            time.sleep(600)


class SlowAuditTrail(AuditTrailProjection):
    """Takes a few milliseconds longer per batch, so a kill lands at a random point of it."""

    def apply(self, connection: Connection, events: Sequence[RecordedEvent]) -> None:
        super().apply(connection, events)
        time.sleep(0.005)


def _runner(url: str, audit: type[AuditTrailProjection], *args) -> ProjectionRunner:
    store = EventStore(create_database_engine(url))
    projections = all_projections(store)
    index = next(i for i, p in enumerate(projections) if p.name == "audit_trail")
    projections[index] = audit(projections[0].states, *args)  # type: ignore[attr-defined]
    return ProjectionRunner(store, projections)


def block_mid_batch(url: str, marker: str) -> None:
    """Catch up in batches of 10 until the audit trail blocks inside a batch."""
    _runner(url, BlockingAuditTrail, Path(marker)).catch_up(batch_size=10)


def crawl(url: str) -> None:
    """Catch up slowly, in batches of 5."""
    _runner(url, SlowAuditTrail).catch_up(batch_size=5)
