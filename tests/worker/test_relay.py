"""The outbox relay and the sweep against a real Redis (no worker consumes here)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import redis

from tests.seed import DEPARTMENT_CODE, YEAR
from tests.worker.conftest import REDIS_URL
from tests.worker.signed_off import Office, sign_off_project, signed_off_store
from worker.celery_app import RENDER_QUEUE, RENDER_TASK
from worker.ledger import RenderTarget, retry_wait
from worker.render import record_failure, render_revision
from worker.runner import relay_for
from worker.settings import WorkerSettings
from worker.verify import verify_rendering
from workflow.commands import ReopenReport
from workflow.service import execute

TARGET = RenderTarget(DEPARTMENT_CODE, YEAR, 1)
STREAM = TARGET.stream_id


def queued(settings: WorkerSettings) -> list[dict]:
    """The render tasks waiting on the test's Redis queue: their headers and arguments."""
    client = redis.Redis.from_url(REDIS_URL)
    messages = client.lrange(settings.broker_prefix + RENDER_QUEUE, 0, -1)
    client.close()
    return [json.loads(m) for m in messages]


def task_kwargs(message: dict) -> dict:
    args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
    assert args == []
    return kwargs


def test_relay_publishes_the_outbox_row_and_marks_it(
    office: Office, redis_settings: WorkerSettings
) -> None:
    relay = relay_for(redis_settings, office.store)
    assert relay.publish_pending() == [TARGET.key]
    [row] = office.store.outbox_rows()
    assert row.published_at is not None and row.attempts == 1
    [message] = queued(redis_settings)
    assert message["headers"]["task"] == RENDER_TASK
    assert message["headers"]["id"].startswith(TARGET.key + ":")
    assert task_kwargs(message) == TARGET.payload() == row.payload
    # Published rows are not published again.
    assert relay.publish_pending() == []
    assert len(queued(redis_settings)) == 1


def test_an_unreachable_broker_leaves_the_row_pending_and_counts_attempts(
    office: Office, redis_settings: WorkerSettings
) -> None:
    down = redis_settings.but(broker_url="redis://127.0.0.1:1/0")
    relay = relay_for(down, office.store)
    assert relay.publish_pending() == []
    assert relay.broker_down
    [row] = office.store.outbox_rows()
    assert row.published_at is None and row.attempts == 1
    # While backing off, a pass does not even try.
    relay.step()
    assert office.store.outbox_rows()[0].attempts == 1


def test_the_sweep_redispatches_an_unrendered_revision_after_its_grace(
    office: Office, redis_settings: WorkerSettings
) -> None:
    relay = relay_for(redis_settings.but(redispatch_after=60.0), office.store)
    relay.publish_pending()
    assert relay.sweep() == []  # signed off seconds ago: the published task may still run
    assert relay.ledger.owed() == [TARGET]
    later = datetime.now(UTC) + timedelta(seconds=61)
    relay.clock = lambda: later
    assert relay.sweep() == [TARGET]
    assert len(queued(redis_settings)) == 2
    # The next redispatch waits twice the grace.
    assert relay.sweep() == []
    relay.clock = lambda: later + timedelta(seconds=121)
    assert relay.sweep() == [TARGET]


def test_the_sweep_forgets_a_rendered_revision(
    office: Office, redis_settings: WorkerSettings, tmp_path
) -> None:
    relay = relay_for(redis_settings.but(redispatch_after=0.0), office.store)
    relay.ledger.catch_up(office.store)
    assert relay.ledger.owed() == [TARGET]
    render_revision(office.store, DEPARTMENT_CODE, YEAR, 1, out_dir=tmp_path / "out")
    assert relay.sweep() == []
    assert relay.ledger.owed() == []
    assert queued(redis_settings) == []


def test_the_sweep_forgets_a_revision_reopened_before_rendering(
    office: Office, redis_settings: WorkerSettings
) -> None:
    execute(
        office.store,
        office.finance,
        ReopenReport(department=DEPARTMENT_CODE, year=YEAR, reason="更正项目支出"),
    )
    relay = relay_for(redis_settings.but(redispatch_after=0.0), office.store)
    assert relay.sweep() == []
    assert relay.ledger.owed() == []
    assert queued(redis_settings) == []


def test_relay_sweep_and_render_on_sqlite_and_postgresql(
    database_url: str, redis_settings: WorkerSettings, tmp_path
) -> None:
    office = signed_off_store(database_url)
    settings = redis_settings.but(db_url=database_url, redispatch_after=0.0)
    relay = relay_for(settings, office.store)
    assert relay.publish_pending() == [TARGET.key]
    assert relay.sweep() == [TARGET]
    assert len(queued(settings)) == 2
    outcome = render_revision(office.store, DEPARTMENT_CODE, YEAR, 1, out_dir=tmp_path / "out")
    assert outcome.recorded
    assert relay.sweep() == [] and relay.ledger.owed() == []
    assert verify_rendering(office.store, DEPARTMENT_CODE, YEAR).ok


def test_failed_attempts_are_recorded_once_retried_after_a_backoff_then_given_up(
    database_url: str, redis_settings: WorkerSettings
) -> None:
    office = signed_off_store(database_url)
    settings = redis_settings.but(
        db_url=database_url, redispatch_after=0.0, render_retry_backoff=60.0
    )
    relay = relay_for(settings, office.store)
    assert relay.publish_pending() == [TARGET.key]
    slow = "render took longer than 120 s"
    first = record_failure(
        office.store, DEPARTMENT_CODE, YEAR, 1, reason=slow, attempts_allowed=2, attempt=1
    )
    assert first is not None and (first.attempt, first.final) == (1, False)
    # A duplicate of the same attempt (a redelivered task) records nothing.
    assert (
        record_failure(
            office.store, DEPARTMENT_CODE, YEAR, 1, reason=slow, attempts_allowed=2, attempt=1
        )
        is None
    )
    # The next attempt waits between half and all of the backoff: not now, not after 30 s.
    assert relay.sweep() == []
    now = datetime.now(UTC)
    relay.clock = lambda: now + timedelta(seconds=29)
    assert relay.sweep() == []
    relay.clock = lambda: now + timedelta(seconds=61)
    assert relay.sweep() == [TARGET]
    # The hard-limit path numbers the attempt from the log: the second, and the last one.
    killed = "render killed after 150 s (hard time limit)"
    last = record_failure(office.store, DEPARTMENT_CODE, YEAR, 1, reason=killed, attempts_allowed=2)
    assert last is not None and (last.attempt, last.final) == (2, True)
    relay.clock = lambda: now + timedelta(days=1)
    assert relay.sweep() == [] and relay.ledger.owed() == []
    failed = [r for r in office.store.read_stream(STREAM) if r.event_type == "RenderFailed"]
    assert [(r.event.attempt, r.event.reason) for r in failed] == [(1, slow), (2, killed)]  # type: ignore[attr-defined]
    assert {(r.actor, r.role) for r in failed} == {("worker", "system")}


def test_the_backoff_between_attempts_doubles_with_jitter_up_to_an_hour() -> None:
    base = timedelta(seconds=60)
    for failures, cap in ((1, 60), (2, 120), (3, 240), (20, 3600)):
        waits = [retry_wait(base, failures).total_seconds() for _ in range(50)]
        assert all(cap / 2 <= wait <= cap for wait in waits), (failures, waits)
        assert len(set(waits)) > 1


def test_a_project_reports_render_is_published_and_swept_with_its_project(
    office: Office, redis_settings: WorkerSettings
) -> None:
    sign_off_project(office)
    project = RenderTarget(DEPARTMENT_CODE, YEAR, 1, "homes")
    assert project.stream_id == "report:gusu-rc:2021:homes"
    assert RenderTarget.from_stream(project.stream_id, 1) == project
    relay = relay_for(redis_settings.but(redispatch_after=0.0), office.store)
    assert relay.publish_pending() == [TARGET.key, project.key]
    (kwargs,) = [k for k in map(task_kwargs, queued(redis_settings)) if "project" in k["report"]]
    assert kwargs == project.payload()
    assert kwargs["report"] == {"department": DEPARTMENT_CODE, "year": YEAR, "project": "homes"}
    assert RenderTarget.from_payload(kwargs) == project
    relay.ledger.catch_up(office.store)
    assert set(relay.ledger.owed()) == {TARGET, project}
