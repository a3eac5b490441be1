"""What every event store must do, whatever holds its log.

:class:`StoreContract` is run once per store (tests/events/test_store_contract.py): the
in-memory store, SQLite and PostgreSQL. A subclass gives the ``store`` fixture (built on
the ``clock`` fixture) and the two ways an attacker edits its log; every behaviour below
is then the same on all three.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest

from events import (
    NO_STREAM,
    ConcurrencyError,
    EventStoreProtocol,
    InvalidEvent,
    InvalidExpectedVersion,
    InvalidStreamId,
    Metadata,
    OutboxMessage,
    Snapshot,
    StreamAppend,
    UnknownEventType,
)
from events.errors import BrokenChain, TamperedEvent
from tests.events.sample_events import AmountRecorded, LineRenamedV1, NoteAdded

PREPARER = Metadata(actor="zhang.san", role="preparer", correlation_id="c-1")
WRITER = Metadata(actor="li.si", role="preparer")
STREAM = "report:gusu-rc:2021"
#: After :func:`fill`: positions 2, 4, 6, 8, 10 (versions 1-5) and 1, 3, 5, 7, 9 (versions 1-5).
EVEN, ODD = "report:dept-0:2021", "report:dept-1:2021"
RUN = "run `jixiao audit verify`"


class Clock:
    """A clock the test moves by hand, so as-of reads have known boundaries."""

    def __init__(self) -> None:
        self.now = datetime(2022, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def tick(self, minutes: int = 1) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now


def fill(store: EventStoreProtocol) -> None:
    """Ten notes, alternating between two streams."""
    for i in range(1, 11):
        stream = f"report:dept-{i % 2}:2021"
        store.append(
            stream, store.stream_version(stream), [NoteAdded(text=f"note {i}")], metadata=WRITER
        )


def render(key: str, revision: int = 1) -> OutboxMessage:
    return OutboxMessage("render", {"stream_id": STREAM, "revision": revision}, key=key)


BAD_APPENDS = [
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
    (STREAM, 0, [NoteAdded(text="\\\x00")], InvalidEvent, "got a payload holding NUL (U+0000)"),
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
]


class StoreContract:
    """The behaviour tests every store passes; subclasses say which store."""

    @pytest.fixture
    def clock(self) -> Clock:
        return Clock()

    @pytest.fixture
    def store(self, clock: Clock) -> EventStoreProtocol:
        raise NotImplementedError("a store contract names its store")

    def edit_actor(self, store: EventStoreProtocol, position: int, actor: str) -> None:
        """Change the stored actor of the event at ``position``, leaving its hash."""
        raise NotImplementedError

    def remove_event(self, store: EventStoreProtocol, position: int) -> None:
        """Remove the event at ``position`` from the log, leaving the head as it was."""
        raise NotImplementedError

    # -- appending and reading -----------------------------------------------------------

    def test_append_then_read_back_exactly(self, store: EventStoreProtocol) -> None:
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
        assert (read[0].actor, read[0].role, read[0].correlation_id) == (
            "zhang.san",
            "preparer",
            "c-1",
        )
        assert read[1].prev_hash == read[0].hash
        assert store.stream_version(STREAM) == 2
        assert store.head_position() == 2
        assert (store.hash_at(2), store.hash_at(3)) == (read[1].hash, None)

    def test_stale_expected_version_raises_and_writes_nothing(
        self, store: EventStoreProtocol
    ) -> None:
        store.append(STREAM, 0, [NoteAdded(text="one")], metadata=PREPARER)
        with pytest.raises(ConcurrencyError) as caught:
            store.append(
                STREAM,
                0,
                [NoteAdded(text="lost")],
                metadata=PREPARER,
                outbox=[render("render:1")],
                snapshot=Snapshot(STREAM, 1, "report", 1, {"a": 1}),
            )
        assert str(caught.value) == (
            "stream 'report:gusu-rc:2021': expected version 0, but it is at version 1; "
            "reload the stream and try again"
        )
        assert (caught.value.expected, caught.value.actual) == (0, 1)
        assert [r.event.text for r in store.read_stream(STREAM)] == ["one"]
        assert store.outbox_rows() == []
        assert store.load_snapshot(STREAM) is None
        assert store.head_position() == 1

    def test_an_append_to_several_streams_writes_them_all_in_order(
        self, store: EventStoreProtocol
    ) -> None:
        other = "report:gusu-rc:2021:homes"
        store.append(STREAM, 0, [NoteAdded(text="one")], metadata=PREPARER)
        written = store.append_streams(
            [
                StreamAppend(other, 0, [NoteAdded(text="a"), NoteAdded(text="b")]),
                StreamAppend(STREAM, 1, [NoteAdded(text="two")]),
                StreamAppend("report:gusu-rc:2021:empty", 0, []),
            ],
            metadata=PREPARER,
        )
        assert [[r.position for r in part] for part in written] == [[2, 3], [4], []]
        assert [r.event.text for r in store.read_stream(other)] == ["a", "b"]
        assert [r.version for r in store.read_stream(STREAM)] == [1, 2]
        rows = store.read_all()
        assert all(later.prev_hash == earlier.hash for earlier, later in pairwise(rows))
        assert store.verify().ok

    def test_a_stale_stream_in_an_append_to_several_writes_none_of_them(
        self, store: EventStoreProtocol
    ) -> None:
        store.append(STREAM, 0, [NoteAdded(text="one")], metadata=PREPARER)
        with pytest.raises(ConcurrencyError) as caught:
            store.append_streams(
                [
                    StreamAppend("report:gusu-rc:2021:homes", 0, [NoteAdded(text="a")]),
                    StreamAppend(STREAM, 0, [NoteAdded(text="lost")]),
                ],
                metadata=PREPARER,
            )
        assert (caught.value.expected, caught.value.actual) == (0, 1)
        assert store.head_position() == 1
        assert store.read_stream("report:gusu-rc:2021:homes") == []
        with pytest.raises(InvalidExpectedVersion) as twice:
            store.append_streams(
                [
                    StreamAppend(STREAM, 1, [NoteAdded(text="a")]),
                    StreamAppend(STREAM, 2, [NoteAdded(text="b")]),
                ],
                metadata=PREPARER,
            )
        assert str(twice.value) == (
            "appends: got stream 'report:gusu-rc:2021' twice, expected each stream once"
        )
        assert store.head_position() == 1

    def test_expected_version_ahead_of_the_stream_is_a_conflict(
        self, store: EventStoreProtocol
    ) -> None:
        with pytest.raises(ConcurrencyError):
            store.append(STREAM, 3, [NoteAdded(text="x")], metadata=PREPARER)
        assert store.read_all() == []

    def test_empty_append_writes_nothing(self, store: EventStoreProtocol) -> None:
        assert store.append(STREAM, 0, [], metadata=PREPARER, outbox=[render("render:1")]) == []
        # Nothing to append is no conflict either: nothing is written whatever the version.
        assert store.append(STREAM, 5, [], metadata=PREPARER) == []
        assert (store.head_position(), store.outbox_rows()) == (0, [])

    @pytest.mark.parametrize(("stream", "expected", "events", "error", "message"), BAD_APPENDS)
    def test_bad_input_is_one_line_and_writes_nothing(
        self, store, stream, expected, events, error, message
    ) -> None:
        with pytest.raises(error) as caught:
            store.append(stream, expected, events, metadata=PREPARER)
        text = str(caught.value)
        assert message in text
        assert "\n" not in text
        assert (store.head_position(), store.read_all()) == (0, [])

    def test_metadata_must_be_metadata(self, store: EventStoreProtocol) -> None:
        wrong: object = {"actor": "x"}
        with pytest.raises(TypeError) as caught:
            store.append(STREAM, 0, [NoteAdded(text="x")], metadata=wrong)  # type: ignore[arg-type]
        assert str(caught.value) == "metadata must be an events.Metadata"
        assert store.head_position() == 0

    def test_a_typed_backslash_before_u0000_is_text_not_nul(
        self, store: EventStoreProtocol
    ) -> None:
        text = "C:\\u0000\\temp"  # a backslash, then the letters u0000: harmless text
        store.append(STREAM, 0, [NoteAdded(text=text)], metadata=PREPARER)
        assert store.read_stream(STREAM)[0].event == NoteAdded(text=text)

    def test_read_stream_up_to_a_version_or_a_moment(
        self, store: EventStoreProtocol, clock: Clock
    ) -> None:
        store.append(STREAM, 0, [NoteAdded(text="draft")], metadata=PREPARER)
        first_done = clock.now
        clock.tick()
        store.append(
            STREAM, 1, [NoteAdded(text="edit"), NoteAdded(text="edit 2")], metadata=PREPARER
        )
        clock.tick()
        store.append(STREAM, 3, [NoteAdded(text="submitted")], metadata=PREPARER)

        assert [r.event.text for r in store.read_stream(STREAM, to_version=2)] == [
            "draft",
            "edit",
        ]
        assert [r.version for r in store.read_stream(STREAM, from_version=3)] == [3, 4]
        assert [r.event.text for r in store.read_stream(STREAM, as_of=first_done)] == ["draft"]
        before = first_done - timedelta(seconds=1)
        assert store.read_stream(STREAM, as_of=before) == []
        assert store.read_stream(STREAM)[0].recorded_at == first_done
        assert store.read_stream(STREAM)[0].recorded_at.tzinfo is UTC
        # A naive moment is taken as UTC.
        naive = first_done.replace(tzinfo=None)
        assert [r.event.text for r in store.read_stream(STREAM, as_of=naive)] == ["draft"]
        assert store.read_stream("report:other:2021") == []

    def test_read_all_in_batches_follows_global_order(self, store: EventStoreProtocol) -> None:
        for i in range(7):
            stream = f"report:dept-{i % 3}:2021"
            store.append(
                stream, store.stream_version(stream), [NoteAdded(text=str(i))], metadata=PREPARER
            )
        batches = list(store.iter_all(batch_size=3))
        assert [len(b) for b in batches] == [3, 3, 1]
        assert [r.event.text for b in batches for r in b] == [str(i) for i in range(7)]
        assert [r.position for r in store.read_all(after=5)] == [6, 7]
        assert [r.position for r in store.read_all(2, 2)] == [3, 4]
        assert store.read_all(after=7) == []
        assert [r.position for r in store.read_all()] == list(range(1, 8))
        assert [len(b) for b in store.iter_all(after=4, batch_size=2)] == [2, 1]

    def test_read_all_of_some_event_types(self, store: EventStoreProtocol) -> None:
        for i in range(6):
            event = NoteAdded(text=str(i)) if i % 2 else AmountRecorded(line="x", amount=i)
            store.append(STREAM, i, [event], metadata=PREPARER)
        notes = store.read_all(event_types=["NoteAdded"])
        assert [(r.position, r.event.text) for r in notes] == [(2, "1"), (4, "3"), (6, "5")]
        assert [r.position for r in store.read_all(2, 1, event_types=("NoteAdded",))] == [4]
        both = store.read_all(after=3, event_types={"NoteAdded", "AmountRecorded"})
        assert [r.position for r in both] == [4, 5, 6]
        assert store.read_all(event_types=["LineRenamed"]) == []
        assert store.read_all(event_types=[]) == []

    def test_find_events_by_type_and_payload_text(self, store: EventStoreProtocol) -> None:
        digest = "9f86d081884c7d659a2feaa0c55ad015"
        store.append(
            STREAM,
            0,
            [
                NoteAdded(text=f"sha256 {digest}"),
                AmountRecorded(line=digest, amount=1),
                NoteAdded(text="nothing here"),
                NoteAdded(text=f"again {digest} 100%"),
            ],
            metadata=PREPARER,
        )
        assert [r.position for r in store.find_events("NoteAdded", digest)] == [1, 4]
        assert [r.position for r in store.find_events("AmountRecorded", digest)] == [2]
        # Compared exactly: case counts, and % or _ are plain characters.
        assert store.find_events("NoteAdded", digest.upper()) == []
        assert [r.position for r in store.find_events("NoteAdded", "100%")] == [4]
        assert store.find_events("NoteAdded", "sha256_") == []
        assert store.find_events("LineRenamed", digest) == []

    def test_follow_yields_new_events_and_stops(self, store: EventStoreProtocol) -> None:
        store.append(STREAM, 0, [NoteAdded(text="a"), NoteAdded(text="b")], metadata=PREPARER)
        seen: list[int] = []
        for batch in store.follow(after=0, batch_size=1, stop=lambda: len(seen) >= 2):
            seen.extend(r.position for r in batch)
        assert seen == [1, 2]

    # -- the outbox ----------------------------------------------------------------------

    def test_outbox_and_snapshot_commit_with_the_events(
        self, store: EventStoreProtocol, clock: Clock
    ) -> None:
        store.append(STREAM, 0, [NoteAdded(text="a")], metadata=PREPARER)
        store.append(
            STREAM,
            1,
            [NoteAdded(text="signed")],
            metadata=PREPARER,
            outbox=[render("render:r1")],
            snapshot=Snapshot(STREAM, 2, "report", 1, {"stage": "signed_off"}),
        )
        pending = store.pending_outbox()
        assert [(m.topic, m.payload, m.key) for _, m in pending] == [
            ("render", {"stream_id": STREAM, "revision": 1}, "render:r1")
        ]
        (row,) = store.outbox_rows()
        assert (row.id, row.key, row.position, row.created_at) == (
            pending[0][0],
            "render:r1",
            2,
            clock.now,
        )
        assert (row.published_at, row.attempts) == (None, 0)
        assert store.load_snapshot(STREAM) == Snapshot(
            STREAM, 2, "report", 1, {"stage": "signed_off"}
        )
        assert store.load_snapshot(STREAM, max_version=1) is None

    def test_an_outbox_key_is_written_once(self, store: EventStoreProtocol) -> None:
        store.append(STREAM, 0, [NoteAdded(text="a")], metadata=PREPARER, outbox=[render("k")])
        store.append(
            STREAM,
            1,
            [NoteAdded(text="b")],
            metadata=PREPARER,
            outbox=[render("k", revision=2), render("k2", revision=2)],
        )
        assert [(r.key, r.payload["revision"], r.position) for r in store.outbox_rows()] == [
            ("k", 1, 1),
            ("k2", 2, 2),
        ]

    def test_the_relay_marks_rows_published_and_counts_attempts(
        self, store: EventStoreProtocol, clock: Clock
    ) -> None:
        store.append(
            STREAM,
            0,
            [NoteAdded(text="a")],
            metadata=PREPARER,
            outbox=[render("render:1"), OutboxMessage("mail", {"to": "li.si"}, key="mail:1")],
        )
        (first, _), (second, _) = store.pending_outbox()
        assert [m.key for _, m in store.pending_outbox(limit=1)] == ["render:1"]
        store.count_failed_attempt(first)
        published = clock.tick()
        assert store.mark_published(first, published) is True
        assert store.mark_published(first, clock.tick()) is False  # another relay was first
        assert store.mark_published(999, clock.now) is False
        assert [m.key for _, m in store.pending_outbox()] == ["mail:1"]
        render_row, mail_row = store.outbox_rows()
        assert (render_row.published_at, render_row.attempts) == (published, 2)
        assert (mail_row.id, mail_row.published_at, mail_row.attempts) == (second, None, 0)
        assert [r.key for r in store.outbox_rows(topic="mail")] == ["mail:1"]
        assert store.outbox_rows(topic="print") == []

    def test_pending_rows_of_one_topic_are_not_hidden_by_another(
        self, store: EventStoreProtocol
    ) -> None:
        mails = [OutboxMessage("mail", {"n": n}, key=f"mail:{n}") for n in range(3)]
        store.append(
            STREAM, 0, [NoteAdded(text="a")], metadata=PREPARER, outbox=[*mails, render("r:1")]
        )
        assert [m.key for _, m in store.pending_outbox(limit=2)] == ["mail:0", "mail:1"]
        assert [m.key for _, m in store.pending_outbox(limit=2, topic="render")] == ["r:1"]
        assert [m.key for _, m in store.pending_outbox(topic="mail")] == [
            "mail:0",
            "mail:1",
            "mail:2",
        ]
        assert store.pending_outbox(topic="print") == []

    def test_a_mail_row_is_claimed_once_and_released_when_delivery_failed(
        self, store: EventStoreProtocol, clock: Clock
    ) -> None:
        store.append(
            STREAM,
            0,
            [NoteAdded(text="a")],
            metadata=PREPARER,
            outbox=[OutboxMessage("mail", {"to": "li.si"}, key="mail:1")],
        )
        ((row_id, _),) = store.pending_outbox(topic="mail")
        claimed = clock.tick()
        assert store.claim(row_id, claimed) == 1
        assert store.claim(row_id, clock.tick()) is None  # another deliverer took it
        assert store.claim(999, clock.now) is None
        assert store.pending_outbox(topic="mail") == []
        (row,) = store.outbox_rows()
        assert (row.published_at, row.attempts) == (claimed, 1)
        store.release(row_id)
        assert [i for i, _ in store.pending_outbox(topic="mail")] == [row_id]
        (row,) = store.outbox_rows()
        assert (row.published_at, row.attempts) == (None, 1)
        assert store.claim(row_id, clock.tick()) == 2  # the attempts are kept

    # -- snapshots -----------------------------------------------------------------------

    def test_snapshots_pick_the_newest_fitting_version(self, store: EventStoreProtocol) -> None:
        for version in (5, 10, 20):
            store.save_snapshot(Snapshot(STREAM, version, "report", 1, {"v": version}))
        store.save_snapshot(Snapshot(STREAM, 10, "report", 1, {"v": "ignored duplicate"}))
        assert store.load_snapshot(STREAM).state == {"v": 20}
        assert store.load_snapshot(STREAM, max_version=19).state == {"v": 10}
        assert store.load_snapshot("report:other:2021") is None
        with pytest.raises(InvalidStreamId):
            store.save_snapshot(Snapshot("bad id", 1, "report", 1, {}))

    def test_snapshots_by_kind_and_schema(self, store: EventStoreProtocol) -> None:
        other = "report:other:2021"
        store.save_snapshot(Snapshot(STREAM, 20, "report", 2, {"v": 20, "名": "红十字"}))
        store.save_snapshot(Snapshot(other, 5, "report", 2, {"v": 5}))
        store.save_snapshot(Snapshot(STREAM, 10, "report", 2, {"v": 10}))
        store.save_snapshot(Snapshot(STREAM, 15, "report", 1, {"v": 15}))
        store.save_snapshot(Snapshot(STREAM, 30, "inbox", 2, {"v": 30}))
        assert store.snapshot_keys("report", 2) == [(STREAM, 10), (STREAM, 20), (other, 5)]
        assert store.snapshot_keys("report", 1) == [(STREAM, 15)]
        assert store.snapshot_keys("report", 3) == []
        # The state as stored: canonical JSON, keys sorted, no spaces, text as it is.
        assert store.snapshot_text(STREAM, 20) == '{"v":20,"名":"红十字"}'
        assert store.snapshot_text(STREAM, 21) is None

    # -- integrity -----------------------------------------------------------------------

    def test_an_intact_log_verifies_and_hands_out_what_it_vouches_for(
        self, store: EventStoreProtocol
    ) -> None:
        assert store.verify().ok and store.verify().checked == 0
        fill(store)
        handed: list = []
        progress: list[int] = []
        report = store.verify(batch_size=4, progress=progress.append, accepted=handed.append)
        assert report.ok
        assert (report.checked, report.head_position) == (10, 10)
        assert report.head_hash == store.hash_at(10)
        assert [len(batch) for batch in handed] == [4, 4, 2]
        assert progress == [4, 8, 10]
        decoded = [record for batch in handed for record in store.decode_rows(batch)]
        assert decoded == store.read_all()
        assert [row.stream_id for row in handed[0]] == [ODD, EVEN, ODD, EVEN]

    def test_an_edited_event_breaks_the_chain_there(self, store: EventStoreProtocol) -> None:
        fill(store)
        self.edit_actor(store, 6, "someone.else")
        report = store.verify()
        assert (report.ok, report.first_bad_position, report.checked) == (False, 6, 5)
        with pytest.raises(TamperedEvent) as refused:
            store.read_stream_verified(EVEN)
        assert refused.value.position == 6
        with pytest.raises(TamperedEvent):
            store.check_positions({6: None})
        # A cut before it reads what still holds.
        assert len(store.read_stream_verified(EVEN, to_version=2)) == 2

    def test_verified_reads_of_an_intact_log(self, store: EventStoreProtocol) -> None:
        fill(store)
        assert [r.position for r in store.read_stream_verified(EVEN)] == [2, 4, 6, 8, 10]
        assert [r.version for r in store.read_stream_verified(EVEN, to_version=2)] == [1, 2]
        assert [r.position for r in store.read_stream_verified(ODD, to_position=6)] == [1, 3, 5]
        assert store.read_stream_verified(EVEN, to_position=1) == []
        assert store.read_stream_verified(EVEN) == store.read_stream(EVEN)
        later = store.read_all()[-1].recorded_at + timedelta(seconds=1)
        assert store.read_stream_verified(ODD, as_of=later) == store.read_stream(ODD)
        hashes = {r.position: r.hash for r in store.read_stream(ODD)}
        store.check_positions(hashes)
        store.check_positions(dict.fromkeys(range(1, 11)))
        with pytest.raises(BrokenChain) as refused:
            store.check_positions({2: "0" * 64})
        assert str(refused.value) == (
            f"event at position 2 ({EVEN} version 1): its hash is {store.hash_at(2)}, not "
            f"{'0' * 64} as noted when it was read before, expected an unedited log; {RUN}"
        )

    def test_verified_reads_from_a_later_version(self, store: EventStoreProtocol) -> None:
        fill(store)
        assert [r.version for r in store.read_stream_verified(EVEN, from_version=3)] == [3, 4, 5]
        assert store.read_stream_verified(EVEN, from_version=3) == store.read_stream(
            EVEN, from_version=3
        )
        assert [
            r.position for r in store.read_stream_verified(ODD, from_version=2, to_position=6)
        ] == [3, 5]
        assert store.read_stream_verified(EVEN, from_version=6) == []
        self.remove_event(store, 6)  # version 3 of EVEN
        # Cut before the gap: the stream's next row shows it, as from the first version.
        with pytest.raises(BrokenChain) as refused:
            store.read_stream_verified(EVEN, from_version=2, to_version=2)
        assert refused.value.position == 8
        with pytest.raises(BrokenChain) as refused:
            store.read_stream_verified(EVEN, from_version=3)
        assert refused.value.position == 8
        # From after the gap the rows read hold: the ones before are the caller's to vouch for.
        assert [r.version for r in store.read_stream_verified(EVEN, from_version=4)] == [4, 5]

    def test_stream_links_of_a_prefix(self, store: EventStoreProtocol) -> None:
        fill(store)
        assert store.stream_links_hold(EVEN, 5) and store.stream_links_hold(ODD, 3)
        assert not store.stream_links_hold(EVEN, 6)  # no version 6
        self.remove_event(store, 6)  # EVEN version 3
        assert store.stream_links_hold(EVEN, 2)
        assert not store.stream_links_hold(EVEN, 4)
        # ODD's row at position 7 no longer follows the row before it.
        assert store.stream_links_hold(ODD, 3) and not store.stream_links_hold(ODD, 4)

    def test_a_removed_event_is_refused_in_its_stream_and_beside_it(
        self, store: EventStoreProtocol
    ) -> None:
        fill(store)
        self.remove_event(store, 6)
        assert store.verify().first_bad_position == 6
        with pytest.raises(BrokenChain) as refused:
            store.read_stream_verified(EVEN)
        assert str(refused.value) == (
            f"event at position 8 ({EVEN} version 4): version 3 of its stream, before it, is "
            f"missing from the log, expected an unedited log; {RUN}"
        )
        # Cut before the gap: the stream's next row shows it.
        with pytest.raises(BrokenChain) as refused:
            store.read_stream_verified(EVEN, to_version=2)
        assert refused.value.position == 8
        # The other stream's row that followed it in the log no longer follows anything.
        with pytest.raises(BrokenChain) as refused:
            store.read_stream_verified(ODD)
        assert str(refused.value) == (
            f"event at position 7 ({ODD} version 4): position 6, just before it, is missing "
            f"from the log, expected an unedited log; {RUN}"
        )
        with pytest.raises(BrokenChain) as refused:
            store.check_positions({6: None})
        assert str(refused.value) == (
            f"event at position 6: no event holds this position any more, expected an "
            f"unedited log; {RUN}"
        )
        assert store.hash_at(6) is None
