"""The read models' first schema: checkpoints, report state, audit trail, inboxes, year
overview.

Written to run on an empty database and on one created by jixiao before migrations
(where each command created these tables if missing): tables and indexes are created if
missing.

Revision ID: read_models_0001
Revises:
Create Date: 2025-01-01
"""

import sqlalchemy as sa
from alembic import op

revision = "read_models_0001"
down_revision = None
branch_labels = ("read_models",)
depends_on = None


def _figures() -> list[sa.Column]:
    """The headline figures and the grade, as both report tables hold them."""
    names = [
        "initial",
        "adjustments",
        "higher_level",
        "total",
        "actual",
        "execution_rate",
        "adjustment_rate",
        "score",
    ]
    return [sa.Column(name, sa.String(length=40), nullable=True) for name in names] + [
        sa.Column("grade", sa.String(length=20), nullable=True)
    ]


def upgrade() -> None:
    """Create the read models' tables and indexes where missing."""
    op.create_table(
        "projection_checkpoints",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name"),
        if_not_exists=True,
    )
    op.create_table(
        "pj_report_state",
        sa.Column("report", sa.String(length=250), nullable=False),
        sa.Column("revision", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("department_name", sa.String(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("scheme", sa.String(length=64), nullable=False),
        sa.Column("unit", sa.String(length=10), nullable=False),
        *_figures(),
        sa.Column("pending", sa.Text(), nullable=False),
        sa.Column("pending_signers", sa.Text(), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=True),
        sa.Column("last_actor", sa.String(length=200), nullable=False),
        sa.Column("last_event_type", sa.String(length=100), nullable=False),
        sa.Column("last_activity", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("view", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("report", "revision"),
        if_not_exists=True,
    )
    op.create_index(
        "ix_pj_report_state_year_department",
        "pj_report_state",
        ["year", "department"],
        unique=False,
        if_not_exists=True,
    )
    op.create_index(
        "ix_pj_report_state_stage", "pj_report_state", ["stage"], unique=False, if_not_exists=True
    )
    op.create_table(
        "pj_audit_trail",
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("report", sa.String(length=250), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=50), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("item_kind", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.String(length=250), nullable=False),
        sa.Column("item_label", sa.Text(), nullable=False),
        sa.Column("field", sa.String(length=100), nullable=False),
        sa.Column("before_raw", sa.Text(), nullable=True),
        sa.Column("before_value", sa.Text(), nullable=True),
        sa.Column("after_raw", sa.Text(), nullable=True),
        sa.Column("after_value", sa.Text(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("position"),
        if_not_exists=True,
    )
    op.create_index(
        "ix_pj_audit_trail_report",
        "pj_audit_trail",
        ["report", "position"],
        unique=False,
        if_not_exists=True,
    )
    op.create_index(
        "ix_pj_audit_trail_actor",
        "pj_audit_trail",
        ["actor", "recorded_at"],
        unique=False,
        if_not_exists=True,
    )
    op.create_index(
        "ix_pj_audit_trail_recorded_at",
        "pj_audit_trail",
        ["recorded_at"],
        unique=False,
        if_not_exists=True,
    )
    op.create_table(
        "pj_inbox_grants",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=50), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "role", "department"),
        if_not_exists=True,
    )
    op.create_table(
        "pj_inbox_work",
        sa.Column("report", sa.String(length=250), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("department_name", sa.String(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("role", sa.String(length=50), nullable=True),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("excluded", sa.Text(), nullable=False),
        sa.Column("waiting_since", sa.DateTime(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("report", "seq"),
        if_not_exists=True,
    )
    op.create_index(
        "ix_pj_inbox_work_role",
        "pj_inbox_work",
        ["role", "department"],
        unique=False,
        if_not_exists=True,
    )
    op.create_table(
        "pj_overview_departments",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("code"),
        if_not_exists=True,
    )
    op.create_table(
        "pj_overview_years",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("scheme", sa.String(length=64), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("year"),
        if_not_exists=True,
    )
    op.create_table(
        "pj_year_overview",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("department_name", sa.String(length=200), nullable=False),
        sa.Column("report", sa.String(length=250), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        *_figures(),
        sa.Column("last_actor", sa.String(length=200), nullable=True),
        sa.Column("last_activity", sa.DateTime(), nullable=True),
        sa.Column("position", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("year", "department"),
        if_not_exists=True,
    )


def downgrade() -> None:
    """Drop the read models' tables: they are rebuilt from the log."""
    for table in (
        "pj_year_overview",
        "pj_overview_years",
        "pj_overview_departments",
        "pj_inbox_work",
        "pj_inbox_grants",
        "pj_audit_trail",
        "pj_report_state",
        "projection_checkpoints",
    ):
        op.drop_table(table, if_exists=True)
