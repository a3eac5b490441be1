"""Turning events into rows of the log: canonical payloads and the hash chain.

Both stores build rows here, so the chain is computed one way only. A row's hash
covers its position, stream, version, ids, type, schema version, metadata, the
exact payload text and the hash of the row before it: editing, deleting or
reordering any row breaks the chain at that row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from events.errors import InvalidExpectedVersion
from events.model import Event, Metadata, new_event_id, validate_stream_id
from events.registry import EventRegistry

#: The predecessor hash of the first event in the log.
GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: one text for one value, on every machine."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def utc_text(moment: datetime) -> str:
    """A moment as ISO 8601 UTC with microseconds; naive datetimes are taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True, slots=True)
class Row:
    """One events-table row, exactly as stored and hashed."""

    position: int
    stream_id: str
    version: int
    event_id: str
    event_type: str
    schema_version: int
    payload: str
    actor: str
    role: str
    recorded_at: datetime
    correlation_id: str | None
    causation_id: str | None
    prev_hash: str
    hash: str

    def as_dict(self) -> dict[str, Any]:
        """The row as column name → value, for an INSERT."""
        return {name: getattr(self, name) for name in self.__slots__}


def row_hash(
    *,
    position: int,
    stream_id: str,
    version: int,
    event_id: str,
    event_type: str,
    schema_version: int,
    payload: str,
    actor: str,
    role: str,
    recorded_at: datetime,
    correlation_id: str | None,
    causation_id: str | None,
    prev_hash: str,
) -> str:
    """The SHA-256 of a row's content and its predecessor's hash."""
    content = canonical_json(
        [
            position,
            stream_id,
            version,
            event_id,
            event_type,
            schema_version,
            actor,
            role,
            utc_text(recorded_at),
            correlation_id,
            causation_id,
            prev_hash,
        ]
    )
    digest = hashlib.sha256(content.encode())
    digest.update(b"\n")
    digest.update(payload.encode())
    return digest.hexdigest()


def check_append_arguments(
    registry: EventRegistry, stream_id: object, expected_version: object, events: Sequence[object]
) -> list[Event]:
    """Validate what a writer asks to append before anything touches the database."""
    validate_stream_id(stream_id)
    if (
        isinstance(expected_version, bool)
        or not isinstance(expected_version, int)
        or expected_version < 0
    ):
        raise InvalidExpectedVersion(
            f"expected version: got {expected_version!r}, expected a whole number >= 0 "
            "(0 for a new stream)"
        )
    if isinstance(events, Event) or not isinstance(events, Sequence):
        raise InvalidExpectedVersion(
            f"events: got {type(events).__name__}, expected a list of events"
        )
    return [registry.check(event) for event in events]


def build_rows(
    events: Sequence[Event],
    *,
    stream_id: str,
    first_version: int,
    first_position: int,
    prev_hash: str,
    metadata: Metadata,
    recorded_at: datetime,
) -> list[Row]:
    """Chain ``events`` after ``prev_hash``, numbering versions and positions from the firsts."""
    rows = []
    for offset, event in enumerate(events):
        fields = {
            "position": first_position + offset,
            "stream_id": stream_id,
            "version": first_version + offset,
            "event_id": new_event_id(),
            "event_type": event.event_type,
            "schema_version": event.schema_version,
            "payload": canonical_json(event.model_dump(mode="json")),
            "actor": metadata.actor,
            "role": metadata.role,
            "recorded_at": recorded_at,
            "correlation_id": metadata.correlation_id,
            "causation_id": metadata.causation_id,
            "prev_hash": prev_hash,
        }
        prev_hash = row_hash(**fields)
        rows.append(Row(**fields, hash=prev_hash))
    return rows
