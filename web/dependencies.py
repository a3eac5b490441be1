"""What request handlers share: the services of the application, the caller, CSRF checks."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from events.store import EventStore
from web.errors import Refused
from web.folds import ReportFolds
from web.identity import BEARER, Doorman, Identity
from web.kept_pages import KeptPages
from web.lanes import in_quick_lane
from web.reading import Reads
from web.settings import WebSettings

#: The session cookie; HttpOnly, SameSite=Strict, Secure over HTTPS (web.app).
SESSION_COOKIE = "jixiao_session"
#: The CSRF cookie of the sign-in form, which comes before any session (double submit).
SIGN_IN_CSRF_COOKIE = "jixiao_signin_csrf"
#: The form field every form carries its CSRF token in.
CSRF_FIELD = "csrf_token"
#: The header a signed-in browser's script sends its CSRF token in, for the JSON API.
CSRF_HEADER = "X-CSRF-Token"

_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class Services:
    """The application's long-lived parts, built once by ``create_app``."""

    settings: WebSettings
    store: EventStore
    doorman: Doorman
    reads: Reads
    templates: Jinja2Templates
    folds: ReportFolds
    pages: KeptPages


async def services(request: Request) -> Services:
    """The application's services. A coroutine, like every dependency that does no I/O:
    FastAPI runs a plain function dependency in its thread pool, a hop per dependency per
    request for a lookup of an attribute."""
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(services)]


def client_address(request: Request) -> str:
    """The caller's address (uvicorn puts a trusted proxy's forwarded address here)."""
    return request.client.host if request.client else "unknown"


def same(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison of two tokens, neither missing."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


class SignInRequired(Exception):
    """A page asked for without a live session: the browser goes to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def page_identity(request: Request, app: ServicesDep) -> Identity:
    """The signed-in caller of a page; SignInRequired otherwise."""
    identity = app.doorman.from_session(request.cookies.get(SESSION_COOKIE))
    if identity is None:
        raise SignInRequired(request.url.path)
    return identity


def api_identity(request: Request, app: ServicesDep) -> Identity:
    """The caller of an API request: a bearer token, or a signed-in session (which must
    send its CSRF token in ``X-CSRF-Token`` to change anything); 401 otherwise."""
    header = request.headers.get("authorization")
    if header is not None:
        if not header.startswith(BEARER):
            raise Refused(
                401,
                "authorization: got a scheme other than Bearer, expected "
                "`Authorization: Bearer USER:TOKEN`",
                field="authorization",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return app.doorman.from_bearer(header, client_address(request))
    identity = app.doorman.from_session(request.cookies.get(SESSION_COOKIE))
    if identity is None:
        raise _no_credentials()
    if request.method not in _SAFE:
        assert identity.session is not None
        if not same(request.headers.get(CSRF_HEADER), identity.session.csrf):
            raise Refused(
                403,
                f"{CSRF_HEADER}: missing or wrong, expected the session's CSRF token "
                "with every change made from a signed-in browser",
                field=CSRF_HEADER,
            )
    return identity


def _no_credentials() -> Refused:
    return Refused(
        401,
        "authorization: missing, expected `Authorization: Bearer USER:TOKEN` or a "
        "signed-in session",
        field="authorization",
        headers={"WWW-Authenticate": "Bearer"},
    )


async def api_credentials(request: Request) -> None:
    """An API request carries a bearer header or a session cookie; 401 otherwise. Nothing is
    looked up: an endpoint called often (a command) finds its caller with
    :func:`api_identity` in its own lane, as for :data:`SignedIn`."""
    if "authorization" not in request.headers and not request.cookies.get(SESSION_COOKIE):
        raise _no_credentials()


async def page_caller(request: Request, app: ServicesDep) -> Identity:
    """:func:`page_identity` as a dependency, in the quick lane (FastAPI would run a plain
    function in its thread pool, one more hop)."""
    return await in_quick_lane(page_identity, request, app)


async def api_caller(request: Request, app: ServicesDep) -> Identity:
    """:func:`api_identity` as a dependency, in the quick lane."""
    return await in_quick_lane(api_identity, request, app)


async def checked_form(
    request: Request, identity: Annotated[Identity, Depends(page_caller)]
) -> Identity:
    """The caller of a form post whose CSRF token matches their session; 403 otherwise."""
    form = await request.form()
    given = form.get(CSRF_FIELD)
    assert identity.session is not None
    if not isinstance(given, str) or not same(given, identity.session.csrf):
        raise Refused(
            403,
            f"{CSRF_FIELD}: missing or wrong, expected the token of the form you were shown "
            "(reload the page and try again)",
            field=CSRF_FIELD,
        )
    return identity


def new_csrf() -> str:
    """A fresh CSRF token."""
    return secrets.token_urlsafe(32)


async def session_cookie(request: Request) -> None:
    """A page request's session cookie is there; SignInRequired otherwise. Nothing is looked
    up: the pages asked for most (the report page, the inbox) find their caller with
    :func:`page_identity` in the lane that serves them, as a dependency of its own in a
    thread would be one more hop (some 0.25 ms of CPU, a sixth of a kept report page)."""
    if not request.cookies.get(SESSION_COOKIE):
        raise SignInRequired(request.url.path)


PageCaller = Annotated[Identity, Depends(page_caller)]
#: A page that finds its caller itself, in its own lane (``page_identity(request, app)``).
SignedIn = Annotated[None, Depends(session_cookie)]
FormCaller = Annotated[Identity, Depends(checked_form)]
ApiCaller = Annotated[Identity, Depends(api_caller)]
#: An API endpoint that finds its caller itself, in its own lane (``api_identity(request, app)``).
ApiCredentials = Annotated[None, Depends(api_credentials)]


async def project_in_path(request: Request) -> str | None:
    """The project of a page under ``/reports/{department}/{year}/projects/{project}``; None
    on the department's own report's page (never taken from the query)."""
    project = request.path_params.get("project")
    return project if isinstance(project, str) else None


#: The 项目支出 report a page is about, from its path (None: the 部门整体 report).
ProjectPath = Annotated[str | None, Depends(project_in_path)]
