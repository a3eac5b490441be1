"""The store's first schema: the log, its head row, the outbox, snapshots and the guards.

Written to run on an empty database and on one created by jixiao before migrations
(the same tables, made at every start): tables and indexes are created if missing, the
guards replaced, and the head row inserted only if there is none.

Revision ID: store_0001
Revises:
Create Date: 2025-01-01
"""

import sqlalchemy as sa
from alembic import op

revision = "store_0001"
down_revision = None
branch_labels = ("store",)
depends_on = None

_SQLITE_GUARDS = [
    """CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
       BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
       BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS event_log_head_no_delete BEFORE DELETE ON event_log_head
       BEGIN SELECT RAISE(ABORT, 'the log head cannot be deleted'); END""",
    """CREATE TRIGGER IF NOT EXISTS event_log_head_forward_only BEFORE UPDATE ON event_log_head
       WHEN NEW.position < OLD.position
       BEGIN SELECT RAISE(ABORT, 'the log head only moves forward'); END""",
]

_POSTGRES_GUARDS = [
    """CREATE OR REPLACE FUNCTION jixiao_refuse_change() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION 'events are append-only: %% refused', TG_OP
           USING ERRCODE = 'restrict_violation';
       END $$""",
    """CREATE OR REPLACE FUNCTION jixiao_head_forward_only() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'DELETE' OR NEW.position < OLD.position THEN
           RAISE EXCEPTION 'the log head only moves forward'
             USING ERRCODE = 'restrict_violation';
         END IF;
         RETURN NEW;
       END $$""",
    "DROP TRIGGER IF EXISTS events_append_only ON events",
    """CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
       FOR EACH ROW EXECUTE FUNCTION jixiao_refuse_change()""",
    "DROP TRIGGER IF EXISTS events_no_truncate ON events",
    """CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
       FOR EACH STATEMENT EXECUTE FUNCTION jixiao_refuse_change()""",
    "DROP TRIGGER IF EXISTS event_log_head_forward_only ON event_log_head",
    """CREATE TRIGGER event_log_head_forward_only BEFORE UPDATE OR DELETE ON event_log_head
       FOR EACH ROW EXECUTE FUNCTION jixiao_head_forward_only()""",
]


def upgrade() -> None:
    """Create the store's tables and guards where missing, and the head row."""
    op.create_table(
        "events",
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("stream_id", sa.String(length=250), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=50), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("correlation_id", sa.String(length=100), nullable=True),
        sa.Column("causation_id", sa.String(length=100), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("position"),
        sa.UniqueConstraint("event_id"),
        sa.UniqueConstraint("stream_id", "version", name="uq_events_stream_version"),
        if_not_exists=True,
    )
    op.create_index(
        "ix_events_recorded_at", "events", ["recorded_at"], unique=False, if_not_exists=True
    )
    op.create_table(
        "event_log_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=250), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
        if_not_exists=True,
    )
    op.create_table(
        "snapshots",
        sa.Column("stream_id", sa.String(length=250), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("stream_id", "version"),
        if_not_exists=True,
    )
    bind = op.get_bind()
    guards = _POSTGRES_GUARDS if bind.dialect.name == "postgresql" else _SQLITE_GUARDS
    for statement in guards:
        bind.exec_driver_sql(statement)
    if bind.exec_driver_sql("SELECT id FROM event_log_head WHERE id = 1").first() is None:
        bind.exec_driver_sql(
            "INSERT INTO event_log_head (id, position, hash) VALUES (1, 0, '" + "0" * 64 + "')"
        )


def downgrade() -> None:
    """Refused: dropping the log would destroy the record it exists to keep."""
    raise RuntimeError("store_0001 cannot be downgraded: it would drop the event log")
