"""Turning events into rows of the log: canonical payloads and the hash chain.

Both stores build rows here, so the chain is computed one way only. A row's hash
covers its position, stream, version, ids, type, schema version, metadata, the
exact payload text and the hash of the row before it: editing, deleting or
reordering any row breaks the chain at that row.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import Any, NamedTuple

from pydantic_core import PydanticSerializationError

from events.errors import InvalidEvent, InvalidExpectedVersion
from events.model import Event, Metadata, validate_stream_id
from events.registry import EventRegistry

#: The predecessor hash of the first event in the log.
GENESIS_HASH = "0" * 64


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
# The C string encoder json uses: a JSON string literal with non-ASCII kept as is.
_STRING = encode_basestring


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: one text for one value, on every machine."""
    return _CANONICAL.encode(value)


# NUL as JSON writes it, "\u0000", after an even number of backslashes: an odd number would
# make it a typed backslash followed by the letters u0000, which is harmless text.
_ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def payload_json(event: Event, stream_id: str) -> bytes:
    """The event's payload as stored: compact JSON in field order (pydantic's serialiser).

    Raises InvalidEvent for a payload holding NUL (PostgreSQL cannot keep it in the read
    models' text columns, and one such event would break every read of them) or a lone
    surrogate (not UTF-8): the domain refuses both, so this only guards other writers.
    """
    try:
        payload = event.__pydantic_serializer__.to_json(event)
    except PydanticSerializationError as error:
        raise InvalidEvent(
            f"event {event.event_type} for {stream_id}: got a payload that is not UTF-8 text "
            f"({' '.join(str(error).split())}), expected text without lone surrogates"
        ) from None
    if b"u0000" in payload and _ESCAPED_NUL.search(payload):
        raise InvalidEvent(
            f"event {event.event_type} for {stream_id}: got a payload holding NUL (U+0000), "
            "expected text without NUL"
        )
    return payload


def _json(value: str | None) -> str:
    return "null" if value is None else _STRING(value)


#: The UUID variant nibble (binary 10xx) for each random hex digit: its low two bits kept.
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def new_event_ids(count: int) -> list[str]:
    """``count`` time-ordered (version 7, RFC 9562) UUIDs as text: the current Unix time in
    milliseconds, then 74 random bits from one call to the system's random source.

    Ids that grow with time land at the end of the ``event_id`` index instead of anywhere
    in it, so an import touches a few index pages instead of one per event: the bare
    driver inserts batches of 50-500 rows twice as fast (docs/decisions/0004).
    """
    millis = time.time_ns() // 1_000_000
    stamp = f"{millis >> 16:08x}-{millis & 0xFFFF:04x}-7"
    h = os.urandom(10 * count).hex()
    variant = _VARIANT
    return [
        f"{stamp}{h[k : k + 3]}-{variant[h[k + 3]]}{h[k + 4 : k + 7]}-{h[k + 7 : k + 19]}"
        for k in range(0, 20 * count, 20)
    ]


def utc_text(moment: datetime) -> str:
    """A moment as ISO 8601 UTC with microseconds; naive datetimes are taken as UTC."""
    zone = moment.tzinfo
    if zone is None:
        return moment.isoformat(timespec="microseconds") + "+00:00"
    if zone is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="microseconds")


class Row(NamedTuple):
    """One events-table row, exactly as stored and hashed, in column order."""

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


#: A row's column values as a plain tuple, in :class:`Row`'s order (what ``build_rows``
#: returns and the store inserts).
RowValues = tuple[Any, ...]


def _metadata_text(
    actor: str,
    role: str,
    recorded_at: datetime,
    correlation_id: str | None,
    causation_id: str | None,
) -> str:
    return (
        # Names are never None; a time's ISO text needs no escaping.
        f'{_STRING(actor)},{_STRING(role)},"{utc_text(recorded_at)}",'
        f"{_json(correlation_id)},{_json(causation_id)}"
    )


def _digest(
    position: int,
    stream_json: str,
    version: int,
    event_id: str,
    event_type: str,
    schema_version: int,
    metadata_text: str,
    prev_hash: str,
    payload: str,
) -> str:
    # The header is the canonical JSON list of the row's fields (see row_hash).
    header = (
        f"[{int(position)},{stream_json},{int(version)},{_json(event_id)},{_json(event_type)},"
        f"{int(schema_version)},{metadata_text},{_json(prev_hash)}]"
    )
    return hashlib.sha256(f"{header}\n{payload}".encode()).hexdigest()


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
    """The SHA-256 of a row's content and its predecessor's hash.

    It covers the canonical JSON list ``[position, stream_id, version, event_id,
    event_type, schema_version, actor, role, recorded_at (ISO 8601 UTC), correlation_id,
    causation_id, prev_hash]``, a newline, and the payload text exactly as stored.
    """
    return _digest(
        position,
        _json(stream_id),
        version,
        event_id,
        event_type,
        schema_version,
        _metadata_text(actor, role, recorded_at, correlation_id, causation_id),
        prev_hash,
        payload,
    )


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
    # A list or tuple is the common case; the Sequence ABC check costs more than the append's
    # own bookkeeping, so it is made only for other types.
    if type(events) not in (list, tuple) and (
        isinstance(events, Event) or not isinstance(events, Sequence)
    ):
        raise InvalidExpectedVersion(
            f"events: got {type(events).__name__}, expected a list of events"
        )
    return [registry.check(event) for event in events]


def check_streams_once(appends: Sequence[Any]) -> None:
    """Refuse an append to several streams that names one stream twice (its second part
    would be chained on a version the first has not written yet)."""
    seen: set[str] = set()
    for part in appends:
        if part.stream_id in seen:
            raise InvalidExpectedVersion(
                f"appends: got stream {part.stream_id!r} twice, expected each stream once"
            )
        seen.add(part.stream_id)


def build_rows(
    events: Sequence[Event],
    *,
    stream_id: str,
    first_version: int,
    first_position: int,
    prev_hash: str,
    metadata: Metadata,
    recorded_at: datetime,
    stored_at: Any = None,
) -> list[RowValues]:
    """Chain ``events`` after ``prev_hash``, numbering versions and positions from the firsts.

    Each row is a plain tuple of :class:`Row`'s fields, ready to insert: ``stored_at`` is
    ``recorded_at`` in the form the database column holds, if it has another. (sqlite3
    binds a plain tuple's values directly but a named tuple's one by one through the
    sequence protocol: 1.5 µs more per row.) Payloads are the events' compact JSON in
    field order (pydantic's serialiser: decimals as strings); what is stored is what is
    hashed, so ``verify`` never re-serialises.
    """
    actor, role = metadata.actor, metadata.role
    correlation_id, causation_id = metadata.correlation_id, metadata.causation_id
    # The header's middle, the same for every row of the append, encoded once: hashing the
    # UTF-8 of each part costs less than encoding one text that holds the Chinese payload.
    shared_utf8 = (
        f',{_metadata_text(actor, role, recorded_at, correlation_id, causation_id)},"'.encode()
    )
    if stored_at is None:
        stored_at = recorded_at
    stream_json = _STRING(stream_id)
    sha256 = hashlib.sha256
    rows: list[RowValues] = []
    append = rows.append
    position, version = first_position, first_version
    for event, event_id in zip(events, new_event_ids(len(events)), strict=True):
        event_type, schema_version = event.event_type, event.schema_version
        payload = payload_json(event, stream_id)
        # _digest inlined (an import of thousands of events spends its time here): ids and
        # hashes are hex and event types are names, so their JSON is the text in quotes.
        digest = sha256(
            b"".join(
                (
                    f'[{position},{stream_json},{version},"{event_id}","{event_type}",'
                    f"{schema_version}".encode(),
                    shared_utf8,
                    f'{prev_hash}"]\n'.encode(),
                    payload,
                )
            )
        ).hexdigest()
        append(
            (
                position,
                stream_id,
                version,
                event_id,
                event_type,
                schema_version,
                payload.decode(),
                actor,
                role,
                stored_at,
                correlation_id,
                causation_id,
                prev_hash,
                digest,
            )
        )
        prev_hash = digest
        position += 1
        version += 1
    return rows
