"""Deciding until recorded: the version check, the re-decide loop after a lost race, and the
metadata every append carries (docs/decisions/0108)."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Sequence

from events.errors import ConcurrencyError
from events.model import Event, Metadata, RecordedEvent
from events.protocol import EventStoreProtocol
from workflow.errors import StaleVersion

#: How many times a command given without an expected version is decided on the report as
#: it now is, when other writers appended to its stream between its read and its append.
#: Every lost attempt means another command was recorded, so the log always moves on; the
#: bound is set for many writers in tight loops on two busy cores (docs/decisions/0108).
DECIDE_ATTEMPTS = 50
#: The longest pause before the second attempt; it doubles with each attempt up to
#: RETRY_PAUSE_MAX, each pause drawn at random below it so that racing writers spread out.
RETRY_PAUSE = 0.002
RETRY_PAUSE_MAX = 0.05


def append_once(
    store: EventStoreProtocol,
    stream_id: str,
    version: int,
    events: Sequence[Event],
    metadata: Metadata,
) -> list[RecordedEvent]:
    """Append at ``version``; a conflict is StaleVersion, not decided again."""
    try:
        return store.append(stream_id, version, events, metadata=metadata)
    except ConcurrencyError as exc:
        raise StaleVersion(str(exc)) from exc


def until_recorded(
    stream_id: str,
    expected_version: int | None,
    attempt: Callable[[], list[RecordedEvent]],
) -> list[RecordedEvent]:
    """Run ``attempt`` (read the stream, authorise, decide, append) until it is recorded.

    A caller who gave ``expected_version`` decided on what they saw: a conflict is theirs
    to resolve, so it is refused at once. A caller who gave none asked for the command to
    apply to the report as it is: another writer's append between our read and our append
    says nothing against it, so it is read and decided again (every rule checked anew), a
    bounded number of times.
    """
    done = 0
    while True:
        done += 1
        try:
            return attempt()
        except ConcurrencyError as exc:
            if expected_version is not None:
                raise StaleVersion(str(exc)) from exc
            if done == DECIDE_ATTEMPTS:
                raise StaleVersion(
                    f"stream {stream_id!r}: got a change from another writer before each of "
                    f"{done} attempts (now at version {exc.actual}), expected a moment with "
                    "fewer writers; try again"
                ) from exc
        time.sleep(random.uniform(0, min(RETRY_PAUSE_MAX, RETRY_PAUSE * 2 ** (done - 1))))


def check_version(stream_id: str, expected: int | None, actual: int) -> None:
    """StaleVersion when the caller based their command on another version of the stream."""
    if expected is not None and expected != actual:
        raise StaleVersion(
            f"stream {stream_id!r} version: got {expected}, expected the current version "
            f"{actual}; reload and try again"
        )


def command_metadata(
    actor: str, role: str, correlation_id: str | None, causation_id: str | None
) -> Metadata:
    """Who issued a command in which role, with a new correlation id unless one is given."""
    return Metadata(
        actor=actor,
        role=role,
        correlation_id=correlation_id or str(uuid.uuid4()),
        causation_id=causation_id,
    )
