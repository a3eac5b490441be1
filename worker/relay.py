"""The outbox relay: publish committed render requests to Celery, and sweep for lost ones.

Publishing is at-least-once: a row is marked published only after the broker took the
message, so a crash between the two publishes it again (the task is idempotent). While
the broker is unreachable the relay backs off exponentially and counts each failed
attempt on its rows. The sweep re-dispatches every signed-off revision whose
``ReportRendered`` has not appeared within the grace period, and a revision whose render
failed after a backoff, until the worker gives up on it (see :mod:`worker.ledger`).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from celery import Celery
from kombu.exceptions import OperationalError

from events import EventStore
from worker.celery_app import RENDER_TASK
from worker.ledger import RenderLedger, RenderTarget
from workflow.service import RENDER_TOPIC

log = logging.getLogger(__name__)

#: How hard one publish tries before the relay backs off: twice, quickly.
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}

#: The relay's backoff while the broker is unreachable: 0.5 s doubling up to this.
MAX_BACKOFF = 30.0


class BrokerUnavailable(Exception):
    """The broker refused or dropped the connection; the relay will try again later."""


class Relay:
    """Moves render requests from the outbox (and the sweep) to the Celery broker."""

    def __init__(
        self,
        store: EventStore,
        app: Celery,
        *,
        redispatch_after: float,
        retry_backoff: float = 60.0,
        max_backoff: float = MAX_BACKOFF,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.app = app
        self.clock = clock
        self.ledger = RenderLedger(
            grace=timedelta(seconds=redispatch_after),
            retry_backoff=timedelta(seconds=retry_backoff),
        )
        self.max_backoff = max_backoff
        self._failures = 0
        self._paused_until = 0.0

    @property
    def broker_down(self) -> bool:
        """Whether the last attempt to reach the broker failed."""
        return self._failures > 0

    def dispatch(self, target: RenderTarget) -> None:
        """Publish one render task; BrokerUnavailable if the broker cannot take it."""
        try:
            self.app.send_task(
                RENDER_TASK,
                kwargs=target.payload(),
                # Traceable to its outbox key, unique per publish (redispatches differ).
                task_id=f"{target.key}:{uuid.uuid4().hex[:12]}",
                # The log records the outcome; waiting on a result backend would tie the
                # relay to it (and to its reconnect loop while Redis is down).
                ignore_result=True,
                retry=True,
                retry_policy=PUBLISH_RETRY,
            )
        except (OperationalError, OSError) as error:
            raise BrokerUnavailable(str(error)) from error

    def _broker_failed(self, error: BrokerUnavailable) -> None:
        self._failures += 1
        backoff = min(0.5 * 2 ** min(self._failures - 1, 16), self.max_backoff)
        self._paused_until = time.monotonic() + backoff
        log.warning("broker unavailable (%s); retrying in %.1f s", error, backoff)

    def _broker_ok(self) -> None:
        if self._failures:
            log.info("broker reachable again after %d failed attempts", self._failures)
        self._failures = 0

    def publish_pending(self, limit: int = 100) -> list[str]:
        """Publish the outbox's pending render rows, oldest first; the keys published."""
        published: list[str] = []
        for row_id, message in self.store.pending_outbox(limit, topic=RENDER_TOPIC):
            try:
                self.dispatch(RenderTarget.from_payload(message.payload))
            except BrokerUnavailable as error:
                self.store.count_failed_attempt(row_id)
                self._broker_failed(error)
                break
            self._broker_ok()
            self.store.mark_published(row_id, self.clock())
            published.append(message.key)
        return published

    def sweep(self) -> list[RenderTarget]:
        """Re-dispatch the owed renders whose grace ran out; the targets dispatched."""
        self.ledger.catch_up(self.store)
        now = self.clock()
        dispatched: list[RenderTarget] = []
        for target in self.ledger.due(now):
            try:
                self.dispatch(target)
            except BrokerUnavailable as error:
                self._broker_failed(error)
                break
            self._broker_ok()
            self.ledger.dispatched(target, now)
            dispatched.append(target)
            log.warning(
                "%s revision %d still unrendered: dispatched again",
                target.stream_id,
                target.revision,
            )
        return dispatched

    def step(self) -> None:
        """One pass: publish the outbox, then sweep; skipped while backing off."""
        if time.monotonic() < self._paused_until:
            return
        self.publish_pending()
        if time.monotonic() >= self._paused_until:
            self.sweep()

    def run(self, stop: Callable[[], bool], interval: float) -> None:
        """Pass over the outbox every ``interval`` seconds until ``stop()``."""
        while not stop():
            try:
                self.step()
            except Exception:
                # The store may be briefly unreachable; the next pass tries again.
                log.exception("relay pass failed")
            time.sleep(interval)
