"""Where the role commands go: to the database itself, or to a jixiao server (``--server``).

A preparer or reviewer in a deployment holds a server's URL and a token, never a database
URL: with ``--server`` every report, review and audit command is a client of the server's
JSON API (cli.remote), and without it the same operations run on the database (cli.direct).
The backend is chosen once from the settings; the commands call the same operations
either way and print what they get back, which is exactly what ``--json`` prints.
Administration (``admin``, ``projections``, ``worker``, ``serve``, ``demo``) works on the
database only and is refused with ``--server`` (cli.app).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from events.verify import ChainReport
    from workflow.commands import ReportCommand

#: A command with where it came from (``indicators[3].actual``, a spreadsheet cell).
Located = tuple[str, "ReportCommand"]


@dataclass(frozen=True)
class TrailQuery:
    """The filters of `jixiao audit trail`, checked: times as typed and as parsed."""

    department: str | None = None
    year: int | None = None
    #: With department and year: one of their 项目支出 reports.
    project: str | None = None
    by: str | None = None
    since: str | None = None
    since_at: datetime | None = None
    until: str | None = None
    until_at: datetime | None = None
    item: str | None = None
    item_kind: str | None = None
    item_id: str | None = None
    limit: int | None = None


@dataclass(frozen=True)
class Replayed:
    """A year's replay as `audit replay` writes it: its data (the chain's and snapshots'
    verdicts, the change log, the timelines), the chain's report, and writers of the JSON
    and CSV files (each given an open text file)."""

    data: dict[str, Any]
    chain: ChainReport
    write_json: Callable[[IO[str]], None]
    write_csv: Callable[[IO[str]], None]

    @property
    def ok(self) -> bool:
        """Whether the chain held and every snapshot matched its events."""
        return bool(self.data["chain"]["ok"]) and not self.data["snapshots"]["mismatched"]


class Backend(Protocol):
    """The operations the role commands need, on the database or through a server.

    Each answers with plain data (what ``--json`` prints; times as datetimes) or refuses
    with a domain error, which the command prints as its one line (cli.failures).
    """

    def execute(self, command: ReportCommand) -> dict[str, Any]:
        """Execute a report command as the caller; what was recorded (and a submission's
        notices), as :func:`cli.context.recorded_summary` gives it."""
        ...

    def import_commands(
        self,
        located: Sequence[Located],
        *,
        source: str,
        department_field: str,
        dry_run: bool,
        earlier_problems: Sequence[str] = (),
        progress: Callable[[int], None] | None = None,
    ) -> dict[str, Any]:
        """Record a whole report's commands as one change (all or none), or with
        ``dry_run`` check them only; DocumentRejected lists ``earlier_problems`` (those
        found reading the file) and every command refused, by place."""
        ...

    def import_reports(
        self,
        reports: Sequence[Sequence[Located]],
        *,
        source: str,
        dry_run: bool,
        earlier_problems: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Record several reports' commands (a workbook's sheets) as one change: all of them
        or none; with ``dry_run`` check them only. DocumentRejected lists
        ``earlier_problems`` and every command refused, in any report, by place."""
        ...

    def view(
        self, department: str, year: int, revision: int | None, project: str | None = None
    ) -> dict[str, Any]:
        """The report's view (the latest revision unless one is named); a 项目支出 report's
        with ``project``, as in every read of one report below."""
        ...

    def report_file(self, department: str, year: int, project: str | None = None) -> dict[str, Any]:
        """The report's content as a jixiao-report document, every cell as typed."""
        ...

    def reports(self, year: int | None, stage: str | None) -> list[dict[str, Any]]:
        """The reports the caller may read, with their stage and headline figures."""
        ...

    def overview(self, year: int, stage: str | None) -> list[dict[str, Any]]:
        """The year's departments the caller follows."""
        ...

    def inbox(self) -> list[dict[str, Any]]:
        """What waits for the caller."""
        ...

    def me(self) -> dict[str, Any]:
        """The caller, signed in: user id, name and the roles they hold."""
        ...

    def trail(self, query: TrailQuery) -> list[dict[str, Any]]:
        """The audit trail of the reports the caller may read, filtered."""
        ...

    def as_of(
        self,
        department: str,
        year: int,
        moment: str,
        when: datetime | int,
        project: str | None = None,
    ) -> dict[str, Any]:
        """The report as it was at a moment: a time or a log position, as typed and parsed."""
        ...

    def diff(
        self,
        department: str,
        year: int,
        since: tuple[str, datetime | int],
        until: tuple[str, datetime | int],
        project: str | None = None,
    ) -> dict[str, Any]:
        """The report's fields that changed between two moments, each as typed and parsed."""
        ...

    def verify(self, anchors: Sequence[tuple[int, str]], chain_only: bool) -> dict[str, Any]:
        """The log's verification as `audit verify --json` prints it."""
        ...

    def replay(self, year: int, prepare: Callable[[], None]) -> Replayed:
        """The replay of a fiscal year (auditors and administrators of every department);
        ``prepare`` (the output files' checks) runs before the replay, once it can start."""
        ...

    def artifact(self, path: Path) -> dict[str, Any]:
        """A rendered file traced to its events and checked, as `audit artifact --json`
        prints it."""
        ...


def backend() -> Backend:
    """The server named by --server (JIXIAO_SERVER), else the database."""
    from cli.context import settings

    server = settings().server
    if server:
        from cli.remote import RemoteBackend

        return RemoteBackend(server)
    from cli.direct import DirectBackend

    return DirectBackend()
