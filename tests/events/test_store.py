"""Appending and reading on real SQLite and PostgreSQL: versions, cut-offs, errors, guards."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from events import (
    NO_STREAM,
    ConcurrencyError,
    EventStore,
    InvalidEvent,
    InvalidExpectedVersion,
    InvalidStreamId,
    Metadata,
    OutboxMessage,
    Snapshot,
    UnknownEventType,
)
from events.memory import InMemoryEventStore
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


class Clock:
    """A clock the test moves by hand, so as-of reads have known boundaries."""

    def __init__(self) -> None:
        self.now = datetime(2022, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def tick(self, minutes: int = 1) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(database_url: str, clock: Clock):
    store = EventStore.open(database_url, registry, create=True, clock=clock)
    yield store
    store.engine.dispose()


def count_rows(store: EventStore, table: str) -> int:
    with store.engine.connect() as connection:
        return connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()


def test_append_then_read_back_exactly(store: EventStore) -> None:
    events = [
        AmountRecorded(line="红十字人道宣传工作", amount=Decimal("12.50"), raw="12.5"),
        NoteAdded(text="压缩预算"),
    ]
    written = store.append(STREAM, NO_STREAM, events, metadata=PREPARER)

    read = store.read_stream(STREAM)
    assert [r.event for r in read] == events
    assert [r.version for r in read] == [1, 2]
    assert [r.position for r in read] == [1, 2]
    assert read == written
    assert read[0].event.amount == Decimal("12.50")
    assert (read[0].actor, read[0].role, read[0].correlation_id) == ("zhang.san", "preparer", "c-1")
    assert read[1].prev_hash == read[0].hash
    assert store.stream_version(STREAM) == 2
    assert store.head_position() == 2


def test_decimal_amounts_are_stored_as_exact_text(store: EventStore) -> None:
    store.append(STREAM, 0, [AmountRecorded(line="x", amount=Decimal("0.1"))], metadata=PREPARER)
    with store.engine.connect() as connection:
        payload = connection.exec_driver_sql("SELECT payload FROM events").scalar_one()
    assert json.loads(payload)["amount"] == "0.1"


def test_stale_expected_version_raises_and_writes_nothing(store: EventStore) -> None:
    store.append(STREAM, 0, [NoteAdded(text="one")], metadata=PREPARER)
    with pytest.raises(ConcurrencyError) as caught:
        store.append(
            STREAM,
            0,
            [NoteAdded(text="lost")],
            metadata=PREPARER,
            outbox=[OutboxMessage("render", {"report": STREAM}, key="render:1")],
            snapshot=Snapshot(STREAM, 1, "report", 1, {"a": 1}),
        )
    assert str(caught.value) == (
        "stream 'report:gusu-rc:2021': expected version 0, but it is at version 1; "
        "reload the stream and try again"
    )
    assert (caught.value.expected, caught.value.actual) == (0, 1)
    assert [r.event.text for r in store.read_stream(STREAM)] == ["one"]
    assert count_rows(store, "outbox") == 0
    assert count_rows(store, "snapshots") == 0
    assert store.head_position() == 1


def test_expected_version_ahead_of_the_stream_is_a_conflict(store: EventStore) -> None:
    with pytest.raises(ConcurrencyError):
        store.append(STREAM, 3, [NoteAdded(text="x")], metadata=PREPARER)
    assert count_rows(store, "events") == 0


def test_outbox_and_snapshot_commit_with_the_events(store: EventStore) -> None:
    store.append(STREAM, 0, [NoteAdded(text="a")], metadata=PREPARER)
    store.append(
        STREAM,
        1,
        [NoteAdded(text="signed")],
        metadata=PREPARER,
        outbox=[OutboxMessage("render", {"stream_id": STREAM, "revision": 1}, key="render:r1")],
        snapshot=Snapshot(STREAM, 2, "report", 1, {"stage": "signed_off"}),
    )
    pending = store.pending_outbox()
    assert [(m.topic, m.payload, m.key) for _, m in pending] == [
        ("render", {"stream_id": STREAM, "revision": 1}, "render:r1")
    ]
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT position FROM outbox").scalar_one() == 2
    assert store.load_snapshot(STREAM) == Snapshot(STREAM, 2, "report", 1, {"stage": "signed_off"})
    assert store.load_snapshot(STREAM, max_version=1) is None


def test_snapshots_pick_the_newest_fitting_version(store: EventStore) -> None:
    for version in (5, 10, 20):
        store.save_snapshot(Snapshot(STREAM, version, "report", 1, {"v": version}))
    store.save_snapshot(Snapshot(STREAM, 10, "report", 1, {"v": "ignored duplicate"}))
    assert store.load_snapshot(STREAM).state == {"v": 20}
    assert store.load_snapshot(STREAM, max_version=19).state == {"v": 10}
    assert store.load_snapshot("report:other:2021") is None


def test_read_stream_up_to_a_version_or_a_moment(store: EventStore, clock: Clock) -> None:
    store.append(STREAM, 0, [NoteAdded(text="draft")], metadata=PREPARER)
    first_done = clock.now
    clock.tick()
    store.append(STREAM, 1, [NoteAdded(text="edit"), NoteAdded(text="edit 2")], metadata=PREPARER)
    clock.tick()
    store.append(STREAM, 3, [NoteAdded(text="submitted")], metadata=PREPARER)

    assert [r.event.text for r in store.read_stream(STREAM, to_version=2)] == ["draft", "edit"]
    assert [r.version for r in store.read_stream(STREAM, from_version=3)] == [3, 4]
    assert [r.event.text for r in store.read_stream(STREAM, as_of=first_done)] == ["draft"]
    before = first_done - timedelta(seconds=1)
    assert store.read_stream(STREAM, as_of=before) == []
    assert store.read_stream(STREAM)[0].recorded_at == first_done


def test_read_all_in_batches_follows_global_order(store: EventStore) -> None:
    for i in range(7):
        stream = f"report:dept-{i % 3}:2021"
        store.append(
            stream, store.stream_version(stream), [NoteAdded(text=str(i))], metadata=PREPARER
        )
    batches = list(store.iter_all(batch_size=3))
    assert [len(b) for b in batches] == [3, 3, 1]
    assert [r.event.text for b in batches for r in b] == [str(i) for i in range(7)]
    assert [r.position for r in store.read_all(after=5)] == [6, 7]


def test_follow_yields_new_events_and_stops(store: EventStore) -> None:
    store.append(STREAM, 0, [NoteAdded(text="a"), NoteAdded(text="b")], metadata=PREPARER)
    seen: list[int] = []
    for batch in store.follow(after=0, batch_size=1, stop=lambda: len(seen) >= 2):
        seen.extend(r.position for r in batch)
    assert seen == [1, 2]


def test_empty_append_writes_nothing(store: EventStore) -> None:
    assert store.append(STREAM, 0, [], metadata=PREPARER) == []
    assert store.head_position() == 0


@pytest.mark.parametrize(
    ("stream", "expected", "events", "error", "message"),
    [
        (
            "Report 2021",
            0,
            [NoteAdded(text="x")],
            InvalidStreamId,
            "stream id: got 'Report 2021', expected 'category:identifier'",
        ),
        ("report:", 0, [NoteAdded(text="x")], InvalidStreamId, "stream id: got 'report:'"),
        (
            STREAM,
            -1,
            [NoteAdded(text="x")],
            InvalidExpectedVersion,
            "expected version: got -1, expected a whole number >= 0",
        ),
        (STREAM, "1", [NoteAdded(text="x")], InvalidExpectedVersion, "expected version: got '1'"),
        (STREAM, True, [NoteAdded(text="x")], InvalidExpectedVersion, "expected version: got True"),
        (
            STREAM,
            0,
            [LineRenamedV1(name="x")],
            UnknownEventType,
            "event type: got 'LineRenamedV1', expected a class registered",
        ),
        (STREAM, 0, [{"text": "x"}], InvalidEvent, "event: got dict, expected an Event instance"),
        (
            "report:gusu-rc:2021\n",
            0,
            [NoteAdded(text="x")],
            InvalidStreamId,
            "stream id: got 'report:gusu-rc:2021\\n', expected 'category:identifier'",
        ),
        # PostgreSQL keeps no NUL in text: one in a read model would break every read of it.
        (
            STREAM,
            0,
            [NoteAdded(text="ok"), NoteAdded(text="预算\x00资金")],
            InvalidEvent,
            f"event NoteAdded for {STREAM}: got a payload holding NUL (U+0000), expected text "
            "without NUL",
        ),
        (
            STREAM,
            0,
            [NoteAdded(text="\\\x00")],
            InvalidEvent,
            "got a payload holding NUL (U+0000)",
        ),
        (
            STREAM,
            0,
            [NoteAdded(text="预算\ud800")],
            InvalidEvent,
            f"event NoteAdded for {STREAM}: got a payload that is not UTF-8 text",
        ),
        (
            STREAM,
            0,
            NoteAdded(text="x"),
            InvalidExpectedVersion,
            "events: got NoteAdded, expected a list of events",
        ),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    store, stream, expected, events, error, message
) -> None:
    with pytest.raises(error) as caught:
        store.append(stream, expected, events, metadata=PREPARER)
    text = str(caught.value)
    assert message in text
    assert "\n" not in text
    assert count_rows(store, "events") == 0


def test_a_typed_backslash_before_u0000_is_text_not_nul(store: EventStore) -> None:
    text = "C:\\u0000\\temp"  # a backslash, then the letters u0000: harmless text
    store.append(STREAM, 0, [NoteAdded(text=text)], metadata=PREPARER)
    assert store.read_stream(STREAM)[0].event == NoteAdded(text=text)


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


def test_memory_store_follows_the_same_rules() -> None:
    memory = InMemoryEventStore(registry)
    memory.append(STREAM, 0, [NoteAdded(text="a")], metadata=PREPARER)
    with pytest.raises(ConcurrencyError):
        memory.append(STREAM, 0, [NoteAdded(text="b")], metadata=PREPARER)
    with pytest.raises(InvalidStreamId):
        memory.append("bad id", 0, [NoteAdded(text="b")], metadata=PREPARER)
    assert [r.event.text for r in memory.read_stream(STREAM)] == ["a"]
    assert memory.stream_version(STREAM) == 1
