"""Event classes for the store's own tests: the store knows nothing of reports."""

from __future__ import annotations

from decimal import Decimal

from events import Event, EventRegistry

registry = EventRegistry()


@registry.register("AmountRecorded")
class AmountRecorded(Event):
    """A figure typed against a line, with its raw text kept beside the number."""

    line: str
    amount: Decimal
    raw: str | None = None


@registry.register("NoteAdded")
class NoteAdded(Event):
    """Free text attached to a stream."""

    text: str


@registry.register("WriterStepped")
class WriterStepped(Event):
    """One step of one writer process, for concurrency tests."""

    writer: int
    step: int


# The old and the current shape of one event type, to show upcasting of stored rows.
old_registry = EventRegistry()


@old_registry.register("LineRenamed", version=1)
class LineRenamedV1(Event):
    """Version 1: a single name field."""

    name: str


@registry.register("LineRenamed", version=2)
class LineRenamed(Event):
    """Version 2: the old name is kept and the field carries its unit of meaning."""

    new_name: str
    old_name: str | None = None


@registry.upcaster("LineRenamed", from_version=1)
def _line_renamed_v1_to_v2(payload: dict) -> dict:
    return {"new_name": payload["name"], "old_name": None}
