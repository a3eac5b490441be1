"""The render task: one signed-off revision to HTML, PDF, XLSX and DOCX, and one ``ReportRendered``.

Delivered at least once (late acks, requeue on worker loss, redispatch by the sweep), so
it is idempotent: see :func:`worker.render.render_revision`. A message for a reopened or
unknown revision is dropped, not retried: nothing will ever make it valid (one for a
reopened revision is expected, and logged as information; an unknown one as a warning).

A render is bounded in time (docs/decisions/0304): past the soft limit it is interrupted
and records ``RenderFailed``; past the hard limit Celery kills its pool process and the
worker's main process records ``RenderFailed``. Errors are retried with exponential backoff
and full jitter, a bounded number of times, then recorded as ``RenderFailed`` too. After
``JIXIAO_RENDER_ATTEMPTS`` failed attempts the failure is final and the revision is no
longer rendered by the worker (docs/decisions/0305).

Nor is a render refused because the log it folds was changed (an edited or removed event):
it is logged as an error for `jixiao audit verify` to explain.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import cache
from typing import Any

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init
from celery.utils.log import get_task_logger
from celery.utils.time import get_exponential_backoff_interval
from celery.worker import state as worker_state
from celery.worker.request import Request

from events import EventStore
from events.errors import BrokenChain, TamperedEvent
from worker.celery_app import REMINDERS_TASK, RENDER_TASK, settings_of
from worker.reminders import describe, run_reminders
from worker.render import failure_reason, record_failure, render_revision, warm_up
from worker.revision import NothingToRender, find_signed_off
from workflow.errors import StaleRevision
from workflow.streams import report_stream_id

log = get_task_logger(__name__)

# WeasyPrint logs every layout step at INFO: eight lines a page in the worker's log.
logging.getLogger("weasyprint").setLevel(logging.WARNING)

#: Retries of one attempt that raised an error (a database or disk briefly unavailable),
#: waiting a random time up to 1, 2, 4 ... seconds (at most ``RETRY_BACKOFF_MAX``).
MAX_RETRIES = 10
RETRY_BACKOFF_MAX = 300


@cache
def store_at(db_url: str) -> EventStore:
    """This process's store (opened after the fork, so pool processes share no connection)."""
    return EventStore.open(db_url)


@worker_process_init.connect
def _warm_up(**_: Any) -> None:
    # Pay for loading WeasyPrint, Pango and the CJK fonts before the first sign-off waits.
    warm_up()


def _record_hard_limit(app: Any, task_id: str, kwargs: dict[str, Any]) -> None:
    settings = settings_of(app)
    report = kwargs.get("report") or {}
    try:
        department, year = report["department"], int(report["year"])
        project = report.get("project")
        revision = int(kwargs["revision"])
    except (KeyError, TypeError, ValueError):
        log.error("render task %s killed at its hard time limit: no report in %r", task_id, kwargs)
        return
    # This runs in the worker's main process, which forks new pool processes: the store is
    # opened for this one append and closed, so no child inherits its connections.
    store = EventStore.open(settings.db_url)
    try:
        record_failure(
            store,
            department,
            year,
            revision,
            reason=f"render killed after {settings.render_hard_limit:g} s (hard time limit)",
            attempts_allowed=settings.render_attempts,
            project=project,
        )
    except (StaleRevision, NothingToRender):
        pass  # nothing is owed for this revision any more
    except Exception:
        # The sweep dispatches the revision again; its next failure is recorded then.
        log.exception("render task %s: recording its hard time limit failed", task_id)
    finally:
        store.close()


class RenderRequest(Request):
    """A render task's request in the worker: records a hard time limit kill as ``RenderFailed``.

    Celery handles the hard limit in the worker's main process (the pool process is
    killed, so the task itself can record nothing); the message is acknowledged, so
    without this record the revision would wait for the sweep with no trace of why.
    """

    def on_timeout(self, soft: bool, timeout: float) -> None:
        """Celery's handling, then, for the hard limit, one ``RenderFailed``."""
        super().on_timeout(soft, timeout)
        if not soft and not worker_state.should_terminate:
            _record_hard_limit(self.task.app, self.id, self.kwargs)


def _stale(stream_id: str, revision: int, error: StaleRevision) -> None:
    """A message for a revision the report was reopened past: expected, not a fault."""
    log.info(
        "render %s revision %s not needed: %s; nothing is wrong: a reopened revision is kept "
        "as it was, and the new one is rendered when it is signed off",
        stream_id,
        revision,
        error,
    )


class RenderTask(Task):
    """The render task's class: its requests are :class:`RenderRequest`."""

    Request = RenderRequest


@shared_task(name=RENDER_TASK, bind=True, base=RenderTask, max_retries=MAX_RETRIES)
def render_report(
    self: Any, stream_id: str, report: dict[str, Any], revision: int
) -> dict[str, Any]:
    """Render ``revision`` of ``report`` (its outbox payload) and record it; safe to repeat."""
    settings = settings_of(self.app)
    department, year, revision = report["department"], int(report["year"]), int(revision)
    project = report.get("project")
    store = store_at(settings.db_url)
    dropped = {"stream_id": stream_id, "revision": revision, "status": "dropped"}
    try:
        signed = find_signed_off(store, department, year, revision, project=project)
    except StaleRevision as error:
        _stale(stream_id, revision, error)
        return dropped
    except NothingToRender as error:
        log.warning("render %s revision %s dropped: %s", stream_id, revision, error)
        return dropped
    if signed.given_up:
        log.warning(
            "render %s revision %s dropped: the worker gave up on it; "
            "jixiao worker render-pending --retry-failed renders it",
            stream_id,
            revision,
        )
        return dropped
    # Numbered when it starts, so that duplicates of one attempt record one failure.
    attempt = signed.next_attempt
    try:
        outcome = render_revision(
            store,
            department,
            year,
            revision,
            out_dir=settings.out_dir,
            pause=settings.render_pause,
            project=project,
        )
    except StaleRevision as error:
        _stale(stream_id, revision, error)
        return dropped
    except NothingToRender as error:
        log.warning("render %s revision %s dropped: %s", stream_id, revision, error)
        return dropped
    except (TamperedEvent, BrokenChain) as error:
        # Retrying cannot mend an edited log: `jixiao audit verify` says what changed.
        log.error("render %s revision %s refused: %s", stream_id, revision, error)
        return {"stream_id": stream_id, "revision": revision, "status": "refused"}
    except SoftTimeLimitExceeded:
        reason = f"render took longer than {settings.render_soft_limit:g} s"
        return _failed(self, department, year, revision, attempt, reason, project)
    except Exception as error:
        retries = self.request.retries
        if retries < self.max_retries:
            countdown = get_exponential_backoff_interval(
                factor=1, retries=retries, maximum=RETRY_BACKOFF_MAX, full_jitter=True
            )
            raise self.retry(exc=error, countdown=countdown) from error
        reason = f"{failure_reason(error)} ({retries + 1} tries)"
        return _failed(self, department, year, revision, attempt, reason, project)
    status = "recorded" if outcome.recorded else "already rendered"
    log.info("render %s revision %s: %s", stream_id, revision, status)
    return {
        "stream_id": stream_id,
        "revision": revision,
        "status": status,
        "artifacts": [artifact.path for artifact in outcome.artifacts],
    }


def _failed(
    task: Any,
    department: str,
    year: int,
    revision: int,
    attempt: int,
    reason: str,
    project: str | None = None,
) -> dict[str, Any]:
    """Record the failed attempt (once), and what the task returns for it."""
    settings = settings_of(task.app)
    stream_id = report_stream_id(department, year, project)
    try:
        event = record_failure(
            store_at(settings.db_url),
            department,
            year,
            revision,
            reason=reason,
            attempts_allowed=settings.render_attempts,
            attempt=attempt,
            project=project,
        )
    except (StaleRevision, NothingToRender) as error:
        log.warning("render %s revision %s dropped: %s", stream_id, revision, error)
        return {"stream_id": stream_id, "revision": revision, "status": "dropped"}
    final = event is not None and event.final
    return {
        "stream_id": stream_id,
        "revision": revision,
        "status": "given up" if final else "failed",
        "attempt": attempt,
        "reason": reason,
    }


@shared_task(name=REMINDERS_TASK, bind=True)
def send_deadline_reminders(self: Any) -> dict[str, Any]:
    """One pass of deadline reminders (the beat schedule runs it): records each reminder
    due now once, and with JIXIAO_SMTP mails it. Safe to run any number of times."""
    settings = settings_of(self.app)
    done = run_reminders(store_at(settings.db_url), now=datetime.now(UTC), smtp=settings.smtp)
    for record in done.recorded:
        log.info("reminded %s", describe(record))
    return done.as_data()
