"""``token_uses``: when the server last saw each token used (projections/token_uses.py).

Revision ID: read_models_0005
Revises: read_models_0004
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "read_models_0005"
down_revision = "read_models_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``token_uses``."""
    op.create_table(
        "token_uses",
        sa.Column("token_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("last_used", sa.DateTime(), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("token_id"),
        if_not_exists=True,
    )


def downgrade() -> None:
    """Drop it again."""
    op.drop_table("token_uses")
