"""Report commands: decide on the report as its log holds it, append the events with the
render message and snapshot they call for, and record the render worker's results."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from events.model import Event, Metadata, RecordedEvent
from events.protocol import EventStoreProtocol, OutboxMessage, Snapshot, StreamAppend
from workflow.artifacts import Artifact
from workflow.commands import (
    OpenReport,
    RecordRenderFailure,
    RecordRendering,
    ReportCommand,
)
from workflow.deadlines import DeadlineReminderSent
from workflow.decisions import Context, decision
from workflow.errors import DocumentRejected, DomainError, InvalidValue, TooManyItems
from workflow.report import SNAPSHOT_KIND, SNAPSHOT_SCHEMA, ReportState, fold
from workflow.report_events import ReportSignedOff
from workflow.roles import SYSTEM_ACTOR, Actor
from workflow.service.deciding import check_version, command_metadata, until_recorded
from workflow.service.folded import folded_states
from workflow.service.loading import (
    LoadedReport,
    caught_up,
    load_fiscal_year,
    load_report_stream,
    referenced_department,
)
from workflow.service.sign_in import Credentials, authenticate
from workflow.streams import report_stream

#: A snapshot of a report is stored with the append that crosses each multiple of this.
SNAPSHOT_EVERY = 50

#: The outbox topic the render worker consumes.
RENDER_TOPIC = "render"

#: The outbox topic of the e-mails the mail relay delivers (a deadline reminder's).
MAIL_TOPIC = "mail"


def render_message(
    stream_id: str, department: str, year: int, revision: int, project: str | None = None
) -> OutboxMessage:
    """The outbox message asking the worker to render one revision (keyed for idempotence);
    a 项目支出 report's names its project."""
    report: dict[str, str | int] = {"department": department, "year": year}
    if project is not None:
        report["project"] = project
    return OutboxMessage(
        topic=RENDER_TOPIC,
        payload={"stream_id": stream_id, "report": report, "revision": revision},
        key=f"render:{stream_id}:{revision}",
    )


def reminder_message(stream_id: str, event: DeadlineReminderSent) -> OutboxMessage:
    """The outbox message asking for a reminder's e-mail: one per department, year and kind
    (and stream, so that a reminder recorded on the fiscal year's stream has its own)."""
    where = "" if stream_id.startswith("report:") else ":before-opening"
    # Each 项目支出 report is reminded apart from its department's 部门整体 report.
    project = f":{event.project_code}" if event.project_code else ""
    return OutboxMessage(
        topic=MAIL_TOPIC,
        payload={
            "message": "deadline_reminder",
            "stream_id": stream_id,
            "department": event.department,
            "department_name": event.department_name,
            "year": event.year,
            "revision": event.revision,
            "kind": str(event.kind),
            "deadline": event.deadline.isoformat(),
            "days_left": event.days_left,
            "project_code": event.project_code,
            "project_name": event.project_name,
        },
        key=f"mail:reminder:{event.department}:{event.year}{project}:{event.kind}{where}",
    )


def _report_context(
    store: EventStoreProtocol, command: ReportCommand, now: datetime | None
) -> Context:
    moment = now or datetime.now(UTC)
    if not isinstance(command, OpenReport):
        return Context(now=moment)
    return Context(
        now=moment,
        department=referenced_department(store, command.department),
        fiscal_year=load_fiscal_year(store, command.year),
    )


def _record_report_events(
    store: EventStoreProtocol,
    stream_id: str,
    loaded: LoadedReport,
    events: Sequence[Event],
    metadata: Metadata,
    after: ReportState | None = None,
    *,
    mail: bool = False,
) -> list[RecordedEvent]:
    """Append a report's new events with the render message and snapshot they call for,
    and with ``mail`` an e-mail message for each deadline reminder.

    ``after`` is the state the events lead to, when the caller has folded them already.
    """
    if after is None:
        after = fold(events, loaded.state)
    outbox = [
        render_message(stream_id, after.department, after.year, e.revision, after.project_code)
        for e in events
        if isinstance(e, ReportSignedOff)
    ]
    if mail:
        outbox += [
            reminder_message(stream_id, e) for e in events if isinstance(e, DeadlineReminderSent)
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


def run_report_command(
    store: EventStoreProtocol,
    actor: Actor,
    command: ReportCommand,
    *,
    expected_version: int | None,
    correlation_id: str | None,
    causation_id: str | None,
    now: datetime | None,
    context: Context | None = None,
    mail: bool = False,
    loaded: LoadedReport | None = None,
    current: bool = False,
    recorded: Callable[[LoadedReport], None] | None = None,
) -> list[RecordedEvent]:
    """Decide ``command`` for ``actor`` (already authenticated) and append its events.

    ``context`` replaces the one the command would be decided in (a reminder pass gives
    the fiscal year it loaded once); with ``mail`` each deadline reminder's append also
    writes its e-mail's outbox row. ``loaded`` is the report as the caller already folded
    it from this store's log at some version: only the events after it are read and folded.
    With ``current``, ``loaded`` was read to the end of its stream by this same request, just
    before: the first attempt decides on it without asking the log again, and an append
    another writer beat in between is refused by its version, so the next attempt reads
    what beat it and decides again (one query fewer a command, a round trip on PostgreSQL).
    ``recorded`` is given the report as the command left it: the state its events lead to
    (folded once, when deciding) at their last version, or the report it was decided on
    when it records nothing; so a caller need not read the stream again to tell of it.
    """
    stream_id = report_stream(command.department, command.year, command.project_code)

    # Decided on as given by the first attempt alone: a later one reads what beat it.
    as_read = current and loaded is not None

    def attempt() -> list[RecordedEvent]:
        nonlocal loaded, as_read
        if not as_read or loaded is None:
            loaded = caught_up(store, stream_id, loaded)
        as_read = False
        check_version(stream_id, expected_version, loaded.version)
        decided_in = context or _report_context(store, command, now)
        decided = decision(loaded.state, command, actor, decided_in)
        if not decided.events:
            if recorded is not None:
                recorded(loaded)
            return []
        metadata = command_metadata(actor.user_id, decided.role, correlation_id, causation_id)
        written = _record_report_events(
            store, stream_id, loaded, decided.events, metadata, after=decided.state, mail=mail
        )
        # The next read of the stream (the next command's) folds on from here, instead of
        # folding these events again (decision 0620).
        folded_states(store).recorded(stream_id, decided.state, written[-1])
        if recorded is not None:
            recorded(LoadedReport(state=decided.state, version=written[-1].version))
        return written

    return until_recorded(stream_id, expected_version, attempt)


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
    report changed meanwhile and the commands are decided afresh, as
    :func:`workflow.service.execute` does).
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
    streams = {report_stream(c.department, c.year, c.project_code) for _, c in commands}
    if len(streams) != 1:
        raise InvalidValue(
            f"{source} reports", ", ".join(sorted(streams)) or "none", "commands on one report"
        )
    (stream_id,) = streams
    loaded: LoadedReport | None = None

    def attempt() -> list[RecordedEvent]:
        nonlocal loaded
        loaded = caught_up(store, stream_id, loaded)
        check_version(stream_id, expected_version, loaded.version)
        decided = _decide_all(store, actor, loaded.state, commands, source, now, progress)
        if decided.problems:
            raise DocumentRejected(source, decided.problems)
        if not decided.events or dry_run:
            return []
        roles = "+".join(sorted(decided.roles))
        metadata = command_metadata(actor.user_id, roles, correlation_id, None)
        return _record_report_events(
            store, stream_id, loaded, decided.events, metadata, after=decided.state
        )

    return until_recorded(stream_id, expected_version, attempt)


@dataclass
class _Decided:
    """What deciding one report's commands gave: its events, the state they lead to, the
    problems of the commands refused, and the roles the others were decided in."""

    events: list[Event]
    state: ReportState
    problems: list[str]
    roles: set[str]


def _decide_all(
    store: EventStoreProtocol,
    actor: Actor,
    state: ReportState,
    commands: Sequence[tuple[str, ReportCommand]],
    source: str,
    now: datetime | None,
    progress: Callable[[int], None] | None,
    done_before: int = 0,
) -> _Decided:
    """Decide ``commands`` one after the other on ``state``; every refusal listed by its
    place. A refused opening, or a report past the scheme's item limit, ends the check at
    once (DocumentRejected): nothing after it can apply."""
    decided = _Decided([], state, [], set())
    for done, (where, command) in enumerate(commands, start=done_before + 1):
        if progress is not None:
            progress(done)
        try:
            one = decision(decided.state, command, actor, _report_context(store, command, now))
        except DomainError as error:
            if isinstance(command, OpenReport):
                # Nothing after a failed open can apply: report the cause alone.
                raise DocumentRejected(source, [f"{where}: {error}"]) from None
            decided.problems.append(f"{where}: {error}")
            if isinstance(error, TooManyItems):
                # Every later addition would be refused the same way: one line says it all.
                decided.problems.append(f"{where}: the rest of {source} was not checked")
                raise DocumentRejected(source, decided.problems) from None
            continue
        decided.roles.add(one.role)
        decided.events.extend(one.events)
        decided.state = one.state
    return decided


def execute_reports_as(
    store: EventStoreProtocol,
    actor: Actor,
    reports: Sequence[Sequence[tuple[str, ReportCommand]]],
    *,
    source: str = "commands",
    correlation_id: str | None = None,
    now: datetime | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> list[RecordedEvent]:
    """Decide the commands of several reports (a workbook's 整体 report and its projects'),
    each on its own stream, as one change: all recorded in one transaction, or none.

    Each report's commands are decided as :func:`execute_all_as` decides them; every
    command refused, in any report, is listed by its place in one DocumentRejected and
    nothing is appended. Another writer's append meanwhile means deciding them all again,
    as for one report.
    """
    streams: list[str] = []
    for commands in reports:
        found = {report_stream(c.department, c.year, c.project_code) for _, c in commands}
        if len(found) != 1:
            raise InvalidValue(
                f"{source} reports", ", ".join(sorted(found)) or "none", "commands on one report"
            )
        streams.extend(found)
    if len(set(streams)) != len(streams):
        raise InvalidValue(f"{source} reports", ", ".join(streams), "each report once")
    label = ", ".join(streams)

    def attempt() -> list[RecordedEvent]:
        problems, appends, roles, done = [], [], set(), 0
        for stream_id, commands in zip(streams, reports, strict=True):
            loaded = load_report_stream(store, stream_id)
            decided = _decide_all(store, actor, loaded.state, commands, source, now, progress, done)
            done += len(commands)
            problems.extend(decided.problems)
            roles |= decided.roles
            appends.append(StreamAppend(stream_id, loaded.version, decided.events))
        if problems:
            raise DocumentRejected(source, problems)
        if dry_run or not any(part.events for part in appends):
            return []
        metadata = command_metadata(actor.user_id, "+".join(sorted(roles)), correlation_id, None)
        written = store.append_streams(appends, metadata=metadata)
        return [record for part in written for record in part]

    return until_recorded(label, None, attempt)


def execute_as(
    store: EventStoreProtocol,
    actor: Actor,
    command: ReportCommand,
    *,
    expected_version: int | None = None,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    now: datetime | None = None,
    loaded: LoadedReport | None = None,
    current: bool = False,
    recorded: Callable[[LoadedReport], None] | None = None,
) -> list[RecordedEvent]:
    """Decide a report command for an actor the caller has authenticated itself, and append
    its events: every rule of :func:`workflow.service.execute` after authentication.

    For a face that keeps its own proof of identity, such as the server's sessions, which
    hold no token: it builds ``actor`` from the user's current stream (grants as they are
    now). Administration stays behind :func:`workflow.service.execute` and a token.
    ``loaded``: the report already folded from the log (``current``: to its end, by this
    request, just before); ``recorded``: told the report as the command left it (see
    :func:`run_report_command`).
    """
    if not isinstance(command, ReportCommand):
        raise TypeError(f"command: got {type(command).__name__}, expected a report command")
    return run_report_command(
        store,
        actor,
        command,
        expected_version=expected_version,
        correlation_id=correlation_id,
        causation_id=causation_id,
        now=now,
        loaded=loaded,
        current=current,
        recorded=recorded,
    )


def record_rendering(
    store: EventStoreProtocol,
    department: str,
    year: int,
    *,
    revision: int,
    artifacts: Sequence[Artifact],
    correlation_id: str | None = None,
    causation_id: str | None = None,
    project: str | None = None,
) -> list[RecordedEvent]:
    """The render worker records a revision's artifacts as the ``system`` actor.

    Idempotent: once the revision is rendered, a repeat records nothing and returns [].
    A reopened report makes the message stale: StaleRevision.
    """
    command = RecordRendering(
        department=department,
        year=year,
        project_code=project,
        revision=revision,
        artifacts=tuple(artifacts),
    )
    return run_report_command(
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
    project: str | None = None,
) -> list[RecordedEvent]:
    """The render worker records a failed attempt of a revision as the ``system`` actor.

    Idempotent per revision and attempt: a repeat of an attempt already recorded, a failure
    after the worker gave up, or one after another attempt rendered the revision records
    nothing and returns []. A reopened report makes the message stale: StaleRevision.
    """
    command = RecordRenderFailure(
        department=department,
        year=year,
        project_code=project,
        revision=revision,
        formats=tuple(formats),
        reason=reason,
        attempt=attempt,
        final=final,
    )
    return run_report_command(
        store,
        SYSTEM_ACTOR,
        command,
        expected_version=None,
        correlation_id=correlation_id,
        causation_id=causation_id,
        now=None,
    )
