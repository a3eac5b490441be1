"""What a command says after the last sign-off: whether a relay took the rendering."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from events import Metadata
from events.memory import InMemoryEventStore
from events.protocol import OutboxMessage
from tests.events.sample_events import NoteAdded, registry
from worker.pickup import render_picked_up, rendering_note
from workflow.service import RENDER_TOPIC

STREAM = "report:gusu-rc:2021"
KEY = f"render:{STREAM}:1"


@pytest.fixture
def store() -> InMemoryEventStore:
    """A store holding one render row waiting for its relay."""
    store = InMemoryEventStore(registry)
    store.append(
        STREAM,
        0,
        [NoteAdded(text="会签完成")],
        metadata=Metadata(actor="wang.wu", role="finance_reviewer"),
        outbox=[OutboxMessage(topic=RENDER_TOPIC, payload={"stream": STREAM}, key=KEY)],
    )
    return store


def _publish_later(store: InMemoryEventStore, after: float) -> threading.Timer:
    (row,) = store.outbox_rows(RENDER_TOPIC)
    timer = threading.Timer(after, store.mark_published, (row.id, datetime.now(UTC)))
    timer.start()
    return timer


def test_a_row_a_relay_publishes_within_the_wait_is_picked_up(store) -> None:
    timer = _publish_later(store, 0.2)
    assert render_picked_up(store, KEY, wait=5, step=0.05)
    timer.join()


def test_a_row_nobody_publishes_is_not(store) -> None:
    assert not render_picked_up(store, KEY, wait=0.3, step=0.05)


def test_the_note_says_whether_a_worker_took_it(store, monkeypatch) -> None:
    monkeypatch.setenv("JIXIAO_PICKUP_WAIT", "0.1")
    assert rendering_note(store, STREAM, 1) == (
        "已排队生成报告文件，但没有发现运行中的工作进程（no worker running）："
        "启动一个 `jixiao worker start`，或在本机生成 `jixiao worker render-pending`"
    )
    monkeypatch.setenv("JIXIAO_PICKUP_WAIT", "5")
    timer = _publish_later(store, 0.2)
    assert (
        rendering_note(store, STREAM, 1) == "已排队生成报告文件：工作进程已接收（worker running）"
    )
    timer.join()


def test_a_wait_that_is_no_number_is_named_and_nothing_waits(store, monkeypatch) -> None:
    monkeypatch.setenv("JIXIAO_PICKUP_WAIT", "soon")
    assert rendering_note(store, STREAM, 1) == (
        "已排队生成报告文件；未检查工作进程，因为 "
        "JIXIAO_PICKUP_WAIT: got 'soon', expected a number of seconds"
    )
