"""`/api/v1/reports/{department}/{year}/commands/{command}`: every report command a person
may issue, one endpoint each, with the command's fields as the JSON body; and
`/api/v1/reports/{department}/{year}/commands`: many of them as one change (an import). The
same under `/api/v1/reports/{department}/{year}/projects/{project}/` for a department's
项目支出 report.

The answer is what was recorded (as ``jixiao … --json`` prints it), with the submission's
notices; a refusal is the domain's one line with a 4xx status, and nothing is recorded.
"""

# Endpoints are built in a loop with each command's body model; their annotations must be
# objects, not strings, for FastAPI to read them, hence no ``from __future__ import annotations``.

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from web.commands import COMMANDS, body_model, build
from web.dependencies import (
    ApiCaller,
    ApiCredentials,
    ProjectPath,
    Services,
    ServicesDep,
    api_identity,
)
from web.errors import Refused, not_found, refusal, validation_refusal
from web.execution import run_command
from web.identity import Identity
from web.lanes import QuickRoute, long_lane
from workflow.commands import ReportCommand
from workflow.errors import DocumentRejected, DomainError, InvalidValue
from workflow.service import execute_all_as, execute_reports_as
from workflow.visibility import ReportSummary, may_read
from workflow.wording import recorded_summary


class AnswerRoute(QuickRoute):
    """A route whose endpoint answers plain JSON (text, numbers, lists of them): FastAPI
    writes it out as it is, with no response model. Inferred from the ``dict[str, Any]``
    annotation, a model validated every answer against itself in one more hop to the
    thread pool: some 1.5 ms of a command's 6 ms of CPU (decision 0624)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        kwargs["response_model"] = None
        super().__init__(path, endpoint, **kwargs)


router = APIRouter(
    prefix="/api/v1/reports/{department}/{year}/commands",
    tags=["commands"],
    route_class=AnswerRoute,
)
project_router = APIRouter(
    prefix="/api/v1/reports/{department}/{year}/projects/{project}/commands",
    tags=["commands"],
    route_class=AnswerRoute,
)
#: Several reports of a department-year as one change (a workbook of several sheets).
imports_router = APIRouter(
    prefix="/api/v1/reports/{department}/{year}/imports",
    tags=["commands"],
    route_class=AnswerRoute,
)


def _endpoint(command: type[ReportCommand]) -> Callable[..., dict[str, Any]]:
    # A class is hashable (type.__hash__); mypy wrongly checks its instances' __hash__ instead.
    model = body_model(command)  # type: ignore[arg-type]

    def endpoint(
        department: str,
        year: int,
        request: Request,
        _: ApiCredentials,
        app: ServicesDep,
        project: ProjectPath,
        # A model built at run time, which FastAPI reads and a static checker cannot.
        body: Annotated[model | None, Body()] = None,  # type: ignore[valid-type]
    ) -> dict[str, Any]:
        # The caller is found in this endpoint's lane: a dependency of its own would be one
        # more hop when the lane has threads (decision 0622).
        caller = api_identity(request, app)
        if not 2000 <= year <= 2100:
            raise not_found(department, year, project)
        return run_command(app, caller, build(command, department, year, body, project))

    endpoint.__name__ = command.__name__
    endpoint.__doc__ = command.__doc__
    return endpoint


for _name, _command in COMMANDS.items():
    _summary = (_command.__doc__ or _name).strip().splitlines()[0]
    _handler = _endpoint(_command)
    router.add_api_route(f"/{_name}", _handler, methods=["POST"], name=_name, summary=_summary)
    project_router.add_api_route(
        f"/{_name}", _handler, methods=["POST"], name=f"project-{_name}", summary=_summary
    )


class LocatedCommand(BaseModel):
    """One command of an import, with where it came from (a file's field, a sheet's cell)."""

    model_config = ConfigDict(extra="forbid")

    where: str = Field(max_length=200, description="Where it came from: `budget.lines[3]`, `B7`.")
    command: str = Field(description="The command's name, e.g. `set-initial-budget`.")
    body: dict[str, Any] = Field(default_factory=dict, description="The command's fields.")


class ImportBody(BaseModel):
    """Commands recorded together as one change, or none of them."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(
        default="commands", max_length=500, description="What they came from (a file's name)."
    )
    check: bool = Field(default=False, description="Check every rule; record nothing.")
    commands: list[LocatedCommand]


class ReportCommands(BaseModel):
    """One report's commands in an import of several: the project of a 项目支出 report
    (none: the department's 部门整体 report)."""

    model_config = ConfigDict(extra="forbid")

    project: str | None = Field(default=None, description="The project code, or none.")
    commands: list[LocatedCommand]


class ImportReportsBody(BaseModel):
    """Several reports' commands (a workbook's sheets) recorded together as one change, or
    none of them."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(default="commands", max_length=500, description="What they came from.")
    check: bool = Field(default=False, description="Check every rule; record nothing.")
    reports: list[ReportCommands] = Field(min_length=1)


def _located(
    department: str, year: int, body: ImportBody, project: str | None = None
) -> list[tuple[str, ReportCommand]]:
    located = []
    for index, item in enumerate(body.commands):
        kind = COMMANDS.get(item.command)
        if kind is None:
            raise Refused(
                422,
                f"commands[{index}].command: got {item.command!r}, expected a report command "
                "such as set-initial-budget (see /api/docs)",
                "commands",
            )
        try:
            # A class is hashable; mypy checks its instances' __hash__ (see _endpoint).
            fields = body_model(kind).model_validate(item.body)  # type: ignore[arg-type]
        except ValidationError as error:
            # Named as commands.<index>.<field> (a "body" part would be taken for the request's).
            errors = [{**e, "loc": ("commands", index, *e.get("loc", ()))} for e in error.errors()]
            raise validation_refusal(errors) from None
        located.append((item.where, build(kind, department, year, fields, project)))
    return located


@router.post("", name="import", summary="Record many commands as one change (an import)")
@project_router.post(
    "", name="project-import", summary="Record many commands on a 项目支出 report as one change"
)
@long_lane
def import_commands(
    department: str,
    year: int,
    body: ImportBody,
    caller: ApiCaller,
    app: ServicesDep,
    project: ProjectPath,
) -> dict[str, Any]:
    """Decide every command on the report as one change: all are recorded together, or none
    is and the refusal lists every command refused by its ``where`` (``problems``, with
    ``field`` "commands"). With ``check``, every rule is checked and nothing is recorded.
    This is what `jixiao report import` sends."""
    return _import(app, caller, body, department, year, project)


@imports_router.post(
    "", name="import-reports", summary="Record several reports' commands as one change"
)
@long_lane
def import_reports(
    department: str, year: int, body: ImportReportsBody, caller: ApiCaller, app: ServicesDep
) -> dict[str, Any]:
    """Decide the commands of several reports of the department-year (its 部门整体 report
    and its 项目支出 reports) as one change: all are recorded in one transaction, or none is
    and the refusal lists every command refused, in any report, by its ``where``. This is
    what `jixiao report import BOOK.xlsx -p CODE -p CODE …` sends."""
    if not 2000 <= year <= 2100:
        raise not_found(department, year)
    reports = []
    for part in body.reports:
        one = ImportBody(source=body.source, check=body.check, commands=part.commands)
        reports.append(_located(department, year, one, part.project))
    try:
        for located in reports:
            project = located[0][1].project_code if located else None
            state = app.folds.current(department, year, project).state
            if state.report and not may_read(caller.actor, ReportSummary.of(state)):
                raise not_found(department, year, project)
        events = execute_reports_as(
            app.store, caller.actor, reports, source=body.source, dry_run=body.check
        )
    except DocumentRejected as rejected:
        raise Refused(422, str(rejected), "commands", rejected.problems) from None
    except InvalidValue as error:
        if error.subject in ("report department", "report year", "report project"):
            raise not_found(department, year) from None
        raise refusal(error) from None
    except DomainError as error:
        raise refusal(error) from None
    return recorded_summary(events)


def _import(
    app: Services,
    caller: Identity,
    body: ImportBody,
    department: str,
    year: int,
    project: str | None,
) -> dict[str, Any]:
    if not 2000 <= year <= 2100:
        raise not_found(department, year, project)
    located = _located(department, year, body, project)
    try:
        state = app.folds.current(department, year, project).state
        opened = state.report
        if opened and not may_read(caller.actor, ReportSummary.of(state)):
            raise not_found(department, year, project)
        events = execute_all_as(
            app.store, caller.actor, located, source=body.source, dry_run=body.check
        )
    except DocumentRejected as rejected:
        raise Refused(422, str(rejected), "commands", rejected.problems) from None
    except InvalidValue as error:
        if error.subject in ("report department", "report year", "report project"):
            raise not_found(department, year, project) from None
        raise refusal(error) from None
    except DomainError as error:
        raise refusal(error) from None
    return recorded_summary(events, app.folds.current(department, year, project).state)
