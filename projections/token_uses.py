"""When each token was last used to sign in to the server: a table beside the log, not
events (docs/decisions/0405).

A use is no change to a report nor to a user, and an event per request would put every read
into the chain auditors replay; the administrator revoking a token only needs to know
whether it is still in use. The server notes a use when a token signs in on the sign-in
page and when a bearer token is checked, at most once per :data:`NOTE_EVERY` seconds per
token in each process, so requests do not each write.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from events.rows import naive_utc
from projections.sql import upsert

#: A token's use is written at most this often (seconds) by one process.
NOTE_EVERY = 60.0

token_uses_metadata = sa.MetaData()

token_uses_table = sa.Table(
    "token_uses",
    token_uses_metadata,
    sa.Column("token_id", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("last_used", sa.DateTime, nullable=False),
    # How: "page" (the sign-in page) or "api" (a bearer token).
    sa.Column("via", sa.String(16), nullable=False),
)


class TokenUses:
    """Notes the uses of tokens in one engine's ``token_uses`` table."""

    def __init__(self, engine: Engine, every: float = NOTE_EVERY) -> None:
        self.engine = engine
        self.every = every
        self._noted: dict[str, float] = {}
        self._lock = threading.Lock()

    def note(self, user_id: str, token_id: str, via: str, at: datetime) -> None:
        """Record that ``token_id`` was used at ``at``, unless this process did within
        :attr:`every` seconds."""
        now = time.monotonic()
        with self._lock:
            if now - self._noted.get(token_id, -self.every) < self.every:
                return
            self._noted[token_id] = now
        row = {"token_id": token_id, "user_id": user_id, "last_used": naive_utc(at), "via": via}
        with self.engine.begin() as connection:
            upsert(connection, token_uses_table, [row], ["token_id"])


def last_uses(engine: Engine, user_id: str) -> dict[str, tuple[datetime, str]]:
    """The last use the server noted of each of ``user_id``'s tokens: token id → (when, how)."""
    t = token_uses_table.c
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(t.token_id, t.last_used, t.via).where(t.user_id == user_id)
        ).all()
    return {token_id: (used, via) for token_id, used, via in rows}
