"""A render that takes too long records ``RenderFailed`` and never holds up other reports.

The oversized report is what an old log can hold: a narrative section of megabytes,
appended straight to the store as an event (the domain refuses such text today). The
worker is real (a Celery subprocess on Redis) with time limits set low, so that the test
takes seconds where production limits take minutes.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from events import EventStore
from events.model import Metadata, RecordedEvent
from projections.inboxes import inbox
from projections.migrations import open_store
from projections.registry import projection_runner
from projections.year_overview import year_overview
from tests.seed import DEPARTMENT_CODE, YEAR, seed_commands
from tests.worker.conftest import wait_for
from tests.worker.signed_off import Office, add_department, open_office, prepare, sign_off
from worker.ledger import RenderTarget
from worker.process import WorkerProcess
from worker.runner import relay_for
from worker.settings import WorkerSettings, load_settings
from workflow.commands import ApproveReport, SignOffReport, SubmitReport
from workflow.narrative import Section
from workflow.report_events import NarrativeEdited
from workflow.service import execute
from workflow.streams import report_stream_id

pytestmark = pytest.mark.slow

#: The department whose report is oversized, and the one signed off after it.
BIG, SMALL = DEPARTMENT_CODE, "gusu-edu"

#: About 3 MB of narrative: rendering it whole would take minutes.
SENTENCE = "本年度红十字会围绕人道救助、应急救护培训和博爱家园建设开展工作，成效明显。"
HUGE_TEXT = "\n".join(SENTENCE * 8 for _ in range(3_000))


def events_of(store: EventStore, department: str, event_type: str) -> list[RecordedEvent]:
    stream = report_stream_id(department, YEAR)
    return [r for r in store.read_stream(stream) if r.event_type == event_type]


def append_huge_narrative(store: EventStore, department: str) -> None:
    """What an old log may hold: a section far beyond today's limits, written as an event."""
    stream = report_stream_id(department, YEAR)
    section = Section(id="1.3.1", title="一、年度主要工作完成情况", text=HUGE_TEXT)
    store.append(
        stream,
        store.stream_version(stream),
        [NarrativeEdited(section=section)],
        metadata=Metadata(actor="zhang.san", role="preparer"),
    )


@pytest.fixture
def two_reports(db_url: str) -> Office:
    """The seed for two departments, reviewed up to the last signature; one is oversized."""
    office = open_office(open_store(db_url, create=True))
    add_department(office, SMALL)
    prepare(office, SMALL)
    prepare_big(office)
    return office


def prepare_big(office: Office) -> None:
    """The seed entered for the oversized report, its huge section, the review up to the
    last signature."""
    key = {"department": BIG, "year": YEAR}
    for command in seed_commands(BIG, YEAR):
        execute(office.store, office.preparer, command)
    append_huge_narrative(office.store, BIG)
    execute(office.store, office.preparer, SubmitReport(**key))
    execute(office.store, office.head, ApproveReport(**key, revision=1))
    execute(office.store, office.finance, ApproveReport(**key, revision=1))
    execute(office.store, office.head, SignOffReport(**key, revision=1))


#: The limits of each case (soft, hard) and the reason its failures give.
LIMITS = {
    # The render is interrupted at the soft limit and records its own failure.
    "soft": (3.0, 6.0, "render took longer than 3 s"),
    # No soft limit: Celery kills the pool process, the worker's main process records it.
    "hard": (0.0, 4.0, "render killed after 4 s (hard time limit)"),
}


@pytest.mark.parametrize("limit", sorted(LIMITS))
def test_an_oversized_render_fails_in_time_and_another_report_is_rendered(
    limit: str, two_reports: Office, redis_settings: WorkerSettings, tmp_path: Path
) -> None:
    soft, hard, reason = LIMITS[limit]
    settings = redis_settings.but(
        render_soft_limit=soft,
        render_hard_limit=hard,
        render_attempts=2,
        render_retry_backoff=1.0,
        redispatch_after=120.0,
        relay_interval=0.1,
    )
    office, store = two_reports, two_reports.store
    relay = relay_for(settings, store)
    # One pool process: the slow render and the next report compete for it.
    worker = WorkerProcess(settings, concurrency=1, log_path=tmp_path / "worker.log")
    with worker.start():
        sign_off(office, BIG)
        relay.step()
        wait_for(lambda: "] received" in worker.log_text(), 30, "the oversized render")
        signed = time.monotonic()
        sign_off(office, SMALL)
        wait_for(
            lambda: relay.step() or events_of(store, SMALL, "ReportRendered"),
            60,
            "the rendering of the report signed off second",
        )
        latency = time.monotonic() - signed
        wait_for(
            lambda: relay.step() or any(e.event.final for e in failures(store)),  # type: ignore[attr-defined]
            60,
            "the worker to give up on the oversized render",
        )
        # Given up: the sweep no longer owes it, and dispatches nothing more.
        relay.sweep()
        assert RenderTarget(BIG, YEAR, 1) not in relay.ledger.owed()
    # Held up at most by the time limits (and a pool process starting again), never by
    # the whole render of the oversized report.
    assert latency < 30, worker.log_text()[-3000:]
    assert events_of(store, BIG, "ReportRendered") == []
    recorded = [e.event for e in failures(store)]
    assert [(f.attempt, f.final) for f in recorded] == [(1, False), (2, True)]  # type: ignore[attr-defined]
    for failure in recorded:
        assert failure.reason == reason  # type: ignore[attr-defined]
        assert failure.formats == ("html", "pdf", "xlsx", "docx")  # type: ignore[attr-defined]
    [failed] = failures(store)[-1:]
    assert (failed.actor, failed.role) == ("worker", "system")
    runner = projection_runner(store)
    runner.setup()
    runner.catch_up()
    note = f"render failed after 2 attempts: {reason}"
    assert [(i.report, i.action, i.note) for i in inbox(runner.engine, "wang.wu")] == [
        (report_stream_id(BIG, YEAR), "reopen", note)
    ]
    assert [(i.action, i.note) for i in inbox(runner.engine, "admin")] == [("render", note)]
    overview = {row.department: row for row in year_overview(runner.engine, YEAR)}
    assert (overview[BIG].stage, overview[BIG].note) == ("signed_off", note)
    assert (overview[SMALL].stage, overview[SMALL].note) == ("rendered", None)


def failures(store: EventStore) -> list[RecordedEvent]:
    return events_of(store, BIG, "RenderFailed")


def test_time_limits_come_from_the_environment_and_must_be_ordered(db_url: str) -> None:
    settings = load_settings(
        {
            "JIXIAO_RENDER_SOFT_LIMIT": "30",
            "JIXIAO_RENDER_HARD_LIMIT": "45",
            "JIXIAO_RENDER_ATTEMPTS": "5",
            "JIXIAO_RENDER_RETRY_BACKOFF": "2",
        },
        db_url=db_url,
    )
    assert (
        settings.render_soft_limit,
        settings.render_hard_limit,
        settings.render_attempts,
        settings.render_retry_backoff,
    ) == (30.0, 45.0, 5, 2.0)
    assert load_settings(settings.env()) == settings
    defaults = load_settings({}, db_url=db_url)
    assert (defaults.render_soft_limit, defaults.render_hard_limit) == (120.0, 150.0)
    with pytest.raises(ValueError) as caught:
        load_settings({"JIXIAO_RENDER_SOFT_LIMIT": "60", "JIXIAO_RENDER_HARD_LIMIT": "60"})
    assert str(caught.value) == (
        "JIXIAO_RENDER_SOFT_LIMIT: got 60, expected less than JIXIAO_RENDER_HARD_LIMIT "
        "(60 seconds), or 0 for none"
    )
    only_hard = load_settings({"JIXIAO_RENDER_SOFT_LIMIT": "0", "JIXIAO_RENDER_HARD_LIMIT": "9"})
    assert (only_hard.render_soft_limit, only_hard.render_hard_limit) == (0.0, 9.0)
    with pytest.raises(ValueError) as attempts:
        load_settings({"JIXIAO_RENDER_ATTEMPTS": "0"})
    assert str(attempts.value) == (
        "JIXIAO_RENDER_ATTEMPTS: got '0', expected a whole number of attempts >= 1"
    )
