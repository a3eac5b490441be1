"""Rows of the log as the database driver returns them, turned into recorded events.

Shared by the SQL store and by the driver-only reader (:mod:`events.driver`), which must
not load SQLAlchemy: both decode the same columns the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from events.model import RecordedEvent
from events.registry import EventRegistry


def naive_utc(moment: datetime) -> datetime:
    """Naive UTC, the form both backends store (the column has no time zone)."""
    if moment.tzinfo is None:
        return moment
    if moment.tzinfo is UTC:  # the clock's own zone: no conversion to make
        return moment.replace(tzinfo=None)
    return moment.astimezone(UTC).replace(tzinfo=None)


def as_utc(moment: datetime) -> datetime:
    """Aware UTC; naive moments are taken as UTC and the clock's own pass unchanged
    (``datetime.replace`` costs as much as a small append's hash)."""
    zone = moment.tzinfo
    if zone is UTC:
        return moment
    if zone is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def aware_utc(stored: Any) -> datetime:
    """A stored recorded_at (SQLite's text or PostgreSQL's naive datetime) as aware UTC."""
    return as_utc(datetime.fromisoformat(stored) if isinstance(stored, str) else stored)


def stored_moment(moment: datetime, *, sqlite: bool) -> Any:
    """A moment in the form the recorded_at column holds: SQLAlchemy's text on SQLite
    (compared as text), naive UTC on PostgreSQL."""
    if not sqlite:
        return naive_utc(moment)
    return as_utc(moment).isoformat(" ", "microseconds")[:26]


def decode_rows(registry: EventRegistry, rows: Iterable[Sequence[Any]]) -> list[RecordedEvent]:
    """Rows of the events table (its columns in order) as recorded events, each payload
    decoded (and upcast) by ``registry``."""
    decode = registry.decode
    # A named tuple's own __new__ is a Python function; tuple.__new__ builds the same
    # RecordedEvent without that call, on every row of every read.
    make, recorded = tuple.__new__, RecordedEvent
    # Events of one append share their moment: each distinct one is converted once.
    moments: dict[Any, datetime] = {}
    out: list[RecordedEvent] = []
    append = out.append
    # Unpacking each row into names costs half what slicing it would.
    for (
        position,
        stream_id,
        version,
        event_id,
        event_type,
        schema_version,
        payload,
        actor,
        role,
        at,
        correlation_id,
        causation_id,
        prev_hash,
        digest,
    ) in rows:
        moment = moments.get(at)
        if moment is None:
            moment = moments[at] = aware_utc(at)
        event = decode(event_type, schema_version, payload)
        append(
            make(
                recorded,
                (
                    position,
                    stream_id,
                    version,
                    event_id,
                    event_type,
                    schema_version,
                    event,
                    actor,
                    role,
                    moment,
                    correlation_id,
                    causation_id,
                    prev_hash,
                    digest,
                ),
            )
        )
    return out
