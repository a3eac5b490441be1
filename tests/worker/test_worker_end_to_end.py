"""Sign-off → outbox → broker → a real Celery worker subprocess → files + ``ReportRendered``.

No broker or worker is faked: Redis is the machine's (under a key prefix per test) or a
private ``redis-server`` the test starts and stops; the embedded transport is a SQLite
file. Faults are real too: ``kill -9`` of the worker's process group mid-render, Redis
down at sign-off time, the same task delivered twice.
"""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from events import EventStore
from events.model import RecordedEvent
from projections.migrations import open_store
from tests.seed import DEPARTMENT_CODE, YEAR
from tests.worker.conftest import REDIS_URL, wait_for
from tests.worker.signed_off import Office, open_office, prepare, sign_off, sign_off_project
from worker.ledger import RenderTarget
from worker.process import WorkerProcess
from worker.runner import relay_for, render_and_wait, run_worker
from worker.settings import WorkerSettings, load_settings
from worker.verify import verify_rendering

pytestmark = pytest.mark.slow

STREAM = f"report:{DEPARTMENT_CODE}:{YEAR}"
TARGET = RenderTarget(DEPARTMENT_CODE, YEAR, 1)


def renderings(store: EventStore) -> list[RecordedEvent]:
    return [r for r in store.read_stream(STREAM) if r.event_type == "ReportRendered"]


def output_files(out: Path) -> list[str]:
    """The files in the output folder (not the folder of partial writes)."""
    return sorted(p.name for p in out.iterdir() if p.is_file()) if out.exists() else []


def assert_one_artifact_set(store: EventStore, out: Path) -> None:
    [rendered] = renderings(store)
    artifacts = rendered.event.artifacts  # type: ignore[attr-defined]
    assert sorted(a.format for a in artifacts) == ["docx", "html", "pdf", "xlsx"]
    assert output_files(out) == sorted(Path(a.path).name for a in artifacts)
    # The worker's bytes are what this process renders from the log, and what the event says.
    verification = verify_rendering(store, DEPARTMENT_CODE, YEAR)
    assert verification.ok, verification


def test_run_worker_renders_a_sign_off_through_redis(
    db_url: str, redis_settings: WorkerSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    office = open_office(open_store(db_url, create=True))
    prepare(office)
    monkeypatch.setenv("JIXIAO_BROKER_PREFIX", redis_settings.broker_prefix)
    log = tmp_path / "worker.log"
    stop = threading.Event()
    runner = threading.Thread(
        target=run_worker,
        kwargs={
            "db_url": db_url,
            "broker_url": REDIS_URL,
            "concurrency": 1,
            "out_dir": redis_settings.out_dir,
            "stop": stop,
            "log_path": log,
        },
    )
    runner.start()
    try:
        wait_for(lambda: log.exists() and " ready." in log.read_text(), 60, "the worker")
        signed = time.monotonic()
        sign_off(office)
        wait_for(lambda: renderings(office.store), 30, "ReportRendered")
        latency = time.monotonic() - signed
    finally:
        stop.set()
        runner.join(60)
    assert not runner.is_alive()
    assert latency < 10
    assert_one_artifact_set(office.store, redis_settings.out_dir)
    [row] = office.store.outbox_rows()
    assert row.published_at is not None and row.attempts == 1
    [rendered] = renderings(office.store)
    assert (rendered.actor, rendered.role) == ("worker", "system")


def test_the_embedded_transport_renders_without_a_server(
    office: Office, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JIXIAO_BROKER", raising=False)
    artifacts = render_and_wait(
        DEPARTMENT_CODE, YEAR, db_url=db_url, out_dir=tmp_path / "out", timeout=90
    )
    assert load_settings({}, db_url=db_url).broker_url == (
        f"sqla+sqlite:///{tmp_path / 'jixiao-broker.db'}"
    )
    assert (tmp_path / "jixiao-broker.db").is_file()
    assert sorted(a.format for a in artifacts) == ["docx", "html", "pdf", "xlsx"]
    assert_one_artifact_set(office.store, tmp_path / "out")
    assert office.store.outbox_rows()[0].published_at is not None
    # Asking again returns the recorded artifacts without starting a worker.
    assert render_and_wait(DEPARTMENT_CODE, YEAR, db_url=db_url, timeout=1) == artifacts


def test_the_same_task_delivered_twice_gives_one_artifact_set(
    office: Office, redis_settings: WorkerSettings, tmp_path: Path
) -> None:
    relay = relay_for(redis_settings, office.store)
    assert relay.publish_pending() == [TARGET.key]
    relay.dispatch(TARGET)
    with WorkerProcess(redis_settings, concurrency=2, log_path=tmp_path / "w.log") as worker:
        wait_for(lambda: worker.log_text().count("succeeded in") == 2, 60, "both deliveries")
    log = worker.log_text()
    assert log.count("'status': 'recorded'") == 1
    assert log.count("'status': 'already rendered'") == 1
    assert_one_artifact_set(office.store, redis_settings.out_dir)


@pytest.mark.parametrize("broker", ["redis", "embedded"])
def test_kill_9_mid_render_then_restart_gives_one_artifact_set(
    broker: str, office: Office, db_url: str, redis_settings: WorkerSettings, tmp_path: Path
) -> None:
    # The render pauses after its first file, so the kill lands mid-render for sure. The
    # killed task stays unacknowledged on Redis for the visibility timeout (an hour), and
    # the embedded transport loses it outright: either way the sweep gets the revision
    # rendered after the restart.
    base = redis_settings if broker == "redis" else load_settings({}, db_url=db_url)
    settings = base.but(
        out_dir=tmp_path / "out", render_pause=30.0, redispatch_after=1.0, relay_interval=0.1
    )
    out = settings.out_dir
    relay = relay_for(settings, office.store)
    relay.publish_pending()
    first = WorkerProcess(settings, log_path=tmp_path / "first.log").start()
    wait_for(lambda: output_files(out), 60, "the first file of the render")
    first.kill()
    [left] = output_files(out)
    assert left.endswith(".html") and renderings(office.store) == []
    kept = (out / left).stat().st_ino
    second = WorkerProcess(settings.but(render_pause=0.0), log_path=tmp_path / "second.log")
    with second.start():
        wait_for(lambda: relay.step() or renderings(office.store), 60, "ReportRendered")
    assert_one_artifact_set(office.store, out)
    assert (out / left).stat().st_ino == kept


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A ``redis-server`` of the test's own, without persistence, that can be stopped."""

    def __init__(self, port: int, directory: Path) -> None:
        self.port, self.directory = port, directory
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.directory)),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        wait_for(lambda: self._answers(client), 10, f"redis-server on port {self.port}")
        client.close()

    @staticmethod
    def _answers(client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(_free_port(), tmp_path)
    server.start()
    yield server
    server.stop()


def test_redis_down_at_sign_off_renders_once_it_returns(
    db_url: str, private_redis: PrivateRedis, tmp_path: Path
) -> None:
    office = open_office(open_store(db_url, create=True))
    prepare(office)
    settings = load_settings(
        {},
        db_url=db_url,
        broker_url=f"redis://127.0.0.1:{private_redis.port}/0",
        out_dir=tmp_path / "out",
    )
    relay = relay_for(settings, office.store, max_backoff=1.0)
    with WorkerProcess(settings, log_path=tmp_path / "w.log").start():
        private_redis.stop()
        sign_off(office)
        relay.step()
        [row] = office.store.outbox_rows()
        assert row.published_at is None and row.attempts == 1 and relay.broker_down
        private_redis.start()
        wait_for(lambda: relay.step() or renderings(office.store), 90, "ReportRendered")
    [row] = office.store.outbox_rows()
    assert row.published_at is not None and row.attempts >= 2
    assert not relay.broker_down
    assert_one_artifact_set(office.store, settings.out_dir)


def test_a_project_reports_sign_off_is_rendered_by_a_real_worker(
    db_url: str, redis_settings: WorkerSettings, tmp_path: Path
) -> None:
    office = open_office(open_store(db_url, create=True))
    sign_off_project(office)
    relay = relay_for(redis_settings, office.store)
    project = RenderTarget(DEPARTMENT_CODE, YEAR, 1, "homes")
    assert relay.publish_pending() == [project.key]
    stream = project.stream_id
    with WorkerProcess(redis_settings, concurrency=1, log_path=tmp_path / "w.log"):
        wait_for(
            lambda: any(r.event_type == "ReportRendered" for r in office.store.read_stream(stream)),
            60,
            "the project's ReportRendered",
        )
    out = redis_settings.out_dir
    assert all(name.startswith(f"{DEPARTMENT_CODE}-{YEAR}@homes-r1-") for name in output_files(out))
    assert len(output_files(out)) == 4
    verification = verify_rendering(office.store, DEPARTMENT_CODE, YEAR, project="homes")
    assert verification.ok, verification
