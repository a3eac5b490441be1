"""The shapes that travel through the store: events, their metadata, recorded events."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, ClassVar, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from events.errors import InvalidEvent, InvalidStreamId

#: The expected version of a stream that has no events yet.
NO_STREAM = 0

# \Z, not $: '$' would also match before a final newline.
_STREAM_ID = re.compile(r"[a-z][a-z0-9_]*:[A-Za-z0-9][A-Za-z0-9_.:\-]{0,199}\Z")


def validate_stream_id(stream_id: object) -> str:
    """Return ``stream_id`` if it has the form 'category:identifier', else raise InvalidStreamId."""
    if not isinstance(stream_id, str) or not _STREAM_ID.match(stream_id):
        raise InvalidStreamId(
            f"stream id: got {stream_id!r}, expected 'category:identifier' "
            "(lower-case category; identifier of letters, digits, '_', '-', '.', ':'; "
            "at most 200 characters)"
        )
    return stream_id


def describe_validation_error(owner: str, error: ValidationError) -> str:
    """Fold a pydantic ValidationError into one line naming each field, value and expectation."""
    parts = []
    for item in error.errors(include_url=False):
        field = ".".join(str(p) for p in item["loc"]) or "(payload)"
        value = item.get("input")
        shown = repr(value) if not isinstance(value, dict) else "{…}"
        if len(shown) > 60:
            shown = shown[:57] + "…"
        expected = item["msg"].removeprefix("Input should be ").removeprefix("Value error, ")
        parts.append(f"{owner}.{field}: got {shown}, expected {expected[:1].lower()}{expected[1:]}")
    return "; ".join(parts)


class Event(BaseModel):
    """Base class of every domain event: a frozen, validated record of something that happened.

    Subclasses are registered in an :class:`events.registry.EventRegistry` under a
    type name and a schema version; the payload is the model's fields.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=False, defer_build=True)

    event_type: ClassVar[str] = ""
    schema_version: ClassVar[int] = 1

    @classmethod
    def parse_payload(cls, payload: dict[str, Any]) -> Event:
        """Validate a payload dict into this event class, raising InvalidEvent in one line."""
        try:
            return cls.model_validate(payload)
        except ValidationError as exc:
            raise InvalidEvent(describe_validation_error(cls.event_type, exc)) from None


class Metadata(BaseModel):
    """Who caused an event and in which conversation: stored beside every event."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    actor: str = Field(min_length=1, max_length=200)
    role: str = Field(min_length=1, max_length=50)
    correlation_id: str | None = Field(default=None, max_length=100)
    causation_id: str | None = Field(default=None, max_length=100)

    @field_validator("actor", "role")
    @classmethod
    def _no_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a non-blank name")
        return value


class RecordedEvent(NamedTuple):
    """An event as the log holds it: its place, its metadata and its chain hash.

    A named tuple rather than a frozen dataclass: immutable all the same, and several
    times cheaper to build, which matters when a projection replays the whole log.
    """

    position: int
    stream_id: str
    version: int
    event_id: str
    event_type: str
    schema_version: int
    event: Event
    actor: str
    role: str
    recorded_at: datetime
    correlation_id: str | None
    causation_id: str | None
    prev_hash: str
    hash: str
