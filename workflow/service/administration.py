"""Administration: the first administrator, the administrator's commands, fiscal years and
tokens (issued once, shown once)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from events.errors import ConcurrencyError
from events.model import Event, RecordedEvent
from events.protocol import EventStoreProtocol
from workflow.administration import (
    SYSTEM_STREAM,
    AdminCommand,
    AdminContext,
    GrantRole,
    IssueToken,
    OpenFiscalYear,
    RegisterDepartment,
    RegisterUser,
    RevokeToken,
    RoleCommand,
    SystemInitialised,
    UserCommand,
    decide_admin,
    fold_admin,
)
from workflow.errors import DuplicateItem, InvalidValue
from workflow.roles import ALL_DEPARTMENTS, Actor, Grant, Role
from workflow.schemes import Scheme, load_scheme
from workflow.service.deciding import (
    append_once,
    check_version,
    command_metadata,
    until_recorded,
)
from workflow.service.loading import load_admin, referenced_department
from workflow.service.sign_in import Credentials, authenticate
from workflow.text import ID_RULE, is_id
from workflow.tokens import DEFAULT_KDF, TokenHashing, new_token
from workflow.users import USER_ID, user_stream_id


def _admin_context(store: EventStoreProtocol, command: AdminCommand) -> AdminContext:
    if isinstance(command, RegisterDepartment):
        return AdminContext(department=referenced_department(store, command.parent))
    if isinstance(command, RoleCommand) and command.department != ALL_DEPARTMENTS:
        return AdminContext(department=referenced_department(store, command.department))
    if isinstance(command, OpenFiscalYear):
        return AdminContext(scheme=load_scheme(command.scheme))
    return AdminContext()


def run_admin_command(
    store: EventStoreProtocol,
    actor: Actor,
    command: AdminCommand,
    *,
    expected_version: int | None,
    correlation_id: str | None,
    causation_id: str | None,
    context: AdminContext | None = None,
) -> list[RecordedEvent]:
    """Decide an administrator's command for ``actor`` (already authenticated) and append it."""
    if isinstance(command, IssueToken) and context is None:
        raise TypeError("IssueToken: call workflow.service.issue_token, which returns the token")
    if isinstance(command, UserCommand) and not is_id(command.user_id):
        raise InvalidValue("user id", str(command.user_id), ID_RULE)
    if isinstance(command, RegisterDepartment) and not is_id(command.code):
        raise InvalidValue("department code", str(command.code), ID_RULE)
    stream_id = command.stream_id

    def attempt() -> list[RecordedEvent]:
        state, version = load_admin(store, stream_id)
        check_version(stream_id, expected_version, version)
        events = decide_admin(state, command, actor, context or _admin_context(store, command))
        metadata = command_metadata(actor.user_id, Role.ADMIN, correlation_id, causation_id)
        return store.append(stream_id, version, events, metadata=metadata)

    return until_recorded(stream_id, expected_version, attempt)


def issue_token(
    store: EventStoreProtocol,
    credentials: Credentials,
    user_id: str,
    *,
    kdf: TokenHashing = DEFAULT_KDF,
    correlation_id: str | None = None,
) -> str:
    """An administrator issues a token to ``user_id``; returns it (the only time it is shown)."""
    actor = authenticate(store, credentials).actor()
    return _issue_token(store, actor, user_id, kdf=kdf, correlation_id=correlation_id)


def _issue_token(
    store: EventStoreProtocol,
    actor: Actor,
    user_id: str,
    *,
    kdf: TokenHashing,
    correlation_id: str | None = None,
) -> str:
    token, record = new_token(kdf)
    run_admin_command(
        store,
        actor,
        IssueToken(user_id=user_id),
        expected_version=None,
        correlation_id=correlation_id,
        causation_id=None,
        context=AdminContext(token=record),
    )
    return token


@dataclass(frozen=True)
class NewUser:
    """A user to register with one role, held for one department or ``*`` (their name is
    their id unless given)."""

    user_id: str
    role: str
    department: str
    name: str = ""


def add_user(
    store: EventStoreProtocol,
    credentials: Credentials,
    user: NewUser,
    *,
    kdf: TokenHashing = DEFAULT_KDF,
) -> Credentials:
    """An administrator registers ``user``, grants their role and issues them a token;
    returns the user's credentials."""
    actor = authenticate(store, credentials).actor()
    return _add_user(store, actor, user, kdf=kdf)


def _add_user(
    store: EventStoreProtocol, actor: Actor, user: NewUser, *, kdf: TokenHashing
) -> Credentials:
    for command in (
        RegisterUser(user_id=user.user_id, name=user.name or user.user_id),
        GrantRole(user_id=user.user_id, role=user.role, department=user.department),
    ):
        run_admin_command(
            store, actor, command, expected_version=None, correlation_id=None, causation_id=None
        )
    return Credentials(user.user_id, _issue_token(store, actor, user.user_id, kdf=kdf))


def set_up_department(
    store: EventStoreProtocol,
    credentials: Credentials,
    *,
    code: str,
    name: str,
    year: int,
    scheme: Scheme,
    deadline: date,
    users: Sequence[NewUser] = (),
    kdf: TokenHashing = DEFAULT_KDF,
) -> dict[str, Credentials]:
    """An administrator registers a department, opens ``year`` under ``scheme`` and adds
    ``users`` (each with their role and a token); returns the users' credentials by id.

    The set-up a new store needs before a report can be entered, in the order an
    administrator would type it; every step is an ordinary administrator's command.
    """
    actor = authenticate(store, credentials).actor()
    run_admin_command(
        store,
        actor,
        RegisterDepartment(code=code, name=name),
        expected_version=None,
        correlation_id=None,
        causation_id=None,
    )
    run_admin_command(
        store,
        actor,
        OpenFiscalYear(year=year, scheme=scheme.id, deadline=deadline),
        expected_version=None,
        correlation_id=None,
        causation_id=None,
        context=AdminContext(scheme=scheme),
    )
    return {user.user_id: _add_user(store, actor, user, kdf=kdf) for user in users}


def open_fiscal_year(
    store: EventStoreProtocol,
    credentials: Credentials,
    year: int,
    deadline: date,
    scheme: Scheme,
    *,
    correlation_id: str | None = None,
) -> list[RecordedEvent]:
    """Open a fiscal year under ``scheme``: a bundled one or one read from the region's file.

    The scheme's settings are copied into the event, so the year keeps them whatever
    happens to the file later.
    """
    actor = authenticate(store, credentials).actor()
    return run_admin_command(
        store,
        actor,
        OpenFiscalYear(year=year, scheme=scheme.id, deadline=deadline),
        expected_version=None,
        correlation_id=correlation_id,
        causation_id=None,
        context=AdminContext(scheme=scheme),
    )


def revoke_token(
    store: EventStoreProtocol, credentials: Credentials, user_id: str, token_id: str
) -> list[RecordedEvent]:
    """An administrator revokes one of a user's tokens by its id (the part before the dot)."""
    actor = authenticate(store, credentials).actor()
    return run_admin_command(
        store,
        actor,
        RevokeToken(user_id=user_id, token_id=token_id),
        expected_version=None,
        correlation_id=None,
        causation_id=None,
    )


def bootstrap(
    store: EventStoreProtocol, *, user_id: str, name: str, kdf: TokenHashing = DEFAULT_KDF
) -> str:
    """Create the first administrator (admin@*) in an empty store; returns their token.

    Runs once: ``system:jixiao`` is claimed at version 0, so a second bootstrap fails.
    """
    if store.stream_version(SYSTEM_STREAM) != 0:
        raise DuplicateItem("jixiao: already initialised, expected an administrator to add users")
    if not isinstance(user_id, str) or not USER_ID.match(user_id):
        raise InvalidValue("user id", str(user_id), ID_RULE)
    founder = Actor(user_id=user_id, grants=(Grant(role=Role.ADMIN, department=ALL_DEPARTMENTS),))
    token, record = new_token(kdf)
    events: list[Event] = []
    steps: list[tuple[AdminCommand, AdminContext]] = [
        (RegisterUser(user_id=user_id, name=name), AdminContext()),
        (GrantRole(user_id=user_id, role=Role.ADMIN, department=ALL_DEPARTMENTS), AdminContext()),
        (IssueToken(user_id=user_id), AdminContext(token=record)),
    ]
    state, version = load_admin(store, user_stream_id(user_id))
    for command, context in steps:
        new = decide_admin(state, command, founder, context)
        events.extend(new)
        state = fold_admin(user_stream_id(user_id), events)
    metadata = command_metadata(user_id, Role.ADMIN, None, None)
    try:
        store.append(SYSTEM_STREAM, 0, [SystemInitialised(admin=user_id)], metadata=metadata)
    except ConcurrencyError:
        raise DuplicateItem(
            "jixiao: already initialised, expected an administrator to add users"
        ) from None
    append_once(store, user_stream_id(user_id), version, events, metadata)
    return token
