"""Fixtures for the worker tests: a signed-off seed report on disk, a private Redis key space.

The seed report entered and reviewed up to its last signature is built once per session
and copied into each test's file; the last signature is given in the test's own time, as
the sweep's grace is counted from it.

Tests that run a real worker use the machine's Redis (127.0.0.1:6379) under a key prefix
of their own, deleted afterwards, so they never see another test's queues.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import redis

from events.store import EventStore
from projections.migrations import open_store
from tests.worker.signed_off import Office, open_office, prepare, sign_off
from tests.worlds import TemplateDatabases
from worker.settings import WorkerSettings, load_settings

REDIS_URL = "redis://127.0.0.1:6379/0"


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    """Poll ``condition`` until it holds; fail the test with ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A SQLite store file in the test's folder."""
    return f"sqlite:///{tmp_path / 'jixiao.db'}"


@pytest.fixture(scope="session")
def awaiting_last_signature(template_databases: TemplateDatabases) -> tuple[str, Office]:
    """A SQLite store built once: the seed entered, approved twice, signed once; and its office."""
    url = template_databases.new_like("sqlite://")
    office = open_office(open_store(url, create=True))
    prepare(office)
    office.store.engine.dispose()
    return url, office


@pytest.fixture
def office(
    db_url: str,
    awaiting_last_signature: tuple[str, Office],
    template_databases: TemplateDatabases,
) -> Office:
    """The seed report entered, reviewed and signed off: one render row in the outbox."""
    return signed_off_copy(awaiting_last_signature, template_databases, db_url)


def signed_off_copy(
    awaiting_last_signature: tuple[str, Office], templates: TemplateDatabases, db_url: str
) -> Office:
    """The built store copied to ``db_url`` and given its last signature now."""
    template_url, template = awaiting_last_signature
    templates.copy(template_url, db_url)
    office = replace(template, store=EventStore.open(db_url))
    sign_off(office)
    return office


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own on the machine's Redis, cleaned up afterwards."""
    prefix = f"jixiao-test-{uuid.uuid4().hex[:10]}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def redis_settings(db_url: str, tmp_path: Path, redis_prefix: str) -> WorkerSettings:
    """Worker settings on Redis under the test's prefix, output in the test's folder."""
    return load_settings({}, db_url=db_url, broker_url=REDIS_URL, out_dir=tmp_path / "out").but(
        broker_prefix=redis_prefix
    )
