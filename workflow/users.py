"""Users as events: registration, e-mail address, role grants and tokens, in one stream per
user (``user:<id>``), and the user a stream folds to.

Signing in reads nothing else: a read command authenticates its caller from these events
alone, so this module holds no department, fiscal year or report type
(docs/decisions/0409).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import singledispatch
from typing import Any

from events.model import Event
from events.registry import default_registry
from workflow.roles import Actor, Grant
from workflow.text import ID_PATTERN
from workflow.tokens import TokenRecord
from workflow.values import Value

#: User ids follow the one id rule (workflow.text.ID_RULE).
USER_ID = ID_PATTERN

register = default_registry.register


def user_stream_id(user_id: str) -> str:
    """``user:<id>``."""
    return f"user:{user_id}"


@register("UserRegistered", version=2)
class UserRegistered(Event):
    """A user was registered (version 2: with an optional e-mail address)."""

    user_id: str
    name: str
    email: str | None = None


@default_registry.upcaster("UserRegistered", from_version=1)
def _user_registered_without_email(payload: dict[str, Any]) -> dict[str, Any]:
    # Users registered before e-mail addresses existed have none.
    return {**payload, "email": None}


@register("UserEmailChanged")
class UserEmailChanged(Event):
    """A user's e-mail address was set (``email`` None: removed)."""

    user_id: str
    email: str | None = None


@register("RoleGranted")
class RoleGranted(Event):
    """A role was granted to a user for a department (or ``*``)."""

    user_id: str
    grant: Grant


@register("RoleRevoked")
class RoleRevoked(Event):
    """A role was revoked."""

    user_id: str
    grant: Grant


@register("TokenIssued")
class TokenIssued(Event):
    """A token was issued; only its salted hash is recorded."""

    user_id: str
    token: TokenRecord


@register("TokenRevoked")
class TokenRevoked(Event):
    """A token was revoked."""

    user_id: str
    token_id: str


class UserState(Value):
    """A user, their e-mail address, their grants and their token records."""

    user_id: str = ""
    name: str = ""
    email: str | None = None
    registered: bool = False
    grants: tuple[Grant, ...] = ()
    tokens: tuple[TokenRecord, ...] = ()

    def actor(self) -> Actor:
        """The user as the actor of a command."""
        return Actor(user_id=self.user_id, grants=self.grants)


@singledispatch
def _evolve_user(event: Event, state: UserState) -> UserState:
    raise TypeError(f"event: got {type(event).__name__}, expected a user event")


@_evolve_user.register
def _(event: UserRegistered, state: UserState) -> UserState:
    return UserState(user_id=event.user_id, name=event.name, email=event.email, registered=True)


@_evolve_user.register
def _(event: UserEmailChanged, state: UserState) -> UserState:
    return state.model_copy(update={"email": event.email})


@_evolve_user.register
def _(event: RoleGranted, state: UserState) -> UserState:
    return state.model_copy(update={"grants": (*state.grants, event.grant)})


@_evolve_user.register
def _(event: RoleRevoked, state: UserState) -> UserState:
    return state.model_copy(update={"grants": tuple(g for g in state.grants if g != event.grant)})


@_evolve_user.register
def _(event: TokenIssued, state: UserState) -> UserState:
    return state.model_copy(update={"tokens": (*state.tokens, event.token)})


@_evolve_user.register
def _(event: TokenRevoked, state: UserState) -> UserState:
    tokens = tuple(
        t.model_copy(update={"revoked": True}) if t.token_id == event.token_id else t
        for t in state.tokens
    )
    return state.model_copy(update={"tokens": tokens})


def fold_user(events: Iterable[Event]) -> UserState:
    """A user stream's state: the user, their grants and their token records."""
    state = UserState()
    for event in events:
        state = _evolve_user(event, state)
    return state
