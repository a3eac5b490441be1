"""Signing in: the caller's credentials, and the user they prove to be."""

from __future__ import annotations

from dataclasses import dataclass, field

from events.protocol import StreamReader
from workflow.errors import AuthenticationFailed
from workflow.tokens import verify
from workflow.users import USER_ID, UserState, fold_user, user_stream_id


@dataclass(frozen=True)
class Credentials:
    """Who is calling: a user id and their secret token (never printed)."""

    user_id: str
    token: str = field(repr=False)


def load_user(store: StreamReader, user_id: str) -> UserState:
    """A user as their stream holds them (``registered`` is False for an unknown id)."""
    return fold_user(r.event for r in store.read_stream(user_stream_id(user_id)))


def authenticate(store: StreamReader, credentials: Credentials) -> UserState:
    """The user whose token this is; AuthenticationFailed for an unknown user or wrong token."""
    user_id = credentials.user_id
    failed = AuthenticationFailed(
        f"user {user_id!r}: unknown user or token, expected a current token issued to this user"
    )
    if not isinstance(user_id, str) or not USER_ID.match(user_id):
        raise failed
    user = load_user(store, user_id)
    # verify() derives a key once whether or not the user or token id exists, so how long
    # a refusal takes tells nothing about which ids are real.
    matched = verify(credentials.token, user.tokens if user.registered else ())
    if not (user.registered and matched):
        raise failed
    return user
