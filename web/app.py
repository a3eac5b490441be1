"""The application factory: ``create_app(settings)`` wires the store, the sessions, the
projections and the templates into a FastAPI application with the API and the pages.

uvicorn builds it in each worker process from its import string::

    uvicorn --factory web.app:create_app      # what `jixiao serve` runs

Settings left out come from the environment (``JIXIAO_DB`` …, see web.settings).
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, nullcontext
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

import workflow  # noqa: F401  (the domain's event types, known to the registry)
from events.errors import EventStoreError, TamperedEvent
from projections.migrations import open_store
from projections.token_uses import TokenUses
from web.dependencies import SESSION_COOKIE, Services, SignInRequired
from web.disk_syncer import disk_syncer_serving
from web.errors import Refused, refusal, validation_refusal
from web.folds import ReportFolds
from web.fragments import CSRF_PLACEHOLDER
from web.identity import Doorman
from web.kept_pages import KeptPages
from web.lanes import open_long_lane, open_quick_lane
from web.reading import Reads
from web.routers import (
    api_commands,
    api_reads,
    pages_audit,
    pages_files,
    pages_imports,
    pages_inbox,
    pages_overview,
    pages_reports,
    pages_session,
)
from web.sessions import SessionStore, SignInThrottle
from web.settings import WebSettings, load_web_settings
from web.templating import STATIC, templates
from web.warm_start import route_once
from workflow.errors import DomainError

log = logging.getLogger("jixiao.web")

#: The modules of the server's routers, in the order their routes are tried. A request is
#: matched against the included routers one after another, some 40 µs of CPU each, so the
#: pages and commands asked for most come first (a kept report page served 0.35 ms sooner
#: than from the last router). The report page's catch-all form paths
#: (/reports/{department}/{year}/{action}) come last, after the pages that share their
#: prefix (create_app).
ROUTER_MODULES = (
    pages_reports,
    pages_inbox,
    api_commands,
    api_reads,
    pages_session,
    pages_overview,
    pages_imports,
    pages_files,
    pages_audit,
)

#: Error page headings by status.
_HEADINGS = {
    401: "请先登录",
    403: "不允许的操作",
    404: "未找到",
    409: "状态已变化",
    422: "无法接受的输入",
    429: "登录尝试过多",
}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _answer(request: Request, refused: Refused) -> Response:
    """A refusal as one-line JSON for the API, as an error page for a browser."""
    if _is_api(request):
        return JSONResponse(refused.body(), status_code=refused.status, headers=refused.headers)
    app: Services = request.app.state.services
    identity = None
    try:
        identity = app.doorman.from_session(request.cookies.get(SESSION_COOKIE))
    except Exception:  # an error page must not fail on the session that led to it
        log.exception("session lookup for an error page failed")
    return app.templates.TemplateResponse(
        request,
        "error.html.j2",
        {
            "identity": identity,
            "heading": _HEADINGS.get(refused.status, "出错了"),
            "message": refused.message,
        },
        status_code=refused.status,
        headers=refused.headers,
    )


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(Refused)
    async def refused(request: Request, error: Refused) -> Response:
        return _answer(request, error)

    @app.exception_handler(DomainError)
    async def domain(request: Request, error: DomainError) -> Response:
        return _answer(request, refusal(error))

    @app.exception_handler(EventStoreError)
    async def store(request: Request, error: EventStoreError) -> Response:
        status = 500 if isinstance(error, TamperedEvent) else 409
        return _answer(request, Refused(status, str(error)))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        return _answer(request, validation_refusal(error.errors()))

    @app.exception_handler(HTTPException)
    async def http(request: Request, error: HTTPException) -> Response:
        detail = error.detail if isinstance(error.detail, str) else str(error.detail)
        message = f"{request.url.path}: {detail.lower()}"
        return _answer(request, Refused(error.status_code, message, headers=error.headers))

    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, error: SignInRequired) -> Response:
        return RedirectResponse(f"/sign-in?next={quote(error.next_path)}", status_code=303)


#: The collector's thresholds while the application serves: a collection of the youngest
#: generation every 20,000 net allocations of tracked objects instead of 700, of the middle
#: one every 20 of those, of the oldest every 10 of the middle's (decision 0629).
SERVING_THRESHOLDS = (20_000, 20, 10)


@contextmanager
def collector_set_for_serving() -> Iterator[None]:
    """While the application serves, what its start left alive (modules, the application,
    the templates, the database's metadata: some 190,000 objects) is kept out of the cyclic
    garbage collector's oldest generation, so its full collections, which stop every
    request of the process, walk only what requests made since (docs/decisions/0615); and
    the collector runs at :data:`SERVING_THRESHOLDS`, so that the objects of a request,
    most of which reference counting frees when it ends, are not walked, kept and promoted
    by a collection every 700 of them (docs/decisions/0629). Once the application stops,
    what was frozen is collectable again and the thresholds are what they were."""
    thresholds = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVING_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """The application over the store of ``settings`` (default: from the environment).

    The database must be at the schema this code needs (`jixiao admin init` or `jixiao
    admin migrate`): the server changes no schema, at start or in a request.
    """
    settings = settings or load_web_settings()
    # A request's thread (the event loop's, or a lane's) holds the store's connection for
    # its thread and may check out one more (sessions, read models): two per thread, so no
    # request waits on the pool.
    threads = max(settings.threads, 1) + settings.long_threads
    store = open_store(settings.db_url, pool_size=2 * threads)
    reads = Reads(store)
    reads.setup()
    sessions = SessionStore(store.engine, settings.session_idle)
    throttle = SignInThrottle(
        store.engine,
        per_user=settings.max_failures_per_user,
        per_address=settings.max_failures_per_address,
        window=settings.failure_window,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Requests beyond the lanes wait in the event loop, not for a database connection.
        open_quick_lane(settings.threads)
        open_long_lane(settings.long_threads)
        await route_once(app)
        # Only SQLite's appends leave their wait for the disk to the server (decision 0636).
        syncing = disk_syncer_serving() if store.engine.dialect.name == "sqlite" else nullcontext()
        with syncing, collector_set_for_serving():
            yield

    app = FastAPI(
        lifespan=lifespan,
        title="jixiao",
        summary="预算部门整体支出绩效自评价: prepare, review, sign off and audit reports.",
        description=(
            "Every report command and read. Authenticate with "
            "`Authorization: Bearer USER:TOKEN` (the token `jixiao admin user token` "
            "issued), or from a signed-in browser with its session and `X-CSRF-Token`. "
            'A refusal is `{"error": "<one line>", "field": <the field or null>}` with a '
            "4xx status, and records nothing."
        ),
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    jinja = templates()
    app.state.services = Services(
        settings=settings,
        store=store,
        doorman=Doorman(store, sessions, throttle, TokenUses(store.engine)),
        reads=reads,
        templates=jinja,
        folds=ReportFolds(store),
        pages=KeptPages(CSRF_PLACEHOLDER),
    )
    _install_handlers(app)
    for router in ROUTER_MODULES:
        app.include_router(router.router)
        # A report's routes again under …/projects/{project}: a department's 项目支出 reports;
        # and the import of several of them at once.
        for extra in ("project_router", "imports_router"):
            if hasattr(router, extra):
                app.include_router(getattr(router, extra))
    app.include_router(pages_reports.actions_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
