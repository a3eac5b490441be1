"""What only the SQL store shows: what the tables hold, the guards that keep them append-only,
upcasting on read; and the registry. Behaviour every store shares is the store contract
(tests/events/store_contract.py)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import sqlalchemy as sa

from events import EventStore, InvalidEvent, Metadata, UnknownEventType
from tests.events.sample_events import (
    AmountRecorded,
    LineRenamed,
    LineRenamedV1,
    NoteAdded,
    old_registry,
    registry,
)

PREPARER = Metadata(actor="zhang.san", role="preparer", correlation_id="c-1")
STREAM = "report:gusu-rc:2021"


@pytest.fixture
def store(database_url: str):
    store = EventStore.open(database_url, registry, create=True)
    yield store
    store.engine.dispose()


def test_decimal_amounts_are_stored_as_exact_text(store: EventStore) -> None:
    store.append(STREAM, 0, [AmountRecorded(line="x", amount=Decimal("0.1"))], metadata=PREPARER)
    with store.engine.connect() as connection:
        payload = connection.exec_driver_sql("SELECT payload FROM events").scalar_one()
    assert json.loads(payload)["amount"] == "0.1"


def test_payloads_from_files_are_validated_by_the_registry() -> None:
    event = registry.create("AmountRecorded", {"line": "信息化建设", "amount": "2"})
    assert event == AmountRecorded(line="信息化建设", amount=Decimal("2"))
    with pytest.raises(InvalidEvent) as caught:
        registry.create("AmountRecorded", {"line": "信息化建设", "amount": "两万"})
    assert str(caught.value) == "AmountRecorded.amount: got '两万', expected a valid decimal"
    with pytest.raises(
        InvalidEvent,
        match=r"AmountRecorded.colour: got 'red', expected extra inputs are not permitted",
    ):
        registry.create("AmountRecorded", {"line": "x", "amount": "1", "colour": "red"})
    with pytest.raises(UnknownEventType, match="event type: got 'BudgetExploded'"):
        registry.create("BudgetExploded", {})
    with pytest.raises(InvalidEvent, match="NoteAdded payload: got list"):
        registry.create("NoteAdded", ["x"])


def test_metadata_requires_a_named_actor() -> None:
    with pytest.raises(ValueError, match="actor"):
        Metadata(actor=" ", role="preparer")


def test_the_database_refuses_update_and_delete_of_events(store: EventStore) -> None:
    store.append(STREAM, 0, [NoteAdded(text="original")], metadata=PREPARER)
    for statement in (
        'UPDATE events SET payload = \'{"text":"forged"}\'',
        "DELETE FROM events",
        "UPDATE event_log_head SET position = 0",
        "DELETE FROM event_log_head",
    ):
        with pytest.raises(sa.exc.DatabaseError), store.engine.begin() as connection:
            connection.exec_driver_sql(statement)
    assert store.read_stream(STREAM)[0].event.text == "original"
    assert store.verify().ok


def test_old_event_shapes_are_upcast_on_read_and_never_rewritten(database_url: str) -> None:
    old = EventStore.open(database_url, old_registry, create=True)
    old.append(STREAM, 0, [LineRenamedV1(name="志愿者队伍建设")], metadata=PREPARER)
    old.engine.dispose()

    new = EventStore.open(database_url, registry)
    (read,) = new.read_stream(STREAM)
    assert read.event == LineRenamed(new_name="志愿者队伍建设", old_name=None)
    assert read.schema_version == 1
    with new.engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT schema_version, payload FROM events").one()
    assert tuple(stored) == (1, '{"name":"志愿者队伍建设"}')
    assert new.verify().ok
    new.engine.dispose()


def test_a_row_newer_than_this_code_is_named() -> None:
    with pytest.raises(
        UnknownEventType, match="LineRenamed schema version: got 3, expected at most 2"
    ):
        registry.decode("LineRenamed", 3, '{"new_name":"x"}')
