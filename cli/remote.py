"""The role commands as a client of a jixiao server (``--server URL``): the JSON API over HTTP,
authenticated with ``Authorization: Bearer USER:TOKEN``; the database is never opened.

The server applies every rule, the read rule included, and answers a refusal with its one
line (``{"error": …}``), which is printed as in direct mode. What the commands print comes
from the server's answers, put in the shape ``--json`` prints in direct mode.
"""

from __future__ import annotations

import dataclasses
import json
import re
import typing
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from cli.backend import Located, Replayed, TrailQuery
from cli.context import credentials
from cli.failures import fail, reported_errors
from workflow.errors import DocumentRejected, DomainError

if TYPE_CHECKING:
    import httpx

    from workflow.commands import ReportCommand

#: Seconds to wait for a connection, and for an answer (a year's replay or a full
#: verification may take minutes on a large log).
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 900.0
#: The report's own fields, which the API takes from the path.
_IN_PATH = ("department", "year", "project_code")


class ServerRefusal(DomainError):
    """A refusal the server answered with: its one line, and the problems it lists."""

    def __init__(self, message: str, problems: Sequence[str] = (), field: str | None = None):
        super().__init__(message)
        self.problems = list(problems)
        self.field = field
        # The server sends "<headline>: <problem>; <problem>…"; the CLI prints the headline
        # and then one problem a line, as in direct mode.
        listed = ": " + "; ".join(self.problems)
        text = str(self)
        self.headline = text.removesuffix(listed) if self.problems else text


def command_name(command: type[ReportCommand]) -> str:
    """The API's name of a command class: ``SetInitialBudget`` → ``set-initial-budget``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", command.__name__).lower()


def _plain(value: Any, *, amount: bool = False) -> Any:
    """A command's field as JSON: tuples as lists, dates as text, amounts as typed text."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    if amount and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def command_body(command: ReportCommand) -> dict[str, Any]:
    """The JSON body of ``command``: its fields less the report's, amounts as text."""
    hints = typing.get_type_hints(type(command))
    return {
        field.name: _plain(
            getattr(command, field.name), amount=Decimal in typing.get_args(hints[field.name])
        )
        for field in dataclasses.fields(command)
        if field.name not in _IN_PATH
    }


def _times(rows: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    """``rows`` with the times at ``keys`` read back from their ISO 8601 text."""
    for row in rows:
        for key in keys:
            if isinstance(row.get(key), str):
                row[key] = datetime.fromisoformat(row[key])
    return rows


def _report_path(department: str, year: int, project: str | None = None) -> str:
    path = f"/api/v1/reports/{quote(department, safe='')}/{year}"
    if project is not None:
        path += f"/projects/{quote(project, safe='')}"
    return path


def _listed_project(row: dict[str, Any]) -> dict[str, Any]:
    """A 项目支出 report under its department in the API's overview, as `report overview
    --json` lists it in direct mode (``ReportRow.listed``)."""
    from workflow.streams import report_stream_parts

    parts = report_stream_parts(row["report"])
    return {
        "report": row["report"],
        "department": row["department"],
        "project": parts[2] if parts is not None else None,
        "project_name": row.get("project_name"),
        "name": row["department_name"],
        "year": row["year"],
        "revision": row["revision"],
        "stage": row["stage"],
        **row["figures"],
        "last_actor": row["last_actor"],
        "last_activity": row["last_activity"],
    }


def _located_body(located: Sequence[Located]) -> list[dict[str, Any]]:
    """Commands as an import's body lists them: where each came from, its name, its fields."""
    return [
        {"where": where, "command": command_name(type(c)), "body": command_body(c)}
        for where, c in located
    ]


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


class RemoteBackend:
    """The operations of :class:`cli.backend.Backend` through the server at ``server``."""

    def __init__(self, server: str) -> None:
        parts = urlsplit(server)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise fail(
                f"--server: got {server!r}, expected the URL of a jixiao server, such as "
                "https://jixiao.example.gov.cn or http://127.0.0.1:8000"
            )
        self.server = server.rstrip("/")

    # --- HTTP -------------------------------------------------------------------------

    def _authorization(self) -> bytes:
        from workflow.users import USER_ID

        caller = credentials()
        token = caller.token
        if not USER_ID.match(caller.user_id) or not (token.isascii() and token.isprintable()):
            # No such user or token can exist: refused as the server would, without asking.
            raise fail(
                f"user {caller.user_id!r}: unknown user or token, expected a current token "
                "issued to this user"
            )
        return f"Bearer {caller.user_id}:{caller.token}".encode("ascii")

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | list[tuple[str, Any]] | None = None,
        body: Any = None,
        content: bytes | None = None,
        keep_refusals: bool = False,
    ) -> Any:
        """The JSON the server answers ``method path`` with. Its refusal is printed as in
        direct mode and ends the command (or, ``keep_refusals``, raised as a ServerRefusal);
        a server that cannot be reached is refused in one line."""
        import httpx

        # Bytes throughout: the authorization is sent as typed, never re-encoded.
        headers: dict[bytes, bytes] = {
            b"Authorization": self._authorization(),
            b"Accept": b"application/json",
        }
        if isinstance(params, dict):
            params = {k: v for k, v in params.items() if v is not None}
        elif params is not None:
            params = [(k, v) for k, v in params if v is not None]
        timeout = httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT)
        try:
            with httpx.Client(base_url=self.server, timeout=timeout) as client:
                if content is not None:
                    headers[b"Content-Type"] = b"application/octet-stream"
                response = client.request(
                    method, path, params=params, json=body, content=content, headers=headers
                )
        except httpx.TransportError as error:
            reason = _one_line(str(error)) or type(error).__name__
            raise fail(
                f"server: got {self.server!r}, could not connect ({reason}); expected a "
                "running jixiao serve"
            ) from None
        if keep_refusals:
            return self._answer(response)
        with reported_errors():
            return self._answer(response)

    def _answer(self, response: httpx.Response) -> Any:
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.is_success and data is not None:
            return data
        if isinstance(data, dict) and isinstance(data.get("error"), str):
            problems = [str(p) for p in data.get("problems") or ()]
            raise ServerRefusal(data["error"], problems, data.get("field"))
        raise fail(
            f"server: got {response.status_code} {response.reason_phrase} from "
            f"{response.request.url.copy_with(query=None)}, expected an answer of the jixiao API "
            "(is it a jixiao serve?)"
        )

    # --- commands ---------------------------------------------------------------------

    def execute(self, command: ReportCommand) -> dict[str, Any]:
        """Post ``command`` to its endpoint; what was recorded."""
        from workflow.commands import ReportCommand as Report

        if not isinstance(command, Report):
            raise fail(
                f"{type(command).__name__}: runs on the server's machine, with --db; "
                f"got --server {self.server}"
            )
        path = f"{_report_path(command.department, command.year, command.project_code)}/commands/"
        return self._request("POST", path + command_name(type(command)), body=command_body(command))

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
        """Post every command to the report's command list, as one change (or a check)."""
        first = located[0][1]
        path = f"{_report_path(first.department, first.year, first.project_code)}/commands"
        body = {"commands": _located_body(located)}
        summary = self._post_import(path, body, source, dry_run, earlier_problems)
        if progress is not None:
            progress(len(located))
        return summary

    def import_reports(
        self,
        reports: Sequence[Sequence[Located]],
        *,
        source: str,
        dry_run: bool,
        earlier_problems: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Post every report's commands to the department-year's imports, as one change."""
        first = reports[0][0][1]
        path = f"{_report_path(first.department, first.year)}/imports"
        body = {
            "reports": [
                {"project": located[0][1].project_code, "commands": _located_body(located)}
                for located in reports
            ]
        }
        return self._post_import(path, body, source, dry_run, earlier_problems)

    def _post_import(
        self,
        path: str,
        body: dict[str, Any],
        source: str,
        dry_run: bool,
        earlier_problems: Sequence[str],
    ) -> dict[str, Any]:
        """Post an import (or its check); the problems found reading the file first, then
        every command the server refused, as one DocumentRejected."""
        body = {"source": source, "check": dry_run or bool(earlier_problems), **body}
        try:
            summary: dict[str, Any] = self._request("POST", path, body=body, keep_refusals=True)
        except ServerRefusal as refused:
            if refused.field != "commands" or not refused.problems:
                raise
            raise DocumentRejected(source, [*earlier_problems, *refused.problems]) from None
        if earlier_problems:
            raise DocumentRejected(source, list(earlier_problems))
        return summary

    # --- reads ------------------------------------------------------------------------

    def view(
        self, department: str, year: int, revision: int | None, project: str | None = None
    ) -> dict[str, Any]:
        """The report's view."""
        path = _report_path(department, year, project)
        return self._request("GET", path, params={"revision": revision})

    def report_file(self, department: str, year: int, project: str | None = None) -> dict[str, Any]:
        """The report as a report file."""
        return self._request("GET", f"{_report_path(department, year, project)}/file")

    def reports(self, year: int | None, stage: str | None) -> list[dict[str, Any]]:
        """The reports the caller may read."""
        rows = self._request("GET", "/api/v1/reports", params={"year": year, "stage": stage})
        return _times(rows, "last_activity")

    def overview(self, year: int, stage: str | None) -> list[dict[str, Any]]:
        """The year's departments the caller follows, as `report overview --json` lists them."""
        rows = self._request("GET", f"/api/v1/years/{year}/overview", params={"stage": stage})
        listed = [
            {
                "department": r["department"],
                "name": r["department_name"],
                "revision": r["revision"],
                "stage": r["stage"],
                **r["figures"],
                "last_actor": r["last_actor"],
                "last_activity": r["last_activity"],
                "note": r["note"],
                "reminder": r.get("reminder"),
                "projects": _times(
                    [_listed_project(p) for p in r.get("projects", ())], "last_activity"
                ),
            }
            for r in rows
        ]
        return _times(listed, "last_activity")

    def me(self) -> dict[str, Any]:
        """The caller, as the server signs them in."""
        answer: dict[str, Any] = self._request("GET", "/api/v1/me")
        return answer

    def inbox(self) -> list[dict[str, Any]]:
        """What waits for the caller, as `review inbox --json` lists it."""
        items = _times(self._request("GET", "/api/v1/inbox"), "waiting_since")
        for item in items:
            item.pop("waited_days", None)
            item["waited"] = timedelta(seconds=item["waited"])
            if isinstance(item.get("deadline"), str):
                item["deadline"] = date.fromisoformat(item["deadline"])
        return items

    def trail(self, query: TrailQuery) -> list[dict[str, Any]]:
        """The audit trail, checked against the log by the server."""
        params = {
            "by": query.by,
            "since": query.since,
            "until": query.until,
            "item": query.item,
            "limit": query.limit,
        }
        if query.department is not None and query.year is not None:
            path = f"{_report_path(query.department, query.year, query.project)}/trail"
        else:
            path, params["year"] = "/api/v1/trail", query.year
        return _times(self._request("GET", path, params=params), "recorded_at")

    def as_of(
        self,
        department: str,
        year: int,
        moment: str,
        when: datetime | int,
        project: str | None = None,
    ) -> dict[str, Any]:
        """The report at a moment."""
        path = f"{_report_path(department, year, project)}/as-of"
        found = self._request("GET", path, params={"moment": moment})
        return _times([found], "recorded_at")[0]

    def diff(
        self,
        department: str,
        year: int,
        since: tuple[str, datetime | int],
        until: tuple[str, datetime | int],
        project: str | None = None,
    ) -> dict[str, Any]:
        """The changes between two moments."""
        from cli.moments import later, reversed_moments

        if later(since[1], until[1]):  # refused here, as a usage error, like in direct mode
            raise reversed_moments(since[0], until[0])
        path = f"{_report_path(department, year, project)}/diff"
        return self._request("GET", path, params={"since": since[0], "until": until[0]})

    def verify(self, anchors: Sequence[tuple[int, str]], chain_only: bool) -> dict[str, Any]:
        """The server's verification of its log."""
        params = [("expect", f"{position}:{digest}") for position, digest in anchors]
        params.append(("chain_only", "true" if chain_only else "false"))
        return self._request("GET", "/api/v1/verify", params=params)

    def replay(self, year: int, prepare: Callable[[], None]) -> Replayed:
        """The server's replay of a year; its change log written here."""
        from events.verify import ChainReport

        prepare()
        answer = self._request("GET", f"/api/v1/years/{year}/replay")
        data, csv_text = answer["replay"], answer["csv"]
        chain = ChainReport(**data["chain"], head_hash=answer.get("head_hash"))

        def write_json(out: IO[str]) -> None:
            # As projections.replay.write_json writes it.
            json.dump(data, out, ensure_ascii=False, indent=1)
            out.write("\n")

        def write_csv(out: IO[str]) -> None:
            out.write(csv_text)

        return Replayed(data, chain, write_json, write_csv)

    def artifact(self, path: Path) -> dict[str, Any]:
        """The server's check of the file at ``path`` (sent to it), and of the rendering's
        other files where its worker wrote them, else beside ``path`` here."""
        from worker.artifact_files import sha256_of

        try:
            content = path.read_bytes()
        except OSError as error:
            raise fail(f"file: {path}: {error.strerror or error}") from None
        found = self._request(
            "POST", "/api/v1/artifacts/check", params={"name": str(path)}, content=content
        )
        for check in found["checks"]:
            if check["file_matches"] is not None:
                continue
            # Not found where the worker wrote it: looked for beside the given file, here.
            recorded = Path(check["path"])
            beside = path.parent / recorded.name
            looked = " and ".join(dict.fromkeys((str(recorded), str(beside))))
            problems = [p for p in check["problems"] if not p.startswith("not found (")]
            if beside.is_file():
                digest = sha256_of(beside)
                check["file_matches"] = digest == check["sha256"]
                check["checked_path"] = str(beside)
                if not check["file_matches"]:
                    recorded_digest = check["sha256"]
                    problems.insert(
                        0, f"{beside}: SHA-256 {digest}, the event recorded {recorded_digest}"
                    )
            else:
                problems.insert(0, f"not found (looked at {looked})")
            check["problems"] = problems
        found["ok"] = all(
            c["file_matches"] is not False and c["rerender_matches"] is not False
            for c in found["checks"]
        )
        return found
