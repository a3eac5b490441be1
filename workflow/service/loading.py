"""Loading streams: a report folded from its log, and the administration streams a command
or a sign-in reads."""

from __future__ import annotations

from dataclasses import dataclass

from events.model import RecordedEvent
from events.protocol import EventStoreProtocol, LogReads, LogWalk
from workflow.administration import (
    DEPARTMENT_CODE,
    AdminState,
    DepartmentState,
    FiscalYearState,
    department_stream_id,
    fiscal_year_stream_id,
    fold_admin,
    fold_department,
    fold_fiscal_year,
)
from workflow.report import ReportState, fold, is_report_snapshot
from workflow.report_events import ProjectReportOpened
from workflow.service.folded import folded_states
from workflow.streams import report_stream, report_stream_id, report_stream_parts


@dataclass(frozen=True)
class LoadedReport:
    """A report's state and the stream version it reflects."""

    state: ReportState
    version: int


def load_report_stream(
    store: LogReads,
    stream_id: str,
    *,
    to_version: int | None = None,
    verified: bool = False,
) -> LoadedReport:
    """Fold a report stream from its first event, optionally up to ``to_version``.

    Snapshots are not read here: they are not chained, so a state started from one would
    carry whatever the snapshots table was made to say into a decision, a document or an
    auditor's answer (docs/decisions/0206). What this process folded of the stream before
    is started from instead, once the log shows the row folded last unchanged
    (:mod:`workflow.service.folded`). With ``verified``, the segment of the chain the
    events read sit in is checked first (``TamperedEvent`` or ``BrokenChain`` if it does
    not hold), as rendering and the audit commands need.
    """
    folded = folded_states(store).fold(store, stream_id, verified=verified, to_version=to_version)
    return LoadedReport(state=folded.state, version=folded.version)


def load_report_from_snapshot(
    store: LogWalk, stream_id: str, *, to_version: int | None = None
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


def caught_up(
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
    store: LogReads,
    department: str,
    year: int,
    *,
    to_version: int | None = None,
    verified: bool = False,
    project: str | None = None,
) -> LoadedReport:
    """A department's report for a year (its 部门整体 report, or the 项目支出 report of
    ``project``), optionally as it was at ``to_version`` (see :func:`load_report_stream`)."""
    return load_report_stream(
        store, report_stream(department, year, project), to_version=to_version, verified=verified
    )


def load_admin(store: EventStoreProtocol, stream_id: str) -> tuple[AdminState, int]:
    """Any administration stream's state and version, for deciding an administrator's
    command on it; :func:`load_user`, :func:`load_department` and :func:`load_fiscal_year`
    give each kind its own type."""
    records = store.read_stream(stream_id)
    version = records[-1].version if records else 0
    return fold_admin(stream_id, (r.event for r in records)), version


def load_department(store: EventStoreProtocol, code: str) -> DepartmentState:
    """A department as its stream holds it (``registered`` is False for an unknown code)."""
    return fold_department(r.event for r in store.read_stream(department_stream_id(code)))


def load_fiscal_year(store: EventStoreProtocol, year: int) -> FiscalYearState:
    """A fiscal year as its stream holds it (``opened`` is False for a year not opened)."""
    return fold_fiscal_year(r.event for r in store.read_stream(fiscal_year_stream_id(year)))


def project_openings(
    store: EventStoreProtocol, year: int, department: str | None = None
) -> list[RecordedEvent]:
    """The opening of each 项目支出 report for ``year`` (of ``department`` only, if given),
    in log order; its stream is the record's ``stream_id``.

    The opening's payload names its report's stream, so one query (one pass over the log's
    openings) finds them all: a caller visiting many departments asks once for the year.
    """
    prefix = report_stream_id(department, year) + ":" if department else "report:"
    wanted = {department} if department else None
    return [
        record
        for record in store.find_events(ProjectReportOpened.event_type, f'"{prefix}')
        if (parts := report_stream_parts(record.stream_id)) is not None
        and parts[1] == year
        and parts[2] is not None
        and (wanted is None or parts[0] in wanted)
    ]


def referenced_department(store: EventStoreProtocol, code: str | None) -> DepartmentState | None:
    """The department a command names, or None when it names none or a malformed code."""
    if code is None or not DEPARTMENT_CODE.match(code):
        return None
    return load_department(store, code)
