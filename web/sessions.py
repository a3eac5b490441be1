"""Server-side sessions and the throttle on failed sign-ins, kept in the server's tables.

A session's id is 32 random bytes, sent only as an HttpOnly cookie and stored only as its
SHA-256; a new id is issued at every sign-in, so an id planted before it is worth nothing.
A session ends when it has been idle too long, when its user signs out, or when the token
the user signed in with is revoked (checked on every request, see ``web.identity``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from events.database import driver_placeholder, driver_rows, write_connection
from web.schema import sessions_table, signin_failures_table

_S = sessions_table.c
_F = signin_failures_table.c

Clock = Callable[[], datetime]


def _now(clock: Clock) -> datetime:
    """The clock's moment as the naive UTC the tables hold."""
    return clock().astimezone(UTC).replace(tzinfo=None)


def id_hash(session_id: str) -> str:
    """What the table keeps of a session id."""
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    """A signed-in browser: who, with which token, and the CSRF token of its forms."""

    id_hash: str
    user_id: str
    token_id: str
    csrf: str
    last_seen: datetime


class SessionStore:
    """Sessions in ``web_sessions``, with idle expiry."""

    def __init__(
        self, engine: Engine, idle: timedelta, clock: Clock = lambda: datetime.now(UTC)
    ) -> None:
        self.engine = engine
        self.idle = idle
        self.clock = clock
        # Refresh last_seen at most this often: a read need not write on every request.
        self.touch_after = min(timedelta(seconds=60), idle / 4)
        # Every request of a signed-in browser finds its session: one driver statement,
        # written once, on a pooled driver connection (SQLAlchemy's statement and result
        # around it cost more than the lookup), last_seen read as its column reads it.
        dialect = engine.dialect
        quote = dialect.identifier_preparer.quote
        columns = (_S.id_hash, _S.user_id, _S.token_id, _S.csrf, _S.last_seen)
        mark = driver_placeholder(dialect)
        self._find = (
            f"SELECT {', '.join(quote(c.name) for c in columns)} "
            f"FROM {quote(sessions_table.name)} WHERE {quote(_S.id_hash.name)} = {mark}"
        )
        self._moment = _S.last_seen.type.dialect_impl(dialect).result_processor(dialect, None)

    def start(
        self, user_id: str, token_id: str, address: str, *, replacing: str | None = None
    ) -> tuple[str, Session]:
        """A new session (its id, to send as the cookie, and its row); the session the
        browser held before, if any, ends."""
        session_id = secrets.token_urlsafe(32)
        now = _now(self.clock)
        session = Session(id_hash(session_id), user_id, token_id, secrets.token_urlsafe(32), now)
        with write_connection(self.engine) as connection, connection.begin():
            if replacing:
                old = id_hash(replacing)
                connection.execute(sa.delete(sessions_table).where(_S.id_hash == old))
            connection.execute(
                sa.insert(sessions_table).values(
                    id_hash=session.id_hash,
                    user_id=user_id,
                    token_id=token_id,
                    csrf=session.csrf,
                    address=address[:64],
                    created_at=now,
                    last_seen=now,
                )
            )
        return session_id, session

    def find(self, session_id: str | None) -> Session | None:
        """The live session of a cookie's value; None (and the row gone) once it has idled out."""
        if not session_id:
            return None
        key = id_hash(session_id)
        rows = driver_rows(self.engine, self._find, (key,))
        if not rows:
            return None
        ((found, user_id, token_id, csrf, seen),) = rows
        last_seen = cast(datetime, self._moment(seen) if self._moment is not None else seen)
        now = _now(self.clock)
        if now - last_seen > self.idle:
            self.end(key)
            return None
        if now - last_seen > self.touch_after:
            with write_connection(self.engine) as connection, connection.begin():
                connection.execute(
                    sa.update(sessions_table).where(_S.id_hash == key).values(last_seen=now)
                )
        return Session(found, user_id, token_id, csrf, now)

    def end(self, key: str) -> None:
        """End one session, by its :func:`id_hash`."""
        with write_connection(self.engine) as connection, connection.begin():
            connection.execute(sa.delete(sessions_table).where(_S.id_hash == key))

    def end_token(self, user_id: str, token_id: str) -> int:
        """End every session signed in with a token (it was revoked); how many there were."""
        with write_connection(self.engine) as connection, connection.begin():
            done = connection.execute(
                sa.delete(sessions_table).where(_S.user_id == user_id, _S.token_id == token_id)
            )
        return done.rowcount or 0


class SignInThrottle:
    """Counts failed sign-ins per user id and per client address over a sliding window."""

    def __init__(
        self,
        engine: Engine,
        *,
        per_user: int,
        per_address: int,
        window: timedelta,
        clock: Clock = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.per_user = per_user
        self.per_address = per_address
        self.window = window
        self.clock = clock
        # Both counts in one driver statement, written once: every bearer request asks, and
        # SQLAlchemy's statement built and compiled per request was most of the asking
        # (decision 0620). The moment is bound as the column's type binds it (text on SQLite).
        dialect = engine.dialect
        quote = dialect.identifier_preparer.quote
        mark = driver_placeholder(dialect)
        table, at = quote(signin_failures_table.name), quote(_F.at.name)
        self._counts = (
            f"SELECT (SELECT count(*) FROM {table} WHERE {quote(_F.user_id.name)} = {mark} "
            f"AND {at} > {mark}), (SELECT count(*) FROM {table} "
            f"WHERE {quote(_F.address.name)} = {mark} AND {at} > {mark})"
        )
        self._moment = _F.at.type.dialect_impl(dialect).bind_processor(dialect)

    def refusal(self, user_id: str, address: str) -> str | None:
        """Why a sign-in must wait (one line), or None when it may be tried."""
        since: object = _now(self.clock) - self.window
        if self._moment is not None:
            since = self._moment(since)
        ((by_user, by_address),) = driver_rows(
            self.engine, self._counts, (user_id[:64], since, address[:64], since)
        )
        minutes = int(self.window.total_seconds() // 60)
        if by_user >= self.per_user:
            return (
                f"user {user_id!r}: {by_user} failed sign-ins in the last {minutes} minutes, "
                f"expected fewer than {self.per_user}; try again later"
            )
        if by_address >= self.per_address:
            return (
                f"address {address}: {by_address} failed sign-ins in the last {minutes} "
                f"minutes, expected fewer than {self.per_address}; try again later"
            )
        return None

    def failed(self, user_id: str, address: str) -> None:
        """Count one failed sign-in, forgetting those older than the window."""
        now = _now(self.clock)
        with write_connection(self.engine) as connection, connection.begin():
            connection.execute(sa.delete(signin_failures_table).where(_F.at <= now - self.window))
            connection.execute(
                sa.insert(signin_failures_table).values(
                    user_id=user_id[:64], address=address[:64], at=now
                )
            )
