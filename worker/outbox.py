"""The outbox rows the relay reads and marks, on the store's ``outbox`` table.

The store writes a row in the transaction of the event that asks for it; these are the
relay's own steps: mark a row published once the broker has it, count failed attempts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from events import EventStore
from events.database import write_connection
from events.schema import outbox_table

_O = outbox_table.c


@dataclass(frozen=True)
class OutboxRow:
    """One outbox row as the relay and the tests see it."""

    id: int
    key: str
    topic: str
    payload: dict
    created_at: datetime
    published_at: datetime | None
    attempts: int


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def mark_published(store: EventStore, row_id: int, at: datetime) -> bool:
    """Mark a row published (one more attempt); False if another relay marked it first."""
    with write_connection(store.engine) as connection, connection.begin():
        result = connection.execute(
            sa.update(outbox_table)
            .where(_O.id == row_id, _O.published_at.is_(None))
            .values(published_at=_naive_utc(at), attempts=_O.attempts + 1)
        )
    return result.rowcount == 1


def count_failed_attempt(store: EventStore, row_id: int) -> None:
    """Record that publishing a row failed (the broker was unreachable)."""
    with write_connection(store.engine) as connection, connection.begin():
        connection.execute(
            sa.update(outbox_table).where(_O.id == row_id).values(attempts=_O.attempts + 1)
        )


def outbox_rows(store: EventStore, topic: str | None = None) -> list[OutboxRow]:
    """Every outbox row (of ``topic``), oldest first: for inspection and tests."""
    query = sa.select(outbox_table).order_by(_O.id)
    if topic is not None:
        query = query.where(_O.topic == topic)
    with store.engine.connect() as connection:
        rows = connection.execute(query).all()
    return [
        OutboxRow(
            id=row.id,
            key=row.key,
            topic=row.topic,
            payload=json.loads(row.payload),
            created_at=row.created_at.replace(tzinfo=UTC),
            published_at=row.published_at.replace(tzinfo=UTC) if row.published_at else None,
            attempts=row.attempts,
        )
        for row in rows
    ]
