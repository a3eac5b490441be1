"""The application service: load a stream, authenticate, authorise, decide, append.

It takes the store as a parameter (any :class:`events.protocol.EventStoreProtocol`), so
the CLI and the worker wire in the SQL store and unit tests the in-memory one. Tokens are
checked before any rule runs; a rejected command appends nothing.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from events.errors import ConcurrencyError
from events.model import Event, Metadata, RecordedEvent
from events.protocol import EventStoreProtocol, OutboxMessage, Snapshot
from workflow.administration import (
    DEPARTMENT_CODE,
    SYSTEM_STREAM,
    USER_ID,
    AdminCommand,
    AdminContext,
    AdminState,
    DepartmentState,
    FiscalYearState,
    GrantRole,
    IssueToken,
    OpenFiscalYear,
    RegisterDepartment,
    RegisterUser,
    RevokeToken,
    RoleCommand,
    SystemInitialised,
    UserCommand,
    UserState,
    decide_admin,
    department_stream_id,
    fiscal_year_stream_id,
    fold_admin,
    user_stream_id,
)
from workflow.commands import (
    Artifact,
    OpenReport,
    RecordRenderFailure,
    RecordRendering,
    ReportCommand,
    report_stream_id,
)
from workflow.decisions import Context, authorize, decide, decide_and_fold
from workflow.errors import (
    AuthenticationFailed,
    DocumentRejected,
    DomainError,
    DuplicateItem,
    InvalidValue,
    StaleVersion,
    TooManyItems,
)
from workflow.report import (
    SNAPSHOT_KIND,
    SNAPSHOT_SCHEMA,
    ReportState,
    fold,
    is_report_snapshot,
)
from workflow.report_events import ReportSignedOff
from workflow.roles import ALL_DEPARTMENTS, SYSTEM_ACTOR, Actor, Grant, Role
from workflow.schemes import Scheme, load_scheme
from workflow.text import ID_RULE, is_id
from workflow.tokens import DEFAULT_KDF, KdfParams, new_token, verify

#: A snapshot of a report is stored with the append that crosses each multiple of this.
SNAPSHOT_EVERY = 50

#: The outbox topic the render worker consumes.
RENDER_TOPIC = "render"

#: How many times a command given without an expected version is decided on the report as
#: it now is, when other writers appended to its stream between its read and its append.
#: Every lost attempt means another command was recorded, so the log always moves on; the
#: bound is set for many writers in tight loops on two busy cores (docs/decisions/0108).
DECIDE_ATTEMPTS = 50
#: The longest pause before the second attempt; it doubles with each attempt up to
#: RETRY_PAUSE_MAX, each pause drawn at random below it so that racing writers spread out.
RETRY_PAUSE = 0.002
RETRY_PAUSE_MAX = 0.05


@dataclass(frozen=True)
class Credentials:
    """Who is calling: a user id and their secret token (never printed)."""

    user_id: str
    token: str = field(repr=False)


@dataclass(frozen=True)
class LoadedReport:
    """A report's state and the stream version it reflects."""

    state: ReportState
    version: int


# --- loading ----------------------------------------------------------------------------


def load_report_stream(
    store: EventStoreProtocol,
    stream_id: str,
    *,
    to_version: int | None = None,
    verified: bool = False,
) -> LoadedReport:
    """Fold a report stream from its first event, optionally up to ``to_version``.

    Snapshots are not read here: they are not chained, so a state started from one would
    carry whatever the snapshots table was made to say into a decision, a document or an
    auditor's answer (docs/decisions/0206). With ``verified``, the segment of the chain
    the events sit in is checked first (``TamperedEvent`` or ``BrokenChain`` if it does
    not hold), as rendering and the audit commands need.
    """
    if verified:
        records = store.read_stream_verified(stream_id, to_version=to_version)
    else:
        records = store.read_stream(stream_id, to_version=to_version)
    version = records[-1].version if records else 0
    return LoadedReport(state=fold(r.event for r in records), version=version)


def load_report_from_snapshot(
    store: EventStoreProtocol, stream_id: str, *, to_version: int | None = None
) -> LoadedReport:
    """Fold a report stream from its newest usable snapshot at or below ``to_version``.

    Only for read models: they are caches, which `jixiao audit verify` compares with a fold
    of the log, as it compares every snapshot; nothing that decides, renders or answers an
    auditor starts from a snapshot (:func:`load_report_stream`).
    """
    state, after = ReportState(), 0
    snapshot = store.load_snapshot(stream_id, max_version=to_version)
    if snapshot and is_report_snapshot(snapshot.kind, snapshot.schema_version):
        state, after = ReportState.from_snapshot(snapshot.state), snapshot.version
    records = store.read_stream(stream_id, from_version=after + 1, to_version=to_version)
    version = records[-1].version if records else after
    return LoadedReport(state=fold((r.event for r in records), state), version=version)


def _caught_up(
    store: EventStoreProtocol, stream_id: str, loaded: LoadedReport | None
) -> LoadedReport:
    """The stream loaded, or ``loaded`` brought up to date by folding only what followed it
    (events are never changed, so a second attempt reads just the few that beat it)."""
    if loaded is None:
        return load_report_stream(store, stream_id)
    records = store.read_stream(stream_id, from_version=loaded.version + 1)
    if not records:
        return loaded
    return LoadedReport(
        state=fold((r.event for r in records), loaded.state), version=records[-1].version
    )


def load_report(
    store: EventStoreProtocol,
    department: str,
    year: int,
    *,
    to_version: int | None = None,
    verified: bool = False,
) -> LoadedReport:
    """A department's report for a year, optionally as it was at ``to_version``
    (see :func:`load_report_stream`)."""
    return load_report_stream(
        store, _report_stream(department, year), to_version=to_version, verified=verified
    )


def load_admin(store: EventStoreProtocol, stream_id: str) -> tuple[AdminState, int]:
    """An administration stream's state and version."""
    records = store.read_stream(stream_id)
    version = records[-1].version if records else 0
    return fold_admin(stream_id, (r.event for r in records)), version


def _report_stream(department: str, year: int) -> str:
    if not isinstance(department, str) or not DEPARTMENT_CODE.match(department):
        raise InvalidValue("report department", str(department), f"a department code: {ID_RULE}")
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InvalidValue("report year", str(year), "a year between 2000 and 2100")
    return report_stream_id(department, year)


def _department(store: EventStoreProtocol, code: str | None) -> DepartmentState | None:
    if code is None or not DEPARTMENT_CODE.match(code):
        return None
    state, _ = load_admin(store, department_stream_id(code))
    assert isinstance(state, DepartmentState)
    return state


# --- authentication ---------------------------------------------------------------------


def authenticate(store: EventStoreProtocol, credentials: Credentials) -> UserState:
    """The user whose token this is; AuthenticationFailed for an unknown user or wrong token."""
    user_id = credentials.user_id
    failed = AuthenticationFailed(
        f"user {user_id!r}: unknown user or token, expected a current token issued to this user"
    )
    if not isinstance(user_id, str) or not USER_ID.match(user_id):
        raise failed
    user, _ = load_admin(store, user_stream_id(user_id))
    assert isinstance(user, UserState)
    # verify() derives a key once whether or not the user or token id exists, so how long
    # a refusal takes tells nothing about which ids are real.
    matched = verify(credentials.token, user.tokens if user.registered else ())
    if not (user.registered and matched):
        raise failed
    return user


# --- appending --------------------------------------------------------------------------


def _append(
    store: EventStoreProtocol,
    stream_id: str,
    version: int,
    events: Sequence[Event],
    metadata: Metadata,
) -> list[RecordedEvent]:
    try:
        return store.append(stream_id, version, events, metadata=metadata)
    except ConcurrencyError as exc:
        raise StaleVersion(str(exc)) from exc


def _deciding(
    stream_id: str,
    expected_version: int | None,
    attempt: Callable[[], list[RecordedEvent]],
) -> list[RecordedEvent]:
    """Run ``attempt`` (read the stream, authorise, decide, append) until it is recorded.

    A caller who gave ``expected_version`` decided on what they saw: a conflict is theirs
    to resolve, so it is refused at once. A caller who gave none asked for the command to
    apply to the report as it is: another writer's append between our read and our append
    says nothing against it, so it is read and decided again (every rule checked anew), a
    bounded number of times.
    """
    done = 0
    while True:
        done += 1
        try:
            return attempt()
        except ConcurrencyError as exc:
            if expected_version is not None:
                raise StaleVersion(str(exc)) from exc
            if done == DECIDE_ATTEMPTS:
                raise StaleVersion(
                    f"stream {stream_id!r}: got a change from another writer before each of "
                    f"{done} attempts (now at version {exc.actual}), expected a moment with "
                    "fewer writers; try again"
                ) from exc
        time.sleep(random.uniform(0, min(RETRY_PAUSE_MAX, RETRY_PAUSE * 2 ** (done - 1))))


def _check_version(stream_id: str, expected: int | None, actual: int) -> None:
    if expected is not None and expected != actual:
        raise StaleVersion(
            f"stream {stream_id!r} version: got {expected}, expected the current version "
            f"{actual}; reload and try again"
        )


def _metadata(actor: str, role: str, correlation_id: str | None, causation_id: str | None):
    return Metadata(
        actor=actor,
        role=role,
        correlation_id=correlation_id or str(uuid.uuid4()),
        causation_id=causation_id,
    )


def render_message(stream_id: str, department: str, year: int, revision: int) -> OutboxMessage:
    """The outbox message asking the worker to render one revision (keyed for idempotence)."""
    return OutboxMessage(
        topic=RENDER_TOPIC,
        payload={
            "stream_id": stream_id,
            "report": {"department": department, "year": year},
            "revision": revision,
        },
        key=f"render:{stream_id}:{revision}",
    )


# --- report commands --------------------------------------------------------------------


def _report_context(
    store: EventStoreProtocol, command: ReportCommand, now: datetime | None
) -> Context:
    moment = now or datetime.now(UTC)
    if not isinstance(command, OpenReport):
        return Context(now=moment)
    year_state, _ = load_admin(store, fiscal_year_stream_id(command.year))
    assert isinstance(year_state, FiscalYearState)
    return Context(
        now=moment, department=_department(store, command.department), fiscal_year=year_state
    )


def _record_report_events(
    store: EventStoreProtocol,
    stream_id: str,
    loaded: LoadedReport,
    events: Sequence[Event],
    metadata: Metadata,
    after: ReportState | None = None,
) -> list[RecordedEvent]:
    """Append a report's new events with the render message and snapshot they call for.

    ``after`` is the state the events lead to, when the caller has folded them already.
    """
    if after is None:
        after = fold(events, loaded.state)
    outbox = [
        render_message(stream_id, after.department, after.year, e.revision)
        for e in events
        if isinstance(e, ReportSignedOff)
    ]
    new_version = loaded.version + len(events)
    snapshot = None
    if new_version // SNAPSHOT_EVERY > loaded.version // SNAPSHOT_EVERY:
        snapshot = Snapshot(
            stream_id=stream_id,
            version=new_version,
            kind=SNAPSHOT_KIND,
            schema_version=SNAPSHOT_SCHEMA,
            state=after.to_snapshot(),
        )
    return store.append(
        stream_id, loaded.version, events, metadata=metadata, outbox=outbox, snapshot=snapshot
    )


def _run_report_command(
    store: EventStoreProtocol,
    actor: Actor,
    command: ReportCommand,
    *,
    expected_version: int | None,
    correlation_id: str | None,
    causation_id: str | None,
    now: datetime | None,
) -> list[RecordedEvent]:
    stream_id = _report_stream(command.department, command.year)
    loaded: LoadedReport | None = None

    def attempt() -> list[RecordedEvent]:
        nonlocal loaded
        loaded = _caught_up(store, stream_id, loaded)
        _check_version(stream_id, expected_version, loaded.version)
        context = _report_context(store, command, now)
        role = authorize(loaded.state, command, actor)
        events = decide(loaded.state, command, actor, context)
        if not events:
            return []
        metadata = _metadata(actor.user_id, role, correlation_id, causation_id)
        return _record_report_events(store, stream_id, loaded, events, metadata)

    return _deciding(stream_id, expected_version, attempt)


def execute_all(
    store: EventStoreProtocol,
    credentials: Credentials,
    commands: Sequence[tuple[str, ReportCommand]],
    *,
    source: str = "commands",
    expected_version: int | None = None,
    correlation_id: str | None = None,
    now: datetime | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> list[RecordedEvent]:
    """Decide many commands on one report as one change: all recorded together, or none.

    ``commands`` pairs each command with where it came from (``indicators[3].actual``);
    every rejected command is listed by that place in one DocumentRejected, and nothing
    is appended. An import of a report file goes through here, so it obeys every rule.
    With ``dry_run`` every rule is checked the same way but nothing is appended.
    ``progress(n)`` is told how many commands have been decided (from 1 again when the
    report changed meanwhile and the commands are decided afresh, as :func:`execute` does).
    """
    actor = authenticate(store, credentials).actor()
    return execute_all_as(
        store,
        actor,
        commands,
        source=source,
        expected_version=expected_version,
        correlation_id=correlation_id,
        now=now,
        dry_run=dry_run,
        progress=progress,
    )


def execute_all_as(
    store: EventStoreProtocol,
    actor: Actor,
    commands: Sequence[tuple[str, ReportCommand]],
    *,
    source: str = "commands",
    expected_version: int | None = None,
    correlation_id: str | None = None,
    now: datetime | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> list[RecordedEvent]:
    """:func:`execute_all` for an actor the caller has authenticated itself (see
    :func:`execute_as`)."""
    streams = {_report_stream(c.department, c.year) for _, c in commands}
    if len(streams) != 1:
        raise InvalidValue(
            f"{source} reports", ", ".join(sorted(streams)) or "none", "commands on one report"
        )
    (stream_id,) = streams
    loaded: LoadedReport | None = None

    def attempt() -> list[RecordedEvent]:
        nonlocal loaded
        loaded = _caught_up(store, stream_id, loaded)
        _check_version(stream_id, expected_version, loaded.version)
        state, events, problems, roles = loaded.state, [], [], set()
        for done, (where, command) in enumerate(commands, start=1):
            if progress is not None:
                progress(done)
            try:
                roles.add(authorize(state, command, actor))
                context = _report_context(store, command, now)
                new, state = decide_and_fold(state, command, actor, context)
            except DomainError as error:
                if isinstance(command, OpenReport):
                    # Nothing after a failed open can apply: report the cause alone.
                    raise DocumentRejected(source, [f"{where}: {error}"]) from None
                problems.append(f"{where}: {error}")
                if isinstance(error, TooManyItems):
                    # Every later addition would be refused the same way: one line says it all.
                    problems.append(f"{where}: the rest of {source} was not checked")
                    raise DocumentRejected(source, problems) from None
                continue
            events.extend(new)
        if problems:
            raise DocumentRejected(source, problems)
        if not events or dry_run:
            return []
        metadata = _metadata(actor.user_id, "+".join(sorted(roles)), correlation_id, None)
        return _record_report_events(store, stream_id, loaded, events, metadata, after=state)

    return _deciding(stream_id, expected_version, attempt)


# --- administration ---------------------------------------------------------------------


def _admin_context(store: EventStoreProtocol, command: AdminCommand) -> AdminContext:
    if isinstance(command, RegisterDepartment):
        return AdminContext(department=_department(store, command.parent))
    if isinstance(command, RoleCommand) and command.department != ALL_DEPARTMENTS:
        return AdminContext(department=_department(store, command.department))
    if isinstance(command, OpenFiscalYear):
        return AdminContext(scheme=load_scheme(command.scheme))
    return AdminContext()


def _run_admin_command(
    store: EventStoreProtocol,
    actor: Actor,
    command: AdminCommand,
    *,
    expected_version: int | None,
    correlation_id: str | None,
    causation_id: str | None,
    context: AdminContext | None = None,
) -> list[RecordedEvent]:
    if isinstance(command, IssueToken) and context is None:
        raise TypeError("IssueToken: call workflow.service.issue_token, which returns the token")
    if isinstance(command, UserCommand) and not is_id(command.user_id):
        raise InvalidValue("user id", str(command.user_id), ID_RULE)
    if isinstance(command, RegisterDepartment) and not is_id(command.code):
        raise InvalidValue("department code", str(command.code), ID_RULE)
    stream_id = command.stream_id

    def attempt() -> list[RecordedEvent]:
        state, version = load_admin(store, stream_id)
        _check_version(stream_id, expected_version, version)
        events = decide_admin(state, command, actor, context or _admin_context(store, command))
        metadata = _metadata(actor.user_id, Role.ADMIN, correlation_id, causation_id)
        return store.append(stream_id, version, events, metadata=metadata)

    return _deciding(stream_id, expected_version, attempt)


# --- entry points -----------------------------------------------------------------------


def execute(
    store: EventStoreProtocol,
    credentials: Credentials,
    command: ReportCommand | AdminCommand,
    *,
    expected_version: int | None = None,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    now: datetime | None = None,
) -> list[RecordedEvent]:
    """Authenticate, then decide ``command`` and append its events; return them as recorded.

    ``expected_version``, when given, is the stream version the caller based the command
    on: if the stream has moved on, StaleVersion is raised and nothing is appended. Without
    it, a command that loses a race with another writer is read and decided again on the
    report as it now is (up to DECIDE_ATTEMPTS times), so only a real conflict is refused.
    """
    actor = authenticate(store, credentials).actor()
    if isinstance(command, AdminCommand):
        return _run_admin_command(
            store,
            actor,
            command,
            expected_version=expected_version,
            correlation_id=correlation_id,
            causation_id=causation_id,
        )
    return _run_report_command(
        store,
        actor,
        command,
        expected_version=expected_version,
        now=now,
        correlation_id=correlation_id,
        causation_id=causation_id,
    )


def execute_as(
    store: EventStoreProtocol,
    actor: Actor,
    command: ReportCommand,
    *,
    expected_version: int | None = None,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    now: datetime | None = None,
) -> list[RecordedEvent]:
    """Decide a report command for an actor the caller has authenticated itself, and append
    its events: every rule of :func:`execute` after authentication.

    For a face that keeps its own proof of identity, such as the server's sessions, which
    hold no token: it builds ``actor`` from the user's current stream (grants as they are
    now). Administration stays behind :func:`execute` and a token.
    """
    if not isinstance(command, ReportCommand):
        raise TypeError(f"command: got {type(command).__name__}, expected a report command")
    return _run_report_command(
        store,
        actor,
        command,
        expected_version=expected_version,
        correlation_id=correlation_id,
        causation_id=causation_id,
        now=now,
    )


def issue_token(
    store: EventStoreProtocol,
    credentials: Credentials,
    user_id: str,
    *,
    kdf: KdfParams = DEFAULT_KDF,
    correlation_id: str | None = None,
) -> str:
    """An administrator issues a token to ``user_id``; returns it (the only time it is shown)."""
    actor = authenticate(store, credentials).actor()
    token, record = new_token(kdf)
    _run_admin_command(
        store,
        actor,
        IssueToken(user_id=user_id),
        expected_version=None,
        correlation_id=correlation_id,
        causation_id=None,
        context=AdminContext(token=record),
    )
    return token


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
    return _run_admin_command(
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
    return execute(store, credentials, RevokeToken(user_id=user_id, token_id=token_id))


def bootstrap(
    store: EventStoreProtocol, *, user_id: str, name: str, kdf: KdfParams = DEFAULT_KDF
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
    metadata = _metadata(user_id, Role.ADMIN, None, None)
    try:
        store.append(SYSTEM_STREAM, 0, [SystemInitialised(admin=user_id)], metadata=metadata)
    except ConcurrencyError:
        raise DuplicateItem(
            "jixiao: already initialised, expected an administrator to add users"
        ) from None
    _append(store, user_stream_id(user_id), version, events, metadata)
    return token


def record_rendering(
    store: EventStoreProtocol,
    department: str,
    year: int,
    *,
    revision: int,
    artifacts: Sequence[Artifact],
    correlation_id: str | None = None,
    causation_id: str | None = None,
) -> list[RecordedEvent]:
    """The render worker records a revision's artifacts as the ``system`` actor.

    Idempotent: once the revision is rendered, a repeat records nothing and returns [].
    A reopened report makes the message stale: StaleRevision.
    """
    command = RecordRendering(
        department=department, year=year, revision=revision, artifacts=tuple(artifacts)
    )
    return _run_report_command(
        store,
        SYSTEM_ACTOR,
        command,
        expected_version=None,
        correlation_id=correlation_id,
        causation_id=causation_id,
        now=None,
    )


def record_render_failure(
    store: EventStoreProtocol,
    department: str,
    year: int,
    *,
    revision: int,
    formats: Sequence[str],
    reason: str,
    attempt: int,
    final: bool,
    correlation_id: str | None = None,
    causation_id: str | None = None,
) -> list[RecordedEvent]:
    """The render worker records a failed attempt of a revision as the ``system`` actor.

    Idempotent per revision and attempt: a repeat of an attempt already recorded, a failure
    after the worker gave up, or one after another attempt rendered the revision records
    nothing and returns []. A reopened report makes the message stale: StaleRevision.
    """
    command = RecordRenderFailure(
        department=department,
        year=year,
        revision=revision,
        formats=tuple(formats),
        reason=reason,
        attempt=attempt,
        final=final,
    )
    return _run_report_command(
        store,
        SYSTEM_ACTOR,
        command,
        expected_version=None,
        correlation_id=correlation_id,
        causation_id=causation_id,
        now=None,
    )
