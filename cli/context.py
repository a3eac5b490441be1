"""Wiring the real store and the caller's credentials into the application services."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from cli.failures import fail, reported_errors
from cli.output import print_json, print_notices

if TYPE_CHECKING:
    from pathlib import Path

    import typer

    from events.driver import LogReader
    from events.model import RecordedEvent
    from events.protocol import LogReads, LogWalk, StreamReader
    from events.store import EventStore
    from projections.at_head import Rows
    from projections.migrations import Migration
    from workflow.report import ReportState
    from workflow.roles import Actor
    from workflow.service import Credentials

USAGE = 2

T = TypeVar("T")


@dataclass(frozen=True)
class Settings:
    """The global options: where the database and broker are (or the server that holds
    them), and who is calling."""

    db: str | None = None
    user: str | None = None
    token: str | None = field(default=None, repr=False)
    broker: str | None = None
    server: str | None = None


_given = Settings()


def use_settings(given: Settings) -> None:
    """Remember the root command's options for the command that runs after it."""
    global _given
    _given = given


def settings() -> Settings:
    """The settings given to the root command (options or environment variables)."""
    return _given


_stores: dict[str, EventStore] = {}


def open_store(*, create: bool = False) -> EventStore:
    """The event store at --db (or JIXIAO_DB, or the SQLite default), its schema current.

    Changes no schema (`admin init` and `admin migrate` do): a database that is not at
    the revisions this jixiao needs is refused in one line. A SQLite file that does not
    exist is refused unless ``create`` (`admin init`): a mistyped path would otherwise
    become a new, empty database that every read reports as a clean log. Opened once per
    database and process, so commands run in one process (the demo, the tests) share its
    connections.
    """
    import workflow  # noqa: F401  (the domain's event types, known to the registry)
    from events.database import database_url
    from events.store import EventStore
    from projections.migrations import REVISIONS

    if settings().server:
        # The backend (cli.backend) sends every command that may run with --server to the
        # server: reaching this is a command that must not, and it opens nothing.
        raise fail(
            f"--server: got {settings().server}, expected no server for a command that "
            "works on the database itself (run it with --db on the server's machine)"
        )
    url = database_url(settings().db)
    if url not in _stores:
        _check_url()
        if not create:
            _require_existing(settings().db)
        with reported_errors():
            _stores[url] = EventStore.open(url, revisions=REVISIONS)
    return _stores[url]


def migrate_database(*, create: bool = False) -> Migration:
    """Bring the database at --db to the latest schema (`admin init`, `admin migrate`).

    A SQLite file that does not exist is created only with ``create``.
    """
    from events.database import create_database_engine, database_url
    from projections.migrations import migrate

    _check_url()
    if not create:
        _require_existing(settings().db)
    with reported_errors():
        engine = create_database_engine(database_url(settings().db))
        try:
            return migrate(engine)
        finally:
            engine.dispose()


def _check_url() -> None:
    """The --db URL named as given (password hidden, port checked) when it is malformed."""
    from events.database import parse_database_url

    try:
        parse_database_url(settings().db)
    except ValueError as error:
        raise fail(str(error)) from None


def _require_existing(url: str | None) -> None:
    from events.database import database_url, sqlite_file

    path = sqlite_file(url)
    if path is not None and not path.exists():
        raise fail(
            f"database: got {database_url(url)!r}, no such file; expected an existing jixiao database "
            "(create one with `jixiao admin init`)"
        )


def database_files() -> list[Path]:
    """The files of the SQLite database in use, resolved: the database, its journals and
    the embedded broker's database beside it. Nothing jixiao writes may land on them."""
    from pathlib import Path

    from events.database import sqlite_file

    try:
        path = sqlite_file(settings().db)
    except ValueError:
        return []
    if path is None:
        return []
    files: list[Path] = []
    for database in (path, path.with_name(f"{path.stem}-broker.db")):
        files += [database, *(Path(f"{database}{end}") for end in ("-wal", "-shm", "-journal"))]
    return files


def credentials() -> Credentials:
    """The caller's credentials; a usage error naming what is missing."""
    from workflow.service import Credentials

    given = settings()
    if not given.user:
        raise fail("user: missing, expected --user or JIXIAO_USER", USAGE)
    if not given.token:
        raise fail(f"token for {given.user}: missing, expected --token or JIXIAO_TOKEN", USAGE)
    return Credentials(given.user, given.token)


def reader(store: StreamReader) -> Actor:
    """The caller of a read command, authenticated as for a command: a missing user or token
    is a usage error, an unknown user or a wrong token is refused in one line."""
    from workflow.service import authenticate

    caller = credentials()
    with reported_errors():
        return authenticate(store, caller).actor()


def readable(
    store: LogReads, actor: Actor, department: str, year: int, project: str | None = None
) -> bool:
    """Whether the report (the 项目支出 report of ``project`` if given) exists and ``actor``
    may read it (workflow.visibility)."""
    from workflow.service import load_report

    with reported_errors():
        state = load_report(store, department, year, project=project).state
    return readable_state(actor, state)


def readable_state(actor: Actor, state: ReportState) -> bool:
    """Whether ``actor`` may read the report in ``state`` (workflow.visibility), for a read
    that has folded the report already."""
    from workflow.visibility import ReportSummary, may_read

    return may_read(actor, ReportSummary.of(state))


def require_readable(
    store: LogReads, actor: Actor, department: str, year: int, project: str | None = None
) -> None:
    """Refuse a report the caller may not read, in the words used for one that does not
    exist, so that a read never tells another department's drafts apart from nothing."""
    if not readable(store, actor, department, year, project):
        raise unreadable(actor, department, year, project)


def unreadable(actor: Actor, department: str, year: int, project: str | None = None) -> typer.Exit:
    """The refusal of a report (the 项目支出 report of ``project`` if given) the caller may
    not read (or that does not exist): one message for both."""
    from workflow.streams import report_label

    return fail(
        f"report {report_label(department, year, project)}: not found, expected a report "
        f"user {actor.user_id} may read (their department's, or one submitted to the "
        "finance reviewers)"
    )


def require_everything(actor: Actor, what: str) -> None:
    """Refuse a read of the whole log (a year's replay) to anyone but an auditor or an
    administrator of every department."""
    from workflow.visibility import reads_everything

    if not reads_everything(actor):
        held = ", ".join(g.describe() for g in actor.grants) or "none"
        raise fail(
            f"user {actor.user_id} role: got {held}, expected auditor@* or admin@* to {what}"
        )


def recorded_summary(
    events: Sequence[RecordedEvent], state: ReportState | None = None
) -> dict[str, Any]:
    """What a command recorded, for `--json` and for the one-line confirmation
    (:func:`workflow.wording.recorded_summary`); ``state`` is the report after it."""
    from workflow.wording import recorded_summary as summary_of

    return summary_of(events, state)


def report_recorded(
    events: Sequence[RecordedEvent], as_json: bool, notices: Sequence[str] | None = None
) -> None:
    """Confirm what was recorded in one line (or as JSON), then any ``notices``: one
    ``notice:`` line each on stderr, or a ``notices`` list in the JSON."""
    summary = recorded_summary(events)
    if notices is not None:
        summary["notices"] = list(notices)
    print_recorded(summary, as_json)


def print_recorded(summary: dict[str, Any], as_json: bool) -> None:
    """Confirm a :func:`recorded_summary` in one line (or as JSON), then its notices, if it
    has any: one ``notice:`` line each on stderr, or the ``notices`` list in the JSON."""
    notices = summary.get("notices")
    if as_json:
        print_json(summary)
    elif summary.get("message"):
        from cli.output import shown

        print(shown(summary["message"]))
    elif not summary["recorded"]:
        # A server from before the confirmations (decision 0404) sends no message.
        print("nothing to record: the report already says so")
    else:
        kinds = ", ".join(dict.fromkeys(summary["events"]))
        print(
            f"recorded {summary['recorded']} event(s) on {summary['stream']} "
            f"(version {summary['version']}): {kinds}"
        )
    if summary.get("rendering") and not as_json:
        from cli.output import shown

        print(shown(summary["rendering"]))
    if notices and not as_json:
        print_notices(notices, file=sys.stderr)


def require_department(store: EventStore, code: str, field: str = "department") -> None:
    """UnknownItem naming ``field`` when no department ``code`` is registered."""
    from workflow.errors import UnknownItem
    from workflow.service import load_department

    if not load_department(store, code).registered:
        from workflow.service.directory import departments
        from workflow.suggest import did_you_mean

        codes = [d.code for d in departments(store)]
        raise UnknownItem(
            f"{field}: got {code!r}, expected a registered department code "
            "(jixiao admin department add)" + did_you_mean(code, codes)
        )


@contextmanager
def naming_unknown_department(store: EventStore, command: Any) -> Iterator[None]:
    """A refused report command on a department that does not exist says just that (not
    "role in department nope: got none"); an authentication failure is left as it is. The
    department is looked up only after a refusal, so accepted commands pay nothing."""
    from workflow.commands import ReportCommand
    from workflow.errors import AuthenticationFailed, DomainError

    try:
        yield
    except AuthenticationFailed:
        raise
    except DomainError:
        if isinstance(command, ReportCommand):
            require_department(store, command.department)
        raise


def run(command: Any, *, as_json: bool = False) -> dict[str, Any]:
    """Execute one command as the caller (on the database, or through the server with
    --server) and confirm what it recorded; the :func:`recorded_summary`."""
    from cli.backend import backend

    summary = backend().execute(command)
    print_recorded(summary, as_json)
    return summary


def caught_up_projections() -> EventStore:
    """The store, with every projection brought up to the head of the log first.

    Reads come from projections; with no projector running beside the embedded
    database, the command that reads applies what is new (usually nothing).
    """
    from cli.progress import progress_bar
    from projections.registry import projection_runner

    store = open_store()
    runner = projection_runner(store)
    with reported_errors():
        runner.setup()
        lag = store.head_position() - min(runner.positions().values(), default=0)
        if lag > 5000:
            with progress_bar("catching up projections", lag) as advance:
                runner.catch_up(progress=lambda done, head: advance(done))
        else:
            runner.catch_up()
    return store


def answered_from_read_models(answer: Callable[[Rows, LogReads, Actor], T]) -> T:
    """What ``answer`` gives, handed where to read the read models, the log itself and the
    caller, authenticated: through the database driver alone when the read models are
    already at the head of the log (:func:`answered_at_head`), else through the SQL store
    once they are brought up to date (:func:`caught_up_projections`). ``answer`` is the same
    code either way, so both paths check, refuse and answer alike."""
    found = answered_at_head(lambda log, actor: answer(log, log, actor))
    if found is not None:
        return found
    from projections.sql import EngineRows

    store = caught_up_projections()
    return answer(EngineRows(store.engine), store, reader(store))


def answered_at_head(answer: Callable[[LogReader, Actor], T]) -> T | None:
    """What ``answer`` gives for the caller, read from the read models through the database
    driver alone, when they are already at the head of the log (docs/decisions/0208).

    The caller is authenticated from their stream in the log, as every read does; the read
    models are used only when every projection's checkpoint, of this code's version, is at
    the log's head, in the same read transaction as the rows ``answer`` reads. None
    (``answer`` never returns None) when the full path must answer instead: the read models
    are behind (a catch-up is due), or :func:`answered_quickly` gives up.
    """
    from projections.at_head import at_head

    def checked(log: LogReader) -> T | None:
        if not at_head(log, log.head_position()):
            return None
        return answer(log, reader(log))

    return answered_quickly(checked)


def answered_quickly(answer: Callable[[LogReader], T | None]) -> T | None:
    """What ``answer`` gives, read in one read transaction through the database driver
    alone (:class:`events.driver.LogReader`, no SQLAlchemy). None when ``answer`` returns
    None or the full path must answer: a server is named, the URL is not one the driver
    alone opens, the schema is not at this jixiao's revisions, or the driver failed; that
    path names any problem as every command does."""
    from events.database import database_url
    from events.driver import LogReader
    from projections.migrations import REVISIONS

    if settings().server:
        return None  # open_store refuses it in its words
    log = LogReader.connect(database_url(settings().db))
    if log is None:
        return None
    try:
        if not set(REVISIONS) <= log.revisions():
            return None
        with log.snapshot():
            return answer(log)
    except log.errors:
        return None
    finally:
        log.close()


def answered_from_the_log(answer: Callable[[LogWalk], T]) -> T:
    """What ``answer`` gives read from the log itself (not the read models): through the
    database driver alone when :func:`answered_quickly` can, else through the SQL store
    (:func:`open_store`, which names any problem with the database). ``answer`` is the same
    code either way, so both paths fold, check and refuse alike."""
    found = answered_quickly(answer)
    return found if found is not None else answer(open_store())
