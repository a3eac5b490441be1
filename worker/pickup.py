"""Whether a worker is there to render what was just signed off.

A running worker's relay publishes each outbox row within its relay interval (0.1 s by
default); a render row still unpublished after a short wait means no worker (or no relay)
is running. This is evidence, not a registry of workers: it needs no broker round trip,
and it works the same with the embedded broker, which cannot answer Celery's ping.
"""

from __future__ import annotations

import os
import time

from events.protocol import EventStoreProtocol
from workflow.service import RENDER_TOPIC

#: How long to wait for a relay to publish the render row: many relay intervals (0.1 s).
#: ``JIXIAO_PICKUP_WAIT`` sets it for a deployment whose relay runs less often.
PICKUP_WAIT = 1.5


def pickup_wait() -> float:
    """The wait in seconds: ``JIXIAO_PICKUP_WAIT``, else :data:`PICKUP_WAIT`; ValueError in
    one line for a value that is no number of seconds."""
    from worker.settings import seconds

    return seconds(os.environ, "JIXIAO_PICKUP_WAIT", PICKUP_WAIT)


def render_picked_up(
    store: EventStoreProtocol, key: str, *, wait: float | None = None, step: float = 0.1
) -> bool:
    """Whether the render outbox row ``key`` is published within ``wait`` seconds (by
    default :func:`pickup_wait`)."""
    deadline = time.monotonic() + (pickup_wait() if wait is None else wait)
    while True:
        pending = {message.key for _, message in store.pending_outbox(1000, topic=RENDER_TOPIC)}
        if key not in pending:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(step)


def rendering_note(store: EventStoreProtocol, stream_id: str, revision: int) -> str:
    """What to say after the last sign-off: the rendering is queued, and whether a worker
    took it or how to get it rendered."""
    try:
        wait = pickup_wait()
    except ValueError as error:
        return f"已排队生成报告文件；未检查工作进程，因为 {error}"
    if render_picked_up(store, f"render:{stream_id}:{revision}", wait=wait):
        return "已排队生成报告文件：工作进程已接收（worker running）"
    return (
        "已排队生成报告文件，但没有发现运行中的工作进程（no worker running）："
        "启动一个 `jixiao worker start`，或在本机生成 `jixiao worker render-pending`"
    )
