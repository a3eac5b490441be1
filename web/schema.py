"""The server's own tables: sessions and failed sign-ins. Not events: neither is a change to
a report, and both are thrown away as they expire.

They live in their own ``web_metadata`` so that the schema step creates them beside the
store's and the projections' tables; the server creates what is missing when it starts
(never while it handles a request).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from events.database import write_connection

web_metadata = sa.MetaData()

sessions_table = sa.Table(
    "web_sessions",
    web_metadata,
    # The SHA-256 of the cookie's value: the table alone cannot be replayed as cookies.
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(64), nullable=False),
    # The token the user signed in with: revoking it ends the session.
    sa.Column("token_id", sa.String(64), nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("address", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_seen", sa.DateTime, nullable=False),
    sa.Index("ix_web_sessions_user", "user_id"),
)

signin_failures_table = sa.Table(
    "web_signin_failures",
    web_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("address", sa.String(64), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Index("ix_web_signin_failures_user", "user_id", "at"),
    sa.Index("ix_web_signin_failures_address", "address", "at"),
)


def create_web_schema(engine: Engine) -> None:
    """Create the server's tables (and their indexes) where they are missing."""
    with write_connection(engine) as connection, connection.begin():
        if connection.dialect.name == "postgresql":
            # Several server processes start at once: one creates, the others then see it.
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(7256061)"))
        web_metadata.create_all(connection, checkfirst=True)
