"""The store's tables (SQLModel) and the guards that keep the log append-only.

``events`` holds the log; ``event_log_head`` is a single row holding the last
position and hash, which every writer locks before it appends (see
docs/decisions/0001-commit-ordered-positions.md); ``outbox`` and ``snapshots``
join an append's transaction. Triggers on both backends refuse UPDATE and DELETE
of events, so even an administrator's careless script cannot rewrite history.

These are the definitions the code reads and writes with; the schema itself, guards
included, is built only by the revisions in :mod:`events.migrations` (a test checks that
the two agree).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# The store's head revision, named here too: what the tables below are at.
from events.migrations import STORE_REVISION as STORE_REVISION

metadata = SQLModel.metadata


class EventRow(SQLModel, table=True):
    """One event of the log. ``position`` is global, gapless and in commit order."""

    __tablename__ = "events"
    __table_args__ = (
        sa.UniqueConstraint("stream_id", "version", name="uq_events_stream_version"),
        sa.Index("ix_events_recorded_at", "recorded_at"),
    )

    position: int = Field(sa_column=sa.Column(sa.BigInteger, primary_key=True, autoincrement=False))
    stream_id: str = Field(sa_column=sa.Column(sa.String(250), nullable=False))
    version: int = Field(nullable=False)
    event_id: str = Field(sa_column=sa.Column(sa.String(36), nullable=False, unique=True))
    event_type: str = Field(sa_column=sa.Column(sa.String(100), nullable=False))
    schema_version: int = Field(nullable=False)
    payload: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    actor: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    role: str = Field(sa_column=sa.Column(sa.String(50), nullable=False))
    recorded_at: datetime = Field(sa_column=sa.Column(sa.DateTime, nullable=False))
    correlation_id: str | None = Field(default=None, sa_column=sa.Column(sa.String(100)))
    causation_id: str | None = Field(default=None, sa_column=sa.Column(sa.String(100)))
    prev_hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))


class LogHead(SQLModel, table=True):
    """The single row naming the last position and hash; writers lock it to append."""

    __tablename__ = "event_log_head"

    id: int = Field(default=1, primary_key=True)
    position: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))


class OutboxRow(SQLModel, table=True):
    """A message committed with its events, waiting for the relay to publish it."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_column=sa.Column(sa.String(250), nullable=False, unique=True))
    topic: str = Field(sa_column=sa.Column(sa.String(100), nullable=False))
    payload: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    position: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime, nullable=False))
    published_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime))
    attempts: int = Field(default=0, nullable=False)


class SnapshotRow(SQLModel, table=True):
    """A stream's folded state at a version; derived data that may be dropped at any time."""

    __tablename__ = "snapshots"

    stream_id: str = Field(sa_column=sa.Column(sa.String(250), primary_key=True))
    version: int = Field(sa_column=sa.Column(sa.Integer, primary_key=True, autoincrement=False))
    kind: str = Field(sa_column=sa.Column(sa.String(100), nullable=False))
    schema_version: int = Field(nullable=False)
    state: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime, nullable=False))


# SQLModel gives a table class its __table__ at run time without declaring it to type checkers.
events_table: sa.Table = EventRow.__table__  # type: ignore[attr-defined]
head_table: sa.Table = LogHead.__table__  # type: ignore[attr-defined]
outbox_table: sa.Table = OutboxRow.__table__  # type: ignore[attr-defined]
snapshots_table: sa.Table = SnapshotRow.__table__  # type: ignore[attr-defined]

STORE_TABLES = [events_table, head_table, outbox_table, snapshots_table]
