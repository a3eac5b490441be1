"""What an administrator looks up: the registered departments, users and fiscal years,
and a user's tokens, read from the administration streams (no projection: these lists
are short and read rarely)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from events.model import RecordedEvent
from events.protocol import EventStoreProtocol
from workflow.administration import DepartmentRegistered, FiscalYearState, fiscal_year_stream_id
from workflow.errors import UnknownItem
from workflow.service.loading import load_admin
from workflow.service.sign_in import load_user
from workflow.users import TokenIssued, TokenRevoked, UserState, user_stream_id

_PAGE = 1000


def _of_type(store: EventStoreProtocol, event_type: str) -> Iterator[RecordedEvent]:
    after = 0
    while page := store.read_all(after, _PAGE, event_types={event_type}):
        yield from page
        after = page[-1].position


def departments(store: EventStoreProtocol) -> list[DepartmentRegistered]:
    """Every registered department, by code."""
    found = [r.event for r in _of_type(store, "DepartmentRegistered")]
    return sorted((e for e in found if isinstance(e, DepartmentRegistered)), key=lambda e: e.code)


def users(store: EventStoreProtocol) -> list[UserState]:
    """Every registered user as their stream holds them (grants, e-mail, tokens), by id."""
    ids = sorted({getattr(r.event, "user_id", "") for r in _of_type(store, "UserRegistered")})
    return [load_user(store, user_id) for user_id in ids if user_id]


def fiscal_years(store: EventStoreProtocol) -> list[FiscalYearState]:
    """Every opened fiscal year with its scheme and deadline, oldest first."""
    years = sorted({getattr(r.event, "year", 0) for r in _of_type(store, "FiscalYearOpened")})
    states = [load_admin(store, fiscal_year_stream_id(year))[0] for year in years]
    return [s for s in states if isinstance(s, FiscalYearState)]


@dataclass(frozen=True)
class TokenEntry:
    """One of a user's tokens as an administrator sees it: never its secret or hash."""

    token_id: str
    created: datetime
    issued_by: str
    revoked: datetime | None
    revoked_by: str | None


def tokens(store: EventStoreProtocol, user_id: str) -> list[TokenEntry]:
    """A user's tokens, oldest first: when and by whom each was issued, and revoked.

    Only what the log records; when the server last saw each used is kept beside the log
    (projections/token_uses.py, docs/decisions/0405-token-last-use.md).
    """
    records = store.read_stream(user_stream_id(user_id))
    if not records:
        raise UnknownItem(f"user: got {user_id!r}, expected a registered user id")
    issued: dict[str, TokenEntry] = {}
    for record in records:
        event = record.event
        if isinstance(event, TokenIssued):
            issued[event.token.token_id] = TokenEntry(
                event.token.token_id, record.recorded_at, record.actor, None, None
            )
        elif isinstance(event, TokenRevoked) and event.token_id in issued:
            entry = issued[event.token_id]
            issued[event.token_id] = TokenEntry(
                entry.token_id, entry.created, entry.issued_by, record.recorded_at, record.actor
            )
    return list(issued.values())
