"""`jixiao serve`: the web application (pages and JSON API) under uvicorn, each worker
process on a listening socket of its own (cli.serving).

The CLI never imports the server: uvicorn builds it from its import string in each of its
worker processes, with the options passed on as environment variables.
"""

from __future__ import annotations

import copy
import os
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer

from cli.context import open_store, settings
from cli.failures import reported_errors

#: What uvicorn imports and calls to build the application.
APPLICATION = "web.app:create_app"
#: The HTTP protocol uvicorn serves it with: each response in one write (decision 0628).
HTTP_PROTOCOL = "web.http_protocol:OneWriteHttp"


def _log_config() -> dict:
    """uvicorn's logging, with jixiao's own loggers (sign-ins, sessions) at INFO beside it."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["jixiao"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[
        int,
        typer.Option(help="Server processes (the store serialises their writes).", min=1, max=64),
    ] = 1,
    with_worker: Annotated[
        bool,
        typer.Option(
            "--with-worker",
            help="Also run a render worker with its outbox relay (as `jixiao worker start`).",
        ),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            envvar="JIXIAO_OUT",
            help="The folder of rendered reports: where --with-worker writes them and the "
            "pages offer them for download.",
        ),
    ] = None,
) -> None:
    """Run the web server: the pages each role works in, and the JSON API under /api/v1
    (OpenAPI at /api/docs). Stop it with Ctrl-C.

    Settings come from the environment: JIXIAO_SESSION_IDLE_MINUTES (30),
    JIXIAO_SECURE_COOKIES (0), JIXIAO_SIGNIN_FAILURES_PER_USER (5) and _PER_ADDRESS (20)
    within JIXIAO_SIGNIN_WINDOW_MINUTES (15); see docs/web.md.

    Example: jixiao --db sqlite:///jixiao.db serve --port 8000 --with-worker
    """
    from cli.serving import serve as serve_processes

    given = settings()
    open_store()  # refuses a mistyped SQLite path before any process starts
    if given.db:
        os.environ["JIXIAO_DB"] = given.db  # the server processes read it
    if out is not None:
        os.environ["JIXIAO_OUT"] = str(out)  # where the pages find the files to download
    stop = threading.Event()
    # uvicorn stops on SIGTERM or SIGINT, then raises the signal again once it has: let
    # that set ``stop`` instead of ending the process before the render worker is stopped.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    renderer = None
    if with_worker:
        from worker.runner import run_worker

        renderer = threading.Thread(
            target=run_worker,
            args=(given.db, given.broker, 1, out),
            kwargs={"stop": stop},
            name="jixiao-render-worker",
            daemon=True,
        )
        renderer.start()
    try:
        with reported_errors():
            serve_processes(
                APPLICATION,
                host=host,
                port=port,
                workers=workers,
                http=HTTP_PROTOCOL,
                proxy_headers=True,
                log_config=_log_config(),
            )
    finally:
        stop.set()
        if renderer is not None:
            renderer.join(timeout=30)
