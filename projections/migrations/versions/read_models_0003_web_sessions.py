"""The server's own tables: signed-in sessions and failed sign-ins (web/schema.py reads and
writes them). Kept with the rest of the database's history so that `jixiao serve` changes
no schema when it starts, and runs under a role with row rights only.

Revision ID: read_models_0003
Revises: read_models_0002
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "read_models_0003"
down_revision = "read_models_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``web_sessions`` and ``web_signin_failures`` with their indexes."""
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("token_id", sa.String(length=64), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id_hash"),
        if_not_exists=True,
    )
    op.create_index(
        "ix_web_sessions_user", "web_sessions", ["user_id"], unique=False, if_not_exists=True
    )
    op.create_table(
        "web_signin_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index(
        "ix_web_signin_failures_user",
        "web_signin_failures",
        ["user_id", "at"],
        unique=False,
        if_not_exists=True,
    )
    op.create_index(
        "ix_web_signin_failures_address",
        "web_signin_failures",
        ["address", "at"],
        unique=False,
        if_not_exists=True,
    )


def downgrade() -> None:
    """Drop both tables: sessions end, the throttle forgets."""
    op.drop_table("web_signin_failures", if_exists=True)
    op.drop_table("web_sessions", if_exists=True)
