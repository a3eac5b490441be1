"""Signing in and out. The sign-in form carries a CSRF token checked against a cookie of its
own (there is no session yet); every sign-in starts a new session id."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from web.dependencies import (
    SESSION_COOKIE,
    SIGN_IN_CSRF_COOKIE,
    FormCaller,
    ServicesDep,
    client_address,
    new_csrf,
    same,
)
from web.errors import Refused
from web.lanes import QuickRoute

router = APIRouter(route_class=QuickRoute, tags=["pages"], include_in_schema=False)

HOME = "/inbox"


def secure(request: Request, app: ServicesDep) -> bool:
    """Whether cookies are marked Secure: over HTTPS, or always when the settings say so."""
    return app.settings.secure_cookies or request.url.scheme == "https"


def safe_next(path: str | None) -> str:
    """Where to go after signing in: a path on this site, never another site."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return HOME
    return path


def _sign_in_page(
    request: Request,
    app: ServicesDep,
    *,
    next_path: str,
    status: int = 200,
    error: str | None = None,
    field: str | None = None,
    user_id: str = "",
) -> Response:
    csrf = request.cookies.get(SIGN_IN_CSRF_COOKIE) or new_csrf()
    response = app.templates.TemplateResponse(
        request,
        "sign_in.html.j2",
        {
            "identity": None,
            "csrf": csrf,
            "next_path": safe_next(next_path),
            "error": error,
            "field": field,
            "user_id": user_id,
        },
        status_code=status,
    )
    response.set_cookie(
        SIGN_IN_CSRF_COOKIE,
        csrf,
        httponly=True,
        samesite="strict",
        secure=secure(request, app),
        path="/sign-in",
    )
    return response


@router.get("/")
def home() -> RedirectResponse:
    """The inbox (which sends a stranger to sign in)."""
    return RedirectResponse(HOME, status_code=303)


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, app: ServicesDep, next: str = HOME) -> Response:
    """The sign-in form: user id and token."""
    return _sign_in_page(request, app, next_path=next)


@router.post("/sign-in")
def sign_in(
    request: Request,
    app: ServicesDep,
    user_id: Annotated[str, Form()] = "",
    token: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = HOME,
) -> Response:
    """Check the token and start a new session; the form again with the refusal otherwise."""
    if not same(csrf_token, request.cookies.get(SIGN_IN_CSRF_COOKIE)):
        raise Refused(
            403,
            "csrf_token: missing or wrong, expected the token of the sign-in form you were "
            "shown (reload the page and try again)",
            field="csrf_token",
        )
    try:
        session_id, _ = app.doorman.sign_in(
            user_id.strip(),
            token.strip(),
            client_address(request),
            replacing=request.cookies.get(SESSION_COOKIE),
        )
    except Refused as refused:
        return _sign_in_page(
            request,
            app,
            next_path=next,
            status=refused.status,
            error=refused.message,
            field=refused.field,
            user_id=user_id,
        )
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        httponly=True,
        samesite="strict",
        secure=secure(request, app),
        path="/",
    )
    response.delete_cookie(SIGN_IN_CSRF_COOKIE, path="/sign-in")
    return response


@router.post("/sign-out")
def sign_out(request: Request, caller: FormCaller, app: ServicesDep) -> Response:
    """End the session and go back to the sign-in page."""
    app.doorman.sign_out(caller, client_address(request))
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
