"""Refusals as the server answers them: the domain's one-line message, a field where one is
named, and an HTTP status. The JSON API sends ``{"error": ..., "field": ...}`` (and
``problems`` when a refusal lists several); pages show the same line beside the form."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from workflow.errors import (
    AuthenticationFailed,
    DomainError,
    DuplicateItem,
    DutiesNotSeparated,
    NotAuthorized,
    StaleRevision,
    StaleVersion,
    WrongStage,
)

#: The status of each kind of domain refusal; any other is 422 (a value the rules refuse).
STATUS: dict[type[DomainError], int] = {
    AuthenticationFailed: 401,
    NotAuthorized: 403,
    DutiesNotSeparated: 403,
    WrongStage: 409,
    StaleRevision: 409,
    StaleVersion: 409,
    DuplicateItem: 409,
}


class Refused(Exception):
    """A request the server refuses: nothing was recorded."""

    def __init__(
        self,
        status: int,
        message: str,
        field: str | None = None,
        problems: Sequence[str] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(" ".join(message.split()))
        self.status = status
        self.field = field
        self.problems = list(problems)
        self.headers = headers

    @property
    def message(self) -> str:
        """The one-line message."""
        return str(self)

    def body(self) -> dict[str, Any]:
        """The JSON the API answers with."""
        body: dict[str, Any] = {"error": self.message, "field": self.field}
        if self.problems:
            body["problems"] = self.problems
        return body


def refusal(error: DomainError) -> Refused:
    """The server's answer to a domain refusal."""
    status = next((s for kind, s in STATUS.items() if isinstance(error, kind)), 422)
    return Refused(
        status,
        str(error),
        field=getattr(error, "subject", None),
        problems=getattr(error, "problems", None) or (),
    )


def not_found(department: str, year: object, project: str | None = None) -> Refused:
    """A report that does not exist or that the caller may not read: the same 404 for both,
    so that another department's reports cannot be probed."""
    which = f"{department}/{year}" + (f"/{project}" if project is not None else "")
    return Refused(404, f"report {which}: not found, expected an opened report you may read")


def validation_refusal(errors: Sequence[dict[str, Any]]) -> Refused:
    """Pydantic's validation errors as one refusal naming the field, the value and what was
    expected (each problem listed when there are several)."""
    problems = [_problem(error) for error in errors]
    first = errors[0] if errors else {}
    field = _field(first.get("loc", ()))
    if len(problems) == 1:
        return Refused(422, problems[0], field=field)
    return Refused(
        422, f"{len(problems)} problems: " + "; ".join(problems), field=field, problems=problems
    )


def _field(loc: Sequence[Any]) -> str | None:
    # FastAPI prefixes where the value came from: body, query, path.
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or None


def _problem(error: dict[str, Any]) -> str:
    field = _field(error.get("loc", ())) or "request"
    kind = error.get("type", "")
    if kind == "missing":
        return f"{field}: missing, expected a value"
    if kind == "extra_forbidden":
        return f"{field}: got {error.get('input')!r}, expected no such field"
    message = str(error.get("msg", ""))
    expected = message.removeprefix("Input should be ").removeprefix("Value error, ")
    return f"{field}: got {error.get('input')!r}, expected {expected}"
