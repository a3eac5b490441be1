"""The table of projection checkpoints: how far in the log each read model has applied."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class ProjectionCheckpoint(SQLModel, table=True):
    """One row per projection: its code version and the last log position it applied."""

    __tablename__ = "projection_checkpoints"

    name: str = Field(sa_column=sa.Column(sa.String(100), primary_key=True))
    version: int = Field(nullable=False)
    position: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    updated_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime))


# SQLModel gives a table class its __table__ at run time without declaring it to type checkers.
checkpoints_table: sa.Table = ProjectionCheckpoint.__table__  # type: ignore[attr-defined]
