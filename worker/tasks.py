"""The render task: one signed-off revision to HTML, PDF and XLSX, and one ``ReportRendered``.

Delivered at least once (late acks, requeue on worker loss, redispatch by the sweep), so
it is idempotent: see :func:`worker.render.render_revision`. A message for a reopened or
unknown revision is dropped with a warning, not retried: nothing will ever make it valid.
Nor is a render refused because the log it folds was changed (an edited or removed event):
it is logged as an error for `jixiao audit verify` to explain.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from celery import shared_task
from celery.signals import worker_process_init
from celery.utils.log import get_task_logger

from events import EventStore
from events.errors import BrokenChain, TamperedEvent
from worker.celery_app import RENDER_TASK, settings_of
from worker.render import render_revision, warm_up
from worker.revision import NothingToRender
from workflow.errors import StaleRevision

log = get_task_logger(__name__)

# WeasyPrint logs every layout step at INFO: eight lines a page in the worker's log.
logging.getLogger("weasyprint").setLevel(logging.WARNING)


@cache
def store_at(db_url: str) -> EventStore:
    """This process's store (opened after the fork, so pool processes share no connection)."""
    return EventStore.open(db_url)


@worker_process_init.connect
def _warm_up(**_: Any) -> None:
    # Pay for loading WeasyPrint, Pango and the CJK fonts before the first sign-off waits.
    warm_up()


@shared_task(
    name=RENDER_TASK,
    bind=True,
    autoretry_for=(Exception,),
    retry_backoff=1,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=10,
)
def render_report(
    self: Any, stream_id: str, report: dict[str, Any], revision: int
) -> dict[str, Any]:
    """Render ``revision`` of ``report`` (its outbox payload) and record it; safe to repeat."""
    settings = settings_of(self.app)
    department, year = report["department"], int(report["year"])
    try:
        outcome = render_revision(
            store_at(settings.db_url),
            department,
            year,
            int(revision),
            out_dir=settings.out_dir,
            pause=settings.render_pause,
        )
    except (StaleRevision, NothingToRender) as error:
        log.warning("render %s revision %s dropped: %s", stream_id, revision, error)
        return {"stream_id": stream_id, "revision": revision, "status": "dropped"}
    except (TamperedEvent, BrokenChain) as error:
        log.error("render %s revision %s refused: %s", stream_id, revision, error)
        return {"stream_id": stream_id, "revision": revision, "status": "refused"}
    status = "recorded" if outcome.recorded else "already rendered"
    log.info("render %s revision %s: %s", stream_id, revision, status)
    return {
        "stream_id": stream_id,
        "revision": revision,
        "status": status,
        "artifacts": [artifact.path for artifact in outcome.artifacts],
    }
