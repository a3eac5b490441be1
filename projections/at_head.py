"""The read models' queries as driver SQL, and whether the read models are at the head of
the log.

A read command answered from the read models needs their rows, not the projections that
write them: these queries run on any :class:`Rows` source, a plain driver connection
(:class:`events.driver.LogReader`, which loads no SQLAlchemy) or an engine's
(:class:`projections.sql.EngineRows`), so the CLI's quick reads and every other reader of
these tables (the server, the worker) share one text of each query (docs/decisions/0208).
Nothing here writes.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol, TypeVar

import orjson

from workflow.roles import ALL_DEPARTMENTS, SIGNING_ROLES, Actor
from workflow.stages import Stage
from workflow.streams import report_stream_id, report_stream_parts
from workflow.visibility import ReportSummary, may_follow, may_read, reads_everything

#: Each projection's name and the version of the code that writes it: a checkpoint of
#: another version means the projection is rebuilt before anything reads it.
PROJECTION_VERSIONS: Mapping[str, int] = {
    "report_state": 7,
    "audit_trail": 1,
    "inboxes": 4,
    "year_overview": 4,
}

#: The headline figures stored as columns, as exact decimal text
#: (:func:`projections.report_view.headline_figures`).
FIGURES = (
    "initial",
    "adjustments",
    "higher_level",
    "total",
    "actual",
    "execution_rate",
    "adjustment_rate",
    "score",
)
#: The figure columns with the grade, as every table that lists reports holds them.
FIGURE_COLUMNS = (*FIGURES, "grade")


_Row = TypeVar("_Row")


class Rows(Protocol):
    """Where the queries run: a connection that answers one read statement with its rows,
    written with :attr:`placeholder` for each parameter (``?`` or ``%s``)."""

    placeholder: str

    def rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of one read statement."""
        ...


def at_head(source: Rows, head: int) -> bool:
    """Whether every projection this code keeps has a checkpoint of its own version at
    ``head``: then a catch-up would apply nothing, and the read models answer as they are."""
    found = {
        name: (version, position)
        for name, version, position in source.rows(
            "SELECT name, version, position FROM projection_checkpoints"
        )
    }
    return all(found.get(name) == (version, head) for name, version in PROJECTION_VERSIONS.items())


@dataclass(frozen=True, slots=True)
class ProjectionStatus:
    """Where a projection stands against the head of the log."""

    name: str
    version: int
    position: int
    head: int
    updated_at: datetime | None

    @property
    def lag(self) -> int:
        """Events committed to the log that the projection has not applied yet."""
        return self.head - self.position


def projection_status(source: Rows, head: int) -> list[ProjectionStatus] | None:
    """Every projection's checkpoint, version and lag behind ``head``; None when a
    checkpoint is missing or of another version (setting the projections up writes)."""
    found = {
        name: (version, position, updated_at)
        for name, version, position, updated_at in source.rows(
            "SELECT name, version, position, updated_at FROM projection_checkpoints"
        )
    }
    shown = []
    for name, version in PROJECTION_VERSIONS.items():
        if name not in found or found[name][0] != version:
            return None
        _, position, updated_at = found[name]
        if isinstance(updated_at, str):
            updated_at = datetime.fromisoformat(updated_at)
        shown.append(ProjectionStatus(name, version, position, head, updated_at))
    return shown


def moment(stored: Any) -> datetime:
    """A stored naive-UTC moment (SQLite's text, PostgreSQL's datetime) as aware UTC."""
    found = datetime.fromisoformat(stored) if isinstance(stored, str) else stored
    return found.replace(tzinfo=UTC)


def _built(kind: type[_Row], row: Mapping[str, Any], **computed: Any) -> _Row:
    """A ``kind`` (a dataclass with slots) of ``row``: ``computed`` fields, and the columns
    of the same names as the others, as they are."""
    names = vars(kind)["__slots__"]
    same = {name: row[name] for name in names if name in row and name not in computed}
    return kind(**same, **computed)


def _day(stored: Any) -> date | None:
    return date.fromisoformat(stored) if isinstance(stored, str) else stored


def project_of(report: str) -> str | None:
    """The project code of a report stream id: a 项目支出 report's; None for a 部门整体
    report's."""
    parts = report_stream_parts(report)
    return parts[2] if parts is not None else None


# --- report state ------------------------------------------------------------------------

_ROW_COLUMNS = (
    "report",
    "revision",
    "department",
    "department_name",
    "year",
    "stage",
    "scheme",
    "unit",
    *FIGURE_COLUMNS,
    "project_name",
    "pending",
    "pending_signers",
    "submitted_by",
    "last_actor",
    "last_event_type",
    "last_activity",
    "version",
    "position",
)


@dataclass(frozen=True, slots=True)
class ReportRow:
    """A report revision as the projection holds it."""

    report: str
    revision: int
    department: str
    department_name: str
    year: int
    stage: str
    scheme: str
    unit: str
    figures: dict[str, str | None]
    pending: list[dict[str, Any]]
    pending_signers: list[str]
    submitted_by: str | None
    last_actor: str
    last_event_type: str
    last_activity: datetime
    version: int
    position: int
    #: A 项目支出 report's 项目名称; None for a 部门整体 report.
    project_name: str | None = None

    @classmethod
    def from_values(cls, values: Sequence[Any]) -> ReportRow:
        """Build from a ``pj_report_state`` row's columns, in the order of the queries."""
        row = dict(zip(_ROW_COLUMNS, values, strict=False))
        return _built(
            cls,
            row,
            figures={name: row[name] for name in FIGURE_COLUMNS},
            pending=json.loads(row["pending"]),
            pending_signers=json.loads(row["pending_signers"]),
            last_activity=moment(row["last_activity"]),
        )

    @property
    def project(self) -> str | None:
        """The project code of a 项目支出 report; None for a 部门整体 report."""
        return project_of(self.report)

    def listed(self) -> dict[str, Any]:
        """The row as a list of reports shows it (`report list`, ``GET /api/v1/reports``):
        who, which revision, its stage, headline figures and last activity."""
        return {
            "report": self.report,
            "department": self.department,
            "project": self.project,
            "project_name": self.project_name,
            "name": self.department_name,
            "year": self.year,
            "revision": self.revision,
            "stage": self.stage,
            **self.figures,
            "last_actor": self.last_actor,
            "last_activity": self.last_activity,
        }


def _revision(
    source: Rows,
    department: str,
    year: int,
    revision: int | None,
    project: str | None,
    *,
    view: bool = True,
) -> tuple[Any, ...] | None:
    """A report revision's row (of the 项目支出 report of ``project`` if given), its view
    last unless ``view`` is False (a page kept whole needs only the row): the latest
    revision unless one is named."""
    p = source.placeholder
    columns = ", ".join((*_ROW_COLUMNS, "view") if view else _ROW_COLUMNS)
    sql = f"SELECT {columns} FROM pj_report_state WHERE report = {p}"
    parameters: list[Any] = [report_stream_id(department, year, project)]
    if revision is not None:
        sql += f" AND revision = {p}"
        parameters.append(revision)
    found = source.rows(sql + " ORDER BY revision DESC LIMIT 1", parameters)
    return found[0] if found else None


def report_row(
    source: Rows,
    department: str,
    year: int,
    revision: int | None = None,
    project: str | None = None,
) -> ReportRow | None:
    """A report's row (the 项目支出 report of ``project`` if given): the latest revision
    unless ``revision`` is given; None if not opened."""
    found = _revision(source, department, year, revision, project, view=False)
    return ReportRow.from_values(found) if found is not None else None


def report_row_and_document(
    source: Rows, department: str, year: int, project: str | None = None
) -> tuple[ReportRow, dict[str, Any]] | None:
    """A report's latest row and its stored view, read together (so the view is the one
    that row's version holds); the 项目支出 report of ``project`` if given; None if not
    opened."""
    found = _revision(source, department, year, None, project)
    return (ReportRow.from_values(found), orjson.loads(found[-1])) if found is not None else None


def report_document(
    source: Rows,
    department: str,
    year: int,
    revision: int | None = None,
    project: str | None = None,
) -> dict[str, Any] | None:
    """A report revision's stored view (the document the worker renders), or None; the
    项目支出 report of ``project`` if given."""
    found = _revision(source, department, year, revision, project)
    return orjson.loads(found[-1]) if found is not None else None


def readable_document(
    source: Rows,
    actor: Actor,
    department: str,
    year: int,
    revision: int | None = None,
    project: str | None = None,
) -> dict[str, Any] | None:
    """A report revision's stored view (the 项目支出 report of ``project`` if given) if the
    report exists and ``actor`` may read it (judged on its latest revision, as
    :func:`workflow.visibility.may_read` says), else None."""
    if not readable(source, actor, department, year, project):
        return None
    return report_document(source, department, year, revision, project)


def readable(
    source: Rows, actor: Actor, department: str, year: int, project: str | None = None
) -> bool:
    """Whether the report (the 项目支出 report of ``project`` if given) exists and ``actor``
    may read it, judged on its latest revision."""
    latest = report_row(source, department, year, project=project)
    return latest is not None and may_read(actor, summary_of(latest))


def list_reports(
    source: Rows,
    *,
    year: int | None = None,
    department: str | None = None,
    departments: Collection[str] | None = None,
    stage: str | None = None,
    all_revisions: bool = False,
) -> list[ReportRow]:
    """Report rows by department and revision, filtered; the latest revision of each by
    default. ``departments`` keeps those of the departments named (none when empty)."""
    p = source.placeholder
    where, parameters = [], []
    for column, value in (("year", year), ("department", department)):
        if value is not None:
            where.append(f"r.{column} = {p}")
            parameters.append(value)
    if departments is not None:
        if not departments:
            return []
        where.append(f"r.department IN ({', '.join(p for _ in departments)})")
        parameters.extend(sorted(departments))
    if not all_revisions:
        where.append(
            "r.revision = (SELECT max(newer.revision) FROM pj_report_state AS newer "
            "WHERE newer.report = r.report)"
        )
    if stage is not None:
        where.append(f"r.stage = {p}")
        parameters.append(stage)
    columns = ", ".join(f"r.{c}" for c in _ROW_COLUMNS)
    sql = f"SELECT {columns} FROM pj_report_state AS r"
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = source.rows(sql + " ORDER BY r.year, r.department, r.report, r.revision", parameters)
    return [ReportRow.from_values(row) for row in rows]


def summary_of(row: ReportRow) -> ReportSummary:
    """The read rule's summary of a report's latest revision."""
    return ReportSummary(
        department=row.department,
        stage=Stage(row.stage),
        revision=row.revision,
        submitted_by=row.submitted_by,
    )


def report_summaries(source: Rows, *, year: int | None = None) -> dict[str, ReportSummary]:
    """Every report's summary (of a ``year``, or of all years), by report stream id."""
    return {row.report: summary_of(row) for row in list_reports(source, year=year)}


def visible_reports(
    source: Rows, actor: Actor, *, year: int | None = None, stage: str | None = None
) -> list[ReportRow]:
    """The reports ``actor`` may read (latest revisions), filtered as ``list_reports``."""
    rows = list_reports(source, year=year, stage=stage)
    return [row for row in rows if may_read(actor, summary_of(row))]


def readable_report_ids(source: Rows, actor: Actor) -> set[str] | None:
    """The stream ids of the reports ``actor`` may read; None when they read every report."""
    if reads_everything(actor):
        return None
    return {report for report, s in report_summaries(source).items() if may_read(actor, s)}


# --- year overview -----------------------------------------------------------------------

_OVERVIEW_COLUMNS = (
    "year",
    "department",
    "department_name",
    "report",
    "revision",
    "stage",
    *FIGURE_COLUMNS,
    "last_actor",
    "last_activity",
    "note",
    "reminder",
)


@dataclass(frozen=True, slots=True)
class OverviewRow:
    """One department's standing in a fiscal year."""

    year: int
    department: str
    department_name: str
    report: str | None
    revision: int
    stage: str
    figures: dict[str, str | None]
    last_actor: str | None
    last_activity: datetime | None
    #: Why the signed-off revision is not rendered (``render failed ...``), if it failed.
    note: str | None = None
    #: The most urgent deadline reminder the department was sent (``7-days``, ``1-day``,
    #: ``overdue``), if any.
    reminder: str | None = None
    #: The department's 项目支出 reports (their latest revisions), by project code.
    projects: tuple[ReportRow, ...] = ()


def year_overview(
    source: Rows,
    year: int,
    *,
    stage: str | None = None,
    departments: Collection[str] | None = None,
) -> list[OverviewRow]:
    """Every registered department for ``year``, by department code, each with its 项目支出
    reports; with ``stage``, only the reports in that stage, and the departments with one;
    with ``departments``, only the departments named (a preparer's inbox asks for theirs,
    so that it reads a handful of rows, not the bureau's hundreds)."""
    projects: dict[str, list[ReportRow]] = {}
    for report in list_reports(source, year=year, departments=departments, stage=stage):
        if report.project is not None:
            projects.setdefault(report.department, []).append(report)
    p = source.placeholder
    sql = f"SELECT {', '.join(_OVERVIEW_COLUMNS)} FROM pj_year_overview WHERE year = {p}"
    parameters: list[Any] = [year]
    if departments is not None:
        if not departments:
            return []
        sql += f" AND department IN ({', '.join(p for _ in departments)})"
        parameters += sorted(departments)
    if stage is not None:
        with_projects = "".join(f" OR department = {p}" for _ in projects)
        sql += f" AND (stage = {p}{with_projects})"
        parameters += [stage, *sorted(projects)]
    shown = []
    for values in source.rows(sql + " ORDER BY department", parameters):
        row = dict(zip(_OVERVIEW_COLUMNS, values, strict=True))
        shown.append(
            _built(
                OverviewRow,
                row,
                figures={name: row[name] for name in FIGURE_COLUMNS},
                last_activity=moment(row["last_activity"]) if row["last_activity"] else None,
                projects=tuple(projects.get(row["department"], ())),
            )
        )
    return shown


def opened_years(source: Rows) -> list[int]:
    """The fiscal years opened so far, in order."""
    return [year for (year,) in source.rows("SELECT year FROM pj_overview_years ORDER BY year")]


def year_deadlines(source: Rows) -> list[tuple[int, date]]:
    """The fiscal years opened so far, in order, each with its deadline."""
    rows = source.rows("SELECT year, deadline FROM pj_overview_years ORDER BY year")
    return [(year, day) for year, deadline in rows if (day := _day(deadline)) is not None]


def visible_overview(
    source: Rows, actor: Actor, year: int, *, stage: str | None = None
) -> list[OverviewRow]:
    """A year's overview as ``actor`` may see it: the departments whose progress they follow,
    with the figures and last actor of only the reports they may read."""
    summaries = report_summaries(source, year=year)
    shown = []
    for row in year_overview(source, year, stage=stage):
        if not may_follow(actor, row.department):
            continue
        summary = summaries.get(row.report) if row.report else None
        if summary is None or not may_read(actor, summary):
            row = replace(row, figures=dict.fromkeys(row.figures), last_actor=None)
        projects = tuple(p if may_read(actor, summary_of(p)) else _unread(p) for p in row.projects)
        shown.append(replace(row, projects=projects))
    return shown


def _unread(row: ReportRow) -> ReportRow:
    """A report followed but not readable: its stage shows, its figures and actors do not."""
    return replace(
        row,
        figures=dict.fromkeys(row.figures),
        last_actor="",
        submitted_by=None,
        pending=[],
        pending_signers=[],
    )


# --- inboxes -----------------------------------------------------------------------------

#: The columns of ``pj_inbox_work``, in the table's order.
WORK_COLUMNS = (
    "report",
    "seq",
    "department",
    "department_name",
    "year",
    "revision",
    "stage",
    "action",
    "role",
    "user_id",
    "excluded",
    "waiting_since",
    "deadline",
    "note",
    "reminder",
)


@dataclass(frozen=True, slots=True)
class InboxItem:
    """A report waiting for the user: what to do, in which role, since when, by when."""

    report: str
    department: str
    department_name: str
    year: int
    revision: int
    stage: str
    action: str
    role: str
    waiting_since: datetime
    waited: timedelta
    deadline: date | None
    overdue: bool
    note: str | None
    #: The last deadline reminder sent (``7-days``, ``1-day``, ``overdue``) while it waits
    #: for its preparer, if any.
    reminder: str | None = None

    @property
    def project(self) -> str | None:
        """The project code of a 项目支出 report; None for a 部门整体 report."""
        return project_of(self.report)


def inbox(source: Rows, user_id: str, *, now: datetime | None = None) -> list[InboxItem]:
    """The reports waiting for ``user_id``, the longest-waiting first.

    A report is in a user's inbox when a grant of theirs covers its department with the role
    its pending action needs (or the sign-off policy names them and they hold a signing
    role), unless the rules bar them: the submitter does not review or sign their own
    revision, nobody approves or signs twice.
    """
    moment_now = now or datetime.now(UTC)
    p = source.placeholder
    covers = f"(g.department = {p} OR g.department = w.department)"
    signing = ", ".join([p] * len(SIGNING_ROLES))
    sql = (
        f"SELECT {', '.join(f'w.{c}' for c in WORK_COLUMNS)}, g.role "
        f"FROM pj_inbox_work AS w JOIN pj_inbox_grants AS g ON g.user_id = {p} "
        f"WHERE (w.role = g.role AND {covers}) "
        f"OR (w.user_id = {p} AND g.role IN ({signing}) AND {covers}) "
        "ORDER BY w.waiting_since, w.report, w.seq"
    )
    parameters = [user_id, ALL_DEPARTMENTS, user_id, *SIGNING_ROLES, ALL_DEPARTMENTS]
    items: dict[tuple[str, int], InboxItem] = {}
    for values in source.rows(sql, parameters):
        row = dict(zip((*WORK_COLUMNS, "via_role"), values, strict=True))
        key = (row["report"], row["seq"])
        if user_id in json.loads(row["excluded"]) or key in items:
            continue
        since = moment(row["waiting_since"])
        deadline = _day(row["deadline"])
        items[key] = _built(
            InboxItem,
            row,
            role=row["role"] or row["via_role"],
            waiting_since=since,
            waited=moment_now - since,
            deadline=deadline,
            overdue=deadline is not None and moment_now.date() > deadline,
        )
    return list(items.values())
