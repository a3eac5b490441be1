"""How a report's stream is named, and the name read back: what a reader of the read models
needs of the commands without loading them (docs/decisions/0409)."""

from __future__ import annotations

from workflow.errors import InvalidValue
from workflow.text import ID_PATTERN, ID_RULE, identifier

#: Department codes follow the one id rule (workflow.text.ID_RULE), as user ids do.
DEPARTMENT_CODE = ID_PATTERN


def report_stream_id(department: str, year: int, project: str | None = None) -> str:
    """The stream of a department's report for a year, e.g. ``report:gusu-rc:2021``, or of
    one of its 项目支出 reports, e.g. ``report:gusu-rc:2021:training`` (decision 0710)."""
    if project is None:
        return f"report:{department}:{year}"
    return f"report:{department}:{year}:{project}"


def report_stream_parts(stream_id: str) -> tuple[str, int, str | None] | None:
    """The department, year and project (None for the 部门整体 report) of a report stream
    id made by :func:`report_stream_id`; None for any other stream."""
    parts = stream_id.split(":")
    if len(parts) not in (3, 4) or parts[0] != "report" or not parts[2].isdigit():
        return None
    return parts[1], int(parts[2]), parts[3] if len(parts) == 4 else None


def report_label(department: str, year: int, project: str | None = None) -> str:
    """A report as the faces name it in a refusal: ``gusu-rc/2021``, or
    ``gusu-rc/2021/training`` for a project's."""
    return f"{department}/{year}" + (f"/{project}" if project is not None else "")


def report_stream(department: str, year: int, project: str | None = None) -> str:
    """The report's stream id; InvalidValue for a malformed department code, year or
    project code."""
    if not isinstance(department, str) or not DEPARTMENT_CODE.match(department):
        raise InvalidValue("report department", str(department), f"a department code: {ID_RULE}")
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InvalidValue("report year", str(year), "a year between 2000 and 2100")
    if project is not None:
        identifier("report project", project)
    return report_stream_id(department, year, project)
