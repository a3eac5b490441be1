"""The outbox relay and the sweep against a real Redis (no worker consumes here)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import redis

from tests.worker.conftest import REDIS_URL
from tests.worker.signed_off import Office, signed_off_store
from worker.celery_app import RENDER_QUEUE, RENDER_TASK
from worker.ledger import RenderTarget
from worker.outbox import outbox_rows
from worker.render import render_revision
from worker.runner import relay_for
from worker.settings import WorkerSettings
from worker.verify import verify_rendering
from workflow.commands import ReopenReport
from workflow.seed_data import DEPARTMENT_CODE, YEAR
from workflow.service import execute

TARGET = RenderTarget(DEPARTMENT_CODE, YEAR, 1)


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
    [row] = outbox_rows(office.store)
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
    [row] = outbox_rows(office.store)
    assert row.published_at is None and row.attempts == 1
    # While backing off, a pass does not even try.
    relay.step()
    assert outbox_rows(office.store)[0].attempts == 1


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
