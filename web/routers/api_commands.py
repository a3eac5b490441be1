"""`/api/v1/reports/{department}/{year}/commands/{command}`: every report command a person
may issue, one endpoint each, with the command's fields as the JSON body.

The answer is what was recorded (as ``jixiao … --json`` prints it), with the submission's
notices; a refusal is the domain's one line with a 4xx status, and nothing is recorded.
"""

# Endpoints are built in a loop with each command's body model; their annotations must be
# objects, not strings, for FastAPI to read them, hence no ``from __future__ import annotations``.

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body

from web.commands import COMMANDS, body_model, build
from web.dependencies import ApiCaller, ServicesDep
from web.errors import not_found
from web.execution import run_command
from workflow.commands import ReportCommand

router = APIRouter(prefix="/api/v1/reports/{department}/{year}/commands", tags=["commands"])


def _endpoint(command: type[ReportCommand]) -> Callable[..., dict[str, Any]]:
    # A class is hashable (type.__hash__); mypy wrongly checks its instances' __hash__ instead.
    model = body_model(command)  # type: ignore[arg-type]

    def endpoint(
        department: str,
        year: int,
        caller: ApiCaller,
        app: ServicesDep,
        # A model built at run time, which FastAPI reads and a static checker cannot.
        body: Annotated[model | None, Body()] = None,  # type: ignore[valid-type]
    ) -> dict[str, Any]:
        if not 2000 <= year <= 2100:
            raise not_found(department, year)
        return run_command(app, caller, build(command, department, year, body))

    endpoint.__name__ = command.__name__
    endpoint.__doc__ = command.__doc__
    return endpoint


for _name, _command in COMMANDS.items():
    router.add_api_route(
        f"/{_name}",
        _endpoint(_command),
        methods=["POST"],
        name=_name,
        summary=(_command.__doc__ or _name).strip().splitlines()[0],
    )
