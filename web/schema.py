"""The server's own tables: sessions and failed sign-ins. Not events: neither is a change to
a report, and both are thrown away as they expire.

They are created by the schema's migrations (``read_models_0003``), with every other
table, by `jixiao admin init` and `jixiao admin migrate`: the server changes no schema.
"""

from __future__ import annotations

import sqlalchemy as sa

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
