"""The role commands on the database itself (no --server): the application services and the
projections, with the caller authenticated from --user and --token (cli.backend)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.backend import Located, Replayed, TrailQuery
from cli.context import (
    answered_from_read_models,
    answered_from_the_log,
    credentials,
    naming_unknown_department,
    open_store,
    readable_state,
    reader,
    recorded_summary,
    require_department,
    require_everything,
    require_readable,
    unreadable,
)
from cli.failures import fail, reported_errors
from cli.moments import check_position, later, reversed_moments

if TYPE_CHECKING:
    from events.driver import LogReader
    from events.protocol import LogReads, LogWalk
    from projections.at_head import Rows
    from projections.verification import LogVerification
    from workflow.commands import ReportCommand
    from workflow.roles import Actor


class DirectBackend:
    """The operations of :class:`cli.backend.Backend` on the database at --db."""

    def execute(self, command: ReportCommand) -> dict[str, Any]:
        """Execute ``command`` as the caller; a submission's notices with it."""
        from workflow.checks import submission_notices
        from workflow.commands import ReportCommand, SubmitReport
        from workflow.service import execute, load_report

        caller = credentials()
        store = open_store()
        notices = None
        state = None
        with reported_errors(), naming_unknown_department(store, command):
            events = execute(store, caller, command)
            if isinstance(command, ReportCommand):
                state = load_report(
                    store, command.department, command.year, project=command.project_code
                ).state
            if isinstance(command, SubmitReport) and state is not None:
                notices = submission_notices(state)
        summary = recorded_summary(events, state)
        if notices is not None:
            summary["notices"] = list(notices)
        if state is not None and "ReportSignedOff" in summary["events"]:
            from worker.pickup import rendering_note

            summary["rendering"] = rendering_note(store, events[-1].stream_id, state.revision)
        return summary

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
        """Record (or check) a report's commands as one change."""
        from workflow.errors import DocumentRejected, UnknownItem
        from workflow.service import execute_all, load_report

        caller = credentials()
        store = open_store()
        try:
            events = execute_all(
                store,
                caller,
                located,
                source=source,
                dry_run=dry_run or bool(earlier_problems),
                progress=progress,
            )
        except DocumentRejected as rejected:
            try:
                require_department(store, located[0][1].department, department_field)
            except UnknownItem as unknown:
                raise DocumentRejected(source, [str(unknown)]) from None
            raise DocumentRejected(source, [*earlier_problems, *rejected.problems]) from None
        if earlier_problems:
            raise DocumentRejected(source, list(earlier_problems))
        first = located[0][1]
        state = load_report(store, first.department, first.year, project=first.project_code).state
        return recorded_summary(events, state)

    def import_reports(
        self,
        reports: Sequence[Sequence[Located]],
        *,
        source: str,
        dry_run: bool,
        earlier_problems: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Record (or check) several reports' commands as one change."""
        from workflow.errors import DocumentRejected
        from workflow.service import authenticate, execute_reports_as

        caller = credentials()
        store = open_store()
        with reported_errors():
            actor = authenticate(store, caller).actor()
        try:
            events = execute_reports_as(
                store,
                actor,
                reports,
                source=source,
                dry_run=dry_run or bool(earlier_problems),
            )
        except DocumentRejected as rejected:
            raise DocumentRejected(source, [*earlier_problems, *rejected.problems]) from None
        if earlier_problems:
            raise DocumentRejected(source, list(earlier_problems))
        return recorded_summary(events)

    def view(
        self, department: str, year: int, revision: int | None, project: str | None = None
    ) -> dict[str, Any]:
        """The report's view, if the caller may read it."""
        from projections import at_head
        from workflow.streams import report_label, report_stream

        def answer(rows: Rows, log: LogReads, actor: Actor) -> dict[str, Any]:
            with reported_errors():
                # A malformed code is named, not "not found".
                report_stream(department, year, project)
                found = at_head.readable_document(rows, actor, department, year, revision, project)
            if found is None:
                which = f" revision {revision}" if revision else ""
                raise fail(
                    f"report {report_label(department, year, project)}{which}: not found, "
                    "expected an opened report"
                )
            return found

        return answered_from_read_models(answer)

    def report_file(self, department: str, year: int, project: str | None = None) -> dict[str, Any]:
        """The report's content as a report file, if the caller may read it."""
        from workflow.report_export import state_document
        from workflow.service import load_report
        from workflow.streams import report_label

        def answer(log: LogReads) -> dict[str, Any]:
            actor = reader(log)
            with reported_errors():
                state = load_report(log, department, year, project=project).state
            # Judged on the state just folded: folding the stream again would read the
            # same events in the same read transaction.
            if not state.report or not readable_state(actor, state):
                raise fail(
                    f"report {report_label(department, year, project)}: not found, "
                    "expected an opened report"
                )
            return state_document(state)

        return answered_from_the_log(answer)

    def reports(self, year: int | None, stage: str | None) -> list[dict[str, Any]]:
        """The reports the caller may read."""
        from projections import at_head

        def answer(rows: Rows, log: LogReads, actor: Actor) -> list[at_head.ReportRow]:
            if year is not None:
                _require_opened_year(rows, year, "--year")
            with reported_errors():
                return at_head.visible_reports(rows, actor, year=year, stage=stage)

        return [r.listed() for r in answered_from_read_models(answer)]

    def overview(self, year: int, stage: str | None) -> list[dict[str, Any]]:
        """The year's departments the caller follows."""
        from projections import at_head

        def answer(rows: Rows, log: LogReads, actor: Actor) -> list[at_head.OverviewRow]:
            _require_opened_year(rows, year, "year")
            with reported_errors():
                return at_head.visible_overview(rows, actor, year, stage=stage)

        return [
            {
                "department": r.department,
                "name": r.department_name,
                "revision": r.revision,
                "stage": r.stage,
                **r.figures,
                "last_actor": r.last_actor,
                "last_activity": r.last_activity,
                "note": r.note,
                "reminder": r.reminder,
                "projects": [p.listed() for p in r.projects],
            }
            for r in answered_from_read_models(answer)
        ]

    def inbox(self) -> list[dict[str, Any]]:
        """What waits for the caller."""
        from projections import at_head

        def answer(rows: Rows, log: LogReads, actor: Actor) -> list[at_head.InboxItem]:
            with reported_errors():
                return at_head.inbox(rows, actor.user_id)

        items = answered_from_read_models(answer)
        return [
            {**{name: getattr(i, name) for name in i.__slots__}, "project": i.project}
            for i in items
        ]

    def me(self) -> dict[str, Any]:
        """The caller, signed in with their token."""
        from workflow.service import authenticate

        caller = credentials()
        store = open_store()
        with reported_errors():
            user = authenticate(store, caller)
        return {
            "user": user.user_id,
            "name": user.name,
            "grants": [grant.describe() for grant in user.grants],
        }

    def trail(self, query: TrailQuery) -> list[dict[str, Any]]:
        """The audit trail, each event checked against the log first."""
        from projections import at_head, trail_query

        department, year, project = query.department, query.year, query.project

        def answer(rows: Rows, log: LogReads, actor: Actor) -> list[trail_query.AuditEntry]:
            if department is not None and year is not None:
                _require_report(log, department, year, project)
                if not at_head.readable(rows, actor, department, year, project):
                    raise unreadable(actor, department, year, project)
            with reported_errors():
                return trail_query.checked_audit_trail(
                    rows,
                    log,
                    department=department,
                    year=year,
                    project=project,
                    user=query.by,
                    since=query.since_at,
                    until=query.until_at,
                    item_kind=query.item_kind,
                    item_id=query.item_id,
                    limit=query.limit,
                    reports=at_head.readable_report_ids(rows, actor),
                )

        entries = answered_from_read_models(answer)
        return [{name: getattr(e, name) for name in e.__slots__} for e in entries]

    def as_of(
        self,
        department: str,
        year: int,
        moment: str,
        when: datetime | int,
        project: str | None = None,
    ) -> dict[str, Any]:
        """The report at ``when`` (``moment`` as typed)."""
        from projections.history import report_as_of
        from workflow.streams import report_label

        def answer(log: LogReads) -> dict[str, Any]:
            actor = reader(log)
            _require_report(log, department, year, project)
            require_readable(log, actor, department, year, project)
            _require_positions(log, moment=(moment, when))
            with reported_errors():
                found = report_as_of(log, department, year, when, project)
            view = found.view()
            if view is None:
                raise fail(
                    f"report {report_label(department, year, project)} at {moment}: not "
                    "opened yet, expected a later moment"
                )
            return {
                "version": found.version,
                "position": found.position,
                "recorded_at": found.recorded_at,
                "view": view,
            }

        return answered_from_the_log(answer)

    def diff(
        self,
        department: str,
        year: int,
        since: tuple[str, datetime | int],
        until: tuple[str, datetime | int],
        project: str | None = None,
    ) -> dict[str, Any]:
        """The changes between two moments, each as typed and as parsed."""
        from projections.history import report_diff

        def answer(log: LogReads) -> dict[str, Any]:
            actor = reader(log)
            _require_report(log, department, year, project)
            require_readable(log, actor, department, year, project)
            _require_positions(log, since=since, until=until)
            if later(since[1], until[1]):
                raise reversed_moments(since[0], until[0])
            with reported_errors():
                found = report_diff(log, department, year, since[1], until[1], project)
            if found.before.version > found.after.version:  # a position against a time
                raise reversed_moments(since[0], until[0])
            return {
                "since": {"version": found.before.version, "position": found.before.position},
                "until": {"version": found.after.version, "position": found.after.position},
                "changes": [
                    {"path": c.path, "before": c.before, "after": c.after} for c in found.changes
                ],
            }

        return answered_from_the_log(answer)

    def verify(self, anchors: Sequence[tuple[int, str]], chain_only: bool) -> dict[str, Any]:
        """The chain walked, then (unless ``chain_only``) snapshots and read models compared
        with a fold of the log; ``anchors`` checked. Through the database driver alone, the
        read models folded in memory (:func:`projections.folded.verify_folded`), when it can
        open the database (:func:`cli.context.answered_quickly`); else through the SQL
        store, into a scratch database (:func:`projections.integrity.verify_log`)."""
        from cli import context
        from projections.verification import LogVerification

        def checked(log: LogWalk, fold: Callable[..., LogVerification]) -> dict[str, Any]:
            from cli.progress import progress_bar
            from events.verify import check_anchor

            with reported_errors():
                if chain_only:
                    found = LogVerification(log.verify())
                else:
                    with progress_bar("verifying the log", log.head_position()) as advance:
                        found = fold(progress=advance)
                problems = [
                    problem
                    for position, digest in anchors
                    if (
                        problem := check_anchor(
                            position, digest, log.hash_at(position), found.chain.head_position
                        )
                    )
                ]
            return found.as_data(anchors, problems, chain_only=chain_only)

        def quickly(log: LogReader) -> dict[str, Any]:
            from projections.folded import verify_folded

            return checked(log, partial(verify_folded, log))

        found = context.answered_quickly(quickly)
        if found is not None:
            return found
        from projections.integrity import verify_log

        store = context.open_store()
        return checked(store, partial(verify_log, store))

    def replay(self, year: int, prepare: Callable[[], None]) -> Replayed:
        """The year replayed from the log; ``prepare`` runs once the caller and the year
        are accepted, before the replay (which may take minutes). Read through the database
        driver alone when it can open the database (:func:`cli.context.answered_from_the_log`),
        else through the SQL store: the same walk of the chain and fold either way."""
        from cli.progress import progress_bar
        from projections.replay import YearReplay, replay_year, write_csv, write_json
        from workflow.administration import fiscal_year_stream_id

        prepared = False

        def answer(log: LogWalk) -> YearReplay:
            nonlocal prepared
            require_everything(reader(log), "replay a year")
            with reported_errors():
                opened = log.stream_version(fiscal_year_stream_id(year))
            if not opened:
                raise fail(
                    f"year: got {year}, expected a fiscal year that was opened "
                    "(`jixiao admin year open`); nothing written"
                )
            if not prepared:
                prepare()
                prepared = True
            with (
                reported_errors(),
                progress_bar(f"replaying {year}", log.head_position()) as advance,
            ):
                return replay_year(log, year, progress=lambda done, _head: advance(done))

        result = answered_from_the_log(answer)
        return Replayed(
            result.as_data(), result.chain, partial(write_json, result), partial(write_csv, result)
        )

    def artifact(self, path: Path) -> dict[str, Any]:
        """The rendering that recorded the file at ``path``, every file of it checked."""
        from worker.verify import UnknownArtifact, verify_file

        store = open_store()
        actor = reader(store)
        try:
            with reported_errors():
                found = verify_file(store, path)
        except UnknownArtifact as error:
            raise fail(f"{path}: {error}") from None
        from workflow.streams import report_stream_parts

        parts = report_stream_parts(found.report)
        assert parts is not None  # a rendering is recorded on a report stream
        require_readable(store, actor, *parts)
        return {
            "report": found.report,
            "revision": found.revision,
            "ok": found.ok,
            "checks": [
                {
                    "format": c.artifact.format,
                    "path": c.artifact.path,
                    "sha256": c.artifact.sha256,
                    "file_matches": c.file_matches,
                    "rerender_matches": c.rerender_matches,
                    "checked_path": c.checked_path,
                    "problems": list(c.problems),
                }
                for c in found.checks
            ],
        }


def _require_report(
    store: LogReads, department: str, year: int, project: str | None = None
) -> None:
    """Refuse a department and year (and project) with no report stream (no event at all)."""
    from workflow.streams import report_label, report_stream

    with reported_errors():
        version = store.stream_version(report_stream(department, year, project))
    if version == 0:
        if project is not None:
            raise fail(
                f"report {report_label(department, year, project)}: no such report, expected "
                f"a project whose {year} report was opened (see `jixiao report list -y {year}`)"
            )
        raise fail(
            f"report {department}/{year}: no such report, expected a department whose {year} "
            f"report was opened (see `jixiao report list -y {year}`)"
        )


def _require_positions(store: LogReads, **moments: tuple[str, datetime | int]) -> None:
    """Refuse any log position past the head of the log (times may lie in the future)."""
    with reported_errors():
        head = store.head_position()
    for field, (text, moment) in moments.items():
        check_position(moment, text, head, field=field)


def _require_opened_year(rows: Rows, year: int, field: str) -> None:
    """Refuse a fiscal year that was never opened (the overview's read model knows them all),
    naming those that were."""
    from projections.at_head import opened_years

    with reported_errors():
        opened = opened_years(rows)
    if year not in opened:
        which = ", ".join(map(str, opened)) or "none is yet: jixiao admin year open"
        raise fail(f"{field}: got {year}, expected an opened fiscal year ({which})")
