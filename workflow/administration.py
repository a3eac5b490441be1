"""Administration as events: departments, users, roles scoped to departments, tokens and
fiscal years with their scheme and deadline.

Each lives in its own stream (``department:<code>``, ``user:<id>``, ``fiscal_year:<year>``);
``system:jixiao`` records the one-time bootstrap of the first administrator.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import singledispatch

from events.model import Event
from events.registry import default_registry
from workflow.deadlines import (
    DeadlineReminderSent,
    ReminderKind,
    SentReminder,
    days_left,
    reminder_due,
)
from workflow.errors import DuplicateItem, InvalidValue, NotAuthorized, UnknownItem
from workflow.roles import (
    ALL_DEPARTMENTS,
    RESERVED_USER_IDS,
    USER_ROLES,
    WIDE_ROLES,
    Actor,
    Grant,
    Role,
)
from workflow.schemes import Scheme
from workflow.streams import DEPARTMENT_CODE
from workflow.text import ID_RULE, clean
from workflow.tokens import TokenRecord
from workflow.users import (
    USER_ID,
    RoleGranted,
    RoleRevoked,
    TokenIssued,
    TokenRevoked,
    UserEmailChanged,
    UserRegistered,
    UserState,
    fold_user,
    user_stream_id,
)
from workflow.values import Value, short_name

#: The stream that records the bootstrap of the first administrator.
SYSTEM_STREAM = "system:jixiao"


register = default_registry.register


#: A code before a name, as finance systems print them: ``219001-某某镇人民政府``.
_CODE_PREFIX = re.compile(r"([0-9A-Za-z][0-9A-Za-z._-]{3,})\s*[-－—–]\s*(\S.*)", re.DOTALL)


def split_code(named: str) -> tuple[str | None, str]:
    """A name as a form prints it, split into the code before it (if any) and the name."""
    found = _CODE_PREFIX.fullmatch(named.strip())
    return (found[1], found[2].strip()) if found else (None, named.strip())


def names_department(named: str, department: DepartmentState) -> bool:
    """Whether ``named`` (a name, a code, or a code before a name) is ``department``: by
    its registered name or its code."""
    code, name = split_code(named)
    whole = named.strip()
    return department.name in (name, whole) or department.code in (code, whole)


def department_stream_id(code: str) -> str:
    """``department:<code>``."""
    return f"department:{code}"


def fiscal_year_stream_id(year: int) -> str:
    """``fiscal_year:<year>``."""
    return f"fiscal_year:{year}"


# --- commands ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AdminCommand:
    """Base of the administrator's commands."""

    @property
    def stream_id(self) -> str:  # pragma: no cover - every subclass overrides it
        """The stream the command writes to."""
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class RegisterDepartment(AdminCommand):
    """Register a budget department (code, name, optional parent department)."""

    code: str
    name: str
    parent: str | None = None

    @property
    def stream_id(self) -> str:
        """``department:<code>``."""
        return department_stream_id(self.code)


@dataclass(frozen=True, kw_only=True)
class UserCommand(AdminCommand):
    """Base of the commands on one user's stream."""

    user_id: str

    @property
    def stream_id(self) -> str:
        """``user:<id>``."""
        return user_stream_id(self.user_id)


@dataclass(frozen=True, kw_only=True)
class RegisterUser(UserCommand):
    """Register a user, optionally with the e-mail address deadline reminders go to; roles
    and tokens are granted separately."""

    name: str
    email: str | None = None


@dataclass(frozen=True, kw_only=True)
class ChangeUserEmail(UserCommand):
    """Set a user's e-mail address, or remove it (``None`` or a blank)."""

    email: str | None = None


@dataclass(frozen=True, kw_only=True)
class RoleCommand(UserCommand):
    """Base of granting and revoking a role for one department, or ``*``."""

    role: str
    department: str


@dataclass(frozen=True, kw_only=True)
class GrantRole(RoleCommand):
    """Grant a role for one department, or ``*`` (finance reviewer, auditor, admin only)."""


@dataclass(frozen=True, kw_only=True)
class RevokeRole(RoleCommand):
    """Revoke a granted role."""


@dataclass(frozen=True, kw_only=True)
class IssueToken(UserCommand):
    """Issue a new secret token to a user (the service generates and returns it once)."""


@dataclass(frozen=True, kw_only=True)
class RevokeToken(UserCommand):
    """Revoke one of a user's tokens by its id."""

    token_id: str


@dataclass(frozen=True, kw_only=True)
class OpenFiscalYear(AdminCommand):
    """Open a fiscal year for evaluation, under a scheme, with a submission deadline."""

    year: int
    scheme: str
    deadline: date

    @property
    def stream_id(self) -> str:
        """``fiscal_year:<year>``."""
        return fiscal_year_stream_id(self.year)


# --- events -----------------------------------------------------------------------------


@register("SystemInitialised")
class SystemInitialised(Event):
    """The first administrator was created; happens once per store."""

    admin: str


@register("DepartmentRegistered")
class DepartmentRegistered(Event):
    """A budget department was registered."""

    code: str
    name: str
    parent: str | None = None


@register("FiscalYearOpened")
class FiscalYearOpened(Event):
    """A fiscal year was opened for evaluation; the scheme's settings are copied in."""

    year: int
    scheme: Scheme
    deadline: date


# --- states -----------------------------------------------------------------------------


class DepartmentState(Value):
    """A department as registered (``registered`` is False for an empty stream)."""

    code: str = ""
    name: str = ""
    parent: str | None = None
    registered: bool = False


class FiscalYearState(Value):
    """A fiscal year's scheme and deadline (``opened`` is False for an empty stream), and the
    reminders sent to departments that had opened no report."""

    year: int = 0
    scheme: Scheme | None = None
    deadline: date | None = None
    opened: bool = False
    reminders: tuple[SentReminder, ...] = ()

    def reminded(self, department: str) -> set[ReminderKind]:
        """The reminders recorded on this stream for ``department``."""
        return {r.kind for r in self.reminders if r.department == department}


AdminState = DepartmentState | UserState | FiscalYearState


def fold_department(events: Iterable[Event]) -> DepartmentState:
    """A department stream's state."""
    state = DepartmentState()
    for event in events:
        if not isinstance(event, DepartmentRegistered):
            raise TypeError(f"event: got {type(event).__name__}, expected a department event")
        state = DepartmentState(
            code=event.code, name=event.name, parent=event.parent, registered=True
        )
    return state


def fold_fiscal_year(events: Iterable[Event]) -> FiscalYearState:
    """A fiscal year stream's state: its scheme and deadline, and the reminders sent on it."""
    state = FiscalYearState()
    for event in events:
        if isinstance(event, FiscalYearOpened):
            state = FiscalYearState(
                year=event.year, scheme=event.scheme, deadline=event.deadline, opened=True
            )
        elif isinstance(event, DeadlineReminderSent):
            sent = SentReminder(department=event.department, kind=event.kind)
            state = state.model_copy(update={"reminders": (*state.reminders, sent)})
        else:
            raise TypeError(f"event: got {type(event).__name__}, expected a fiscal year event")
    return state


def fold_admin(stream_id: str, events: Iterable[Event]) -> AdminState:
    """Fold any administration stream by its category, for code that handles every kind
    alike (deciding an administrator's command); the typed folds serve everything else."""
    folds: dict[str, Callable[[Iterable[Event]], AdminState]] = {
        "department": fold_department,
        "user": fold_user,
        "fiscal_year": fold_fiscal_year,
    }
    return folds[stream_id.partition(":")[0]](events)


# --- decisions --------------------------------------------------------------------------


@dataclass(frozen=True)
class AdminContext:
    """What a decision needs from other streams: a referenced department, a resolved scheme,
    a freshly generated token record."""

    department: DepartmentState | None = None
    scheme: Scheme | None = None
    token: TokenRecord | None = None


def require_admin(actor: Actor) -> Role:
    """Administration is for holders of ``admin@*``; NotAuthorized otherwise."""
    if Grant(role=Role.ADMIN, department=ALL_DEPARTMENTS) not in actor.grants:
        held = ", ".join(g.describe() for g in actor.grants) or "none"
        raise NotAuthorized(
            f"user {actor.user_id} role: got {held}, expected admin@* to administer"
        )
    return Role.ADMIN


def _require_department(code: str, department: DepartmentState | None, subject: str) -> None:
    if department is None or not department.registered or department.code != code:
        raise UnknownItem(f"{subject}: got {code!r}, expected a registered department")


@singledispatch
def _decide(command: AdminCommand, state: AdminState, ctx: AdminContext) -> list[Event]:
    raise TypeError(f"command: got {type(command).__name__}, expected an admin command")


@_decide.register
def _(command: RegisterDepartment, state: AdminState, ctx: AdminContext) -> list[Event]:
    if not isinstance(command.code, str) or not DEPARTMENT_CODE.match(command.code):
        raise InvalidValue("department code", str(command.code), ID_RULE)
    if isinstance(state, DepartmentState) and state.registered:
        raise DuplicateItem(f"department {command.code}: already registered as {state.name}")
    name = short_name(f"department {command.code} name", command.name)
    if command.parent is not None:
        _require_department(command.parent, ctx.department, f"department {command.code} parent")
    return [DepartmentRegistered(code=command.code, name=name, parent=command.parent)]


#: The longest e-mail address (RFC 5321's limit on a path).
EMAIL_LENGTH = 254
EMAIL_RULE = (
    f"an e-mail address such as zhang.san@example.gov.cn: ASCII, one @, a domain with a dot, "
    f"no spaces, at most {EMAIL_LENGTH} characters"
)
# \Z, not $: '$' would also match before a final newline.
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+\Z"
)


def email_address(subject: str, value: object) -> str | None:
    """An e-mail address by :data:`EMAIL_RULE`, without surrounding whitespace; None for
    nothing or a blank; InvalidValue naming ``subject`` otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = clean(subject, value, multiline=False, expected="an e-mail address").strip()
    if len(text) > EMAIL_LENGTH or not text.isascii() or not _EMAIL.match(text):
        raise InvalidValue(subject, text, EMAIL_RULE)
    return text


@_decide.register
def _(command: RegisterUser, state: AdminState, ctx: AdminContext) -> list[Event]:
    if not isinstance(command.user_id, str) or not USER_ID.match(command.user_id):
        raise InvalidValue("user id", str(command.user_id), ID_RULE)
    if command.user_id in RESERVED_USER_IDS:
        reserved = ", ".join(sorted(RESERVED_USER_IDS))
        raise InvalidValue(
            "user id",
            command.user_id,
            f"an id other than {reserved} (reserved for the render worker)",
        )
    if isinstance(state, UserState) and state.registered:
        raise DuplicateItem(f"user {command.user_id}: already registered as {state.name}")
    name = short_name(f"user {command.user_id} name", command.name)
    email = email_address(f"user {command.user_id} email", command.email)
    return [UserRegistered(user_id=command.user_id, name=name, email=email)]


def _registered_user(state: AdminState, user_id: str) -> UserState:
    if not isinstance(state, UserState) or not state.registered:
        raise UnknownItem(f"user: got {user_id!r}, expected a registered user")
    return state


@_decide.register
def _(command: ChangeUserEmail, state: AdminState, ctx: AdminContext) -> list[Event]:
    user = _registered_user(state, command.user_id)
    email = email_address(f"user {command.user_id} email", command.email)
    if email == user.email:
        return []  # already so: a repeat records nothing
    return [UserEmailChanged(user_id=command.user_id, email=email)]


def _grant(command: RoleCommand, ctx: AdminContext) -> Grant:
    roles = ", ".join(USER_ROLES)
    if command.role not in USER_ROLES:
        raise InvalidValue(f"user {command.user_id} role", command.role, f"one of {roles}")
    role = Role(command.role)
    if command.department == ALL_DEPARTMENTS:
        if role not in WIDE_ROLES:
            raise InvalidValue(
                f"user {command.user_id} {role} department",
                command.department,
                f"one department's code ({role} is held for one department)",
            )
    elif role is Role.ADMIN:
        raise InvalidValue(
            f"user {command.user_id} admin department", command.department, "'*' (all departments)"
        )
    else:
        _require_department(
            command.department, ctx.department, f"user {command.user_id} {role} department"
        )
    return Grant(role=role, department=command.department)


@_decide.register
def _(command: GrantRole, state: AdminState, ctx: AdminContext) -> list[Event]:
    user = _registered_user(state, command.user_id)
    grant = _grant(command, ctx)
    if grant in user.grants:
        raise DuplicateItem(f"user {command.user_id} role {grant.describe()}: already granted")
    return [RoleGranted(user_id=command.user_id, grant=grant)]


@_decide.register
def _(command: RevokeRole, state: AdminState, ctx: AdminContext) -> list[Event]:
    user = _registered_user(state, command.user_id)
    grant = _grant(command, ctx)
    if grant not in user.grants:
        raise UnknownItem(
            f"user {command.user_id} role: got {grant.describe()!r}, expected a granted role"
        )
    return [RoleRevoked(user_id=command.user_id, grant=grant)]


@_decide.register
def _(command: IssueToken, state: AdminState, ctx: AdminContext) -> list[Event]:
    _registered_user(state, command.user_id)
    if ctx.token is None:
        raise TypeError("IssueToken needs the generated token record in the context")
    return [TokenIssued(user_id=command.user_id, token=ctx.token)]


@_decide.register
def _(command: RevokeToken, state: AdminState, ctx: AdminContext) -> list[Event]:
    user = _registered_user(state, command.user_id)
    if not any(t.token_id == command.token_id and not t.revoked for t in user.tokens):
        raise UnknownItem(
            f"user {command.user_id} token: got {command.token_id!r}, expected a live token id"
        )
    return [TokenRevoked(user_id=command.user_id, token_id=command.token_id)]


@_decide.register
def _(command: OpenFiscalYear, state: AdminState, ctx: AdminContext) -> list[Event]:
    year = command.year
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InvalidValue("fiscal year", str(year), "a year between 2000 and 2100")
    if isinstance(state, FiscalYearState) and state.opened:
        raise DuplicateItem(f"fiscal year {year}: already opened")
    if not isinstance(command.deadline, date) or command.deadline <= date(year, 12, 31):
        raise InvalidValue(
            f"fiscal year {year} deadline",
            str(command.deadline),
            f"a date after the year ends ({year}-12-31)",
        )
    if ctx.scheme is None or ctx.scheme.id != command.scheme:
        raise UnknownItem(
            f"fiscal year {year} scheme: got {command.scheme!r}, expected a known scheme"
        )
    return [FiscalYearOpened(year=year, scheme=ctx.scheme, deadline=command.deadline)]


def _keep_own_access(command: RevokeRole | RevokeToken, state: AdminState, actor: Actor) -> None:
    """Refuse an administrator revoking their own admin@* or their own last live token.

    This keeps somebody able to administer without listing every user (the store cannot):
    the issuer of any command is an administrator with a live token, and another user's
    revocation leaves the issuer as they are, so only a self-revocation can remove the
    last one. Revoking another administrator stays possible, so no one is irremovable.
    """
    if command.user_id != actor.user_id or not isinstance(state, UserState):
        return
    subject = f"user {command.user_id}"
    if isinstance(command, RevokeRole):
        if command.role == Role.ADMIN:
            raise InvalidValue(
                f"{subject} role",
                f"admin@{command.department}",
                "a role other than your own admin@* (another administrator must revoke it, "
                "so that an administrator always remains)",
            )
        return
    live = [t for t in state.tokens if not t.revoked and t.token_id != command.token_id]
    if not live:
        raise InvalidValue(
            f"{subject} token",
            command.token_id,
            "a token other than your own last live one (issue yourself another token first, "
            "so that an administrator can always sign in)",
        )


def decide_admin(
    state: AdminState, command: AdminCommand, actor: Actor, context: AdminContext
) -> list[Event]:
    """Decide an administrator's command: admin@* only; new events or a DomainError."""
    require_admin(actor)
    events = _decide(command, state, context)
    if isinstance(command, RevokeRole | RevokeToken):
        _keep_own_access(command, state, actor)
    return events


# --- deadline reminders -----------------------------------------------------------------


def decide_department_reminder(
    year: FiscalYearState,
    department: DepartmentState,
    now: datetime,
) -> list[Event]:
    """The reminder a department that has opened no report for ``year`` is owed at ``now``,
    to be recorded on the fiscal year's stream: one DeadlineReminderSent, or none when no
    reminder is due or this kind was sent to the department already.

    Decided by the system, never by a person: the pass that calls it holds no grant.
    """
    if not year.opened or year.deadline is None:
        raise UnknownItem(f"fiscal year: got {year.year!r}, expected an opened fiscal year")
    if not department.registered:
        raise UnknownItem(f"department: got {department.code!r}, expected a registered department")
    kind = reminder_due(year.deadline, now)
    if kind is None or kind in year.reminded(department.code):
        return []
    return [
        DeadlineReminderSent(
            department=department.code,
            department_name=department.name,
            year=year.year,
            revision=0,
            kind=kind,
            deadline=year.deadline,
            days_left=days_left(year.deadline, now),
        )
    ]
