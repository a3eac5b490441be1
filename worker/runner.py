"""Entry points the CLI calls: run a worker with its relay, or render one report and wait.

``run_worker`` is ``jixiao worker start``: a Celery worker subprocess (restarted if it
dies, and with ``beat`` running the deadline-reminder schedule) and, in this process, the
outbox relay, the reconciliation sweep and, with ``JIXIAO_SMTP``, the mail relay.
``render_and_wait`` is the demo's "let a real worker render it": it starts a worker,
relays, waits for the ``ReportRendered`` event of the revision, and stops the worker.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import tempfile
import threading
import time
from pathlib import Path

from events import EventStore
from worker.celery_app import make_celery
from worker.ledger import RenderTarget
from worker.mailing import MailRelay
from worker.process import WorkerProcess
from worker.relay import MAX_BACKOFF, BrokerUnavailable, Relay
from worker.revision import find_signed_off
from worker.settings import WorkerSettings, load_settings
from workflow.artifacts import Artifact

log = logging.getLogger(__name__)


def relay_for(
    settings: WorkerSettings, store: EventStore | None = None, *, max_backoff: float = MAX_BACKOFF
) -> Relay:
    """A relay publishing to the broker of ``settings`` from its store."""
    return Relay(
        store or EventStore.open(settings.db_url),
        make_celery(settings),
        redispatch_after=settings.redispatch_after,
        retry_backoff=settings.render_retry_backoff,
        max_backoff=max_backoff,
    )


def run_worker(
    db_url: str | None = None,
    broker_url: str | None = None,
    concurrency: int = 1,
    out_dir: str | Path | None = None,
    *,
    stop: threading.Event | None = None,
    log_path: Path | None = None,
    beat: bool = False,
) -> None:
    """Run a worker and the relays until ``stop`` is set or SIGTERM/SIGINT arrives.

    Arguments left out come from the environment (``JIXIAO_DB``, ``JIXIAO_BROKER``,
    ``JIXIAO_OUT``, ``JIXIAO_SMTP``) or the embedded default. The worker's log goes to
    ``log_path``, or to this process's output. A worker that dies is started again. With
    ``beat`` the worker also runs the beat schedule (deadline reminders): one per
    deployment.
    """
    settings = load_settings(db_url=db_url, broker_url=broker_url, out_dir=out_dir)
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    relay = relay_for(settings)
    smtp = settings.smtp
    mailer = MailRelay(relay.store, smtp) if smtp is not None else None

    def new_worker() -> WorkerProcess:
        return WorkerProcess(settings, concurrency=concurrency, log_path=log_path, beat=beat)

    worker = new_worker()
    worker.start(wait=False)
    log.info(
        "worker %s started: broker %s, output %s", worker.name, _shown(settings), settings.out_dir
    )
    try:
        while not stop.is_set():
            if not worker.alive:
                log.warning("worker %s exited; starting another", worker.name)
                worker.stop()
                worker = new_worker()
                worker.start(wait=False)
            try:
                relay.step()
            except Exception:
                log.exception("relay pass failed")
            if mailer is not None:
                try:
                    mailer.step()
                except Exception:
                    log.exception("mail relay pass failed")
            stop.wait(settings.relay_interval)
    finally:
        worker.stop()


def _shown(settings: WorkerSettings) -> str:
    return settings.broker_url.split("@")[-1]


def render_and_wait(
    department: str,
    year: int,
    *,
    revision: int | None = None,
    db_url: str | None = None,
    broker_url: str | None = None,
    out_dir: str | Path | None = None,
    timeout: float = 120.0,
    project: str | None = None,
) -> tuple[Artifact, ...]:
    """Have a real worker render a signed-off revision (the latest when None); its artifacts.

    Starts a worker subprocess, publishes the outbox (and this revision, in case an
    earlier broker lost it), waits for the revision's ``ReportRendered``, stops the worker.
    Returns at once if the revision is already rendered. StaleRevision / NothingToRender
    if the revision is not the current signed-off one; RuntimeError if the worker gave up
    on it (a final ``RenderFailed``); TimeoutError with the worker's log.
    """
    settings = load_settings(db_url=db_url, broker_url=broker_url, out_dir=out_dir)
    store = EventStore.open(settings.db_url)
    signed = find_signed_off(store, department, year, revision, project=project)
    if signed.rendered is not None:
        return signed.rendered
    target = RenderTarget(department, year, signed.revision, project)
    relay = relay_for(settings, store)
    with tempfile.TemporaryDirectory(prefix="jixiao-worker-") as scratch:
        worker = WorkerProcess(settings, log_path=Path(scratch) / "worker.log")
        with worker.start():
            if target.key not in relay.publish_pending():
                # If the broker is down, the relay passes below retry with backoff.
                with contextlib.suppress(BrokerUnavailable):
                    relay.dispatch(target)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                current = find_signed_off(store, department, year, signed.revision, project=project)
                if current.rendered is not None:
                    return current.rendered
                if current.given_up and current.failure is not None:
                    raise RuntimeError(
                        f"report {target.stream_id} revision {target.revision}: render failed "
                        f"after {current.failure.attempt} attempt(s): {current.failure.reason}; "
                        "jixiao worker render-pending --retry-failed renders it in this process"
                    )
                if not worker.alive:
                    raise RuntimeError(f"celery worker exited:\n{worker.log_text()[-3000:]}")
                relay.step()
                time.sleep(0.05)
            raise TimeoutError(
                f"report {target.stream_id} revision {target.revision}: not rendered within "
                f"{timeout} s; worker log:\n{worker.log_text()[-3000:]}"
            )
