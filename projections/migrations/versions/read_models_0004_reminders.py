"""Deadline reminders in the read models: ``pj_inbox_work.reminder`` (the last reminder a
draft got) and ``pj_year_overview.reminder`` (the most urgent a department got).

Both projections' versions moved with them, so their rows are folded again from the log on
the next catch-up; the columns only have to exist.

Revision ID: read_models_0004
Revises: read_models_0003
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "read_models_0004"
down_revision = "read_models_0003"
branch_labels = None
depends_on = None

TABLES = ("pj_inbox_work", "pj_year_overview")


def upgrade() -> None:
    """Add ``reminder`` to both tables unless a database already has it."""
    inspector = sa.inspect(op.get_bind())
    for table in TABLES:
        if "reminder" not in {c["name"] for c in inspector.get_columns(table)}:
            op.add_column(table, sa.Column("reminder", sa.String(length=20), nullable=True))


def downgrade() -> None:
    """Drop the columns again."""
    for table in TABLES:
        op.drop_column(table, "reminder")
