"""The report commands the API accepts, one endpoint each, named after the domain's own
command classes (``SubmitReport`` → ``submit-report``), with request bodies derived from them.

The body holds the command's fields less the report's department, year and project code
(they are in the path: ``…/projects/{project}/…`` for a 项目支出 report). Amounts and cells
are text as typed, as on the command line: a JSON number for an amount is refused rather than
turned into a binary float.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from decimal import Decimal
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, create_model

from workflow.authorization import PERSON_COMMANDS
from workflow.commands import ReportCommand


def command_name(command: type[ReportCommand]) -> str:
    """``SetInitialBudget`` → ``set-initial-budget``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", command.__name__).lower()


#: Every report command a person may issue (the render worker's is not among them).
COMMANDS: dict[str, type[ReportCommand]] = {
    command_name(command): command for command in PERSON_COMMANDS
}

_IN_PATH = ("department", "year", "project_code")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _as_typed(annotation: Any) -> Any:
    """An amount field (``str | Decimal | int``) takes the text as typed."""
    if Decimal in typing.get_args(annotation):
        return str
    return annotation


@cache
def body_model(command: type[ReportCommand]) -> type[BaseModel]:
    """The request body of ``command``: its fields, without department and year."""
    hints = typing.get_type_hints(command)
    fields: dict[str, Any] = {}
    for field in dataclasses.fields(command):
        if field.name in _IN_PATH:
            continue
        annotation = _as_typed(hints[field.name])
        if field.default is not dataclasses.MISSING:
            fields[field.name] = (annotation, field.default)
        else:
            fields[field.name] = (annotation, ...)
    return create_model(
        command.__name__ + "Body", __base__=_Body, __doc__=command.__doc__, **fields
    )


def build(
    command: type[ReportCommand],
    department: str,
    year: int,
    body: BaseModel | None,
    project: str | None = None,
) -> ReportCommand:
    """The command for a report (a 项目支出 report's with ``project``) from a validated body."""
    values = body.model_dump() if body is not None else {}
    return command(department=department, year=year, project_code=project, **values)
