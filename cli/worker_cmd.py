"""`jixiao worker`: a Celery render worker with the outbox relay and the reconciling sweep."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.context import settings
from cli.failures import reported_errors

app = typer.Typer(help="The render worker: start it beside the store.", no_args_is_help=True)


@app.command()
def start(
    concurrency: Annotated[int, typer.Option(help="Render processes.", min=1, max=64)] = 1,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            envvar="JIXIAO_OUT",
            help="Folder for rendered reports (default ./jixiao-output).",
        ),
    ] = None,
) -> None:
    """Run a Celery worker and the outbox relay until Ctrl-C or SIGTERM.

    With --broker (or JIXIAO_BROKER) set to Redis, start one per machine; without it, the
    embedded broker (a SQLite file beside the store) needs no server.

    Example: jixiao --db postgresql://jixiao@db/jixiao --broker redis://127.0.0.1:6379/0 worker start --concurrency 2
    """
    import logging

    from worker.runner import run_worker

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    given = settings()
    with reported_errors():
        run_worker(given.db, given.broker, concurrency, out)
