"""The year overview's ``note``: a signed-off revision the worker failed to render.

The year overview projection's version moved with it, so its rows are folded again
from the log on the next catch-up; the column only has to exist.

Revision ID: read_models_0002
Revises: read_models_0001
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "read_models_0002"
down_revision = "read_models_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``pj_year_overview.note`` unless a database already has it."""
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("pj_year_overview")}
    if "note" not in columns:
        op.add_column("pj_year_overview", sa.Column("note", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop the note again."""
    op.drop_column("pj_year_overview", "note")
