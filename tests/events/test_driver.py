"""The driver-only reader (events.driver.LogReader, decision 0208) reads and checks the log
as the SQL store does, on SQLite and PostgreSQL, and leaves every other URL to the store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from events import EventStore
from events.database import database_url as chosen_url
from events.driver import LogReader
from events.errors import EventStoreError
from tests.events.sample_events import registry
from tests.events.store_contract import EVEN, ODD, fill
from tests.events.test_tamper import tamper


@pytest.fixture
def store(database_url: str) -> Iterator[EventStore]:
    store = EventStore.open(database_url, registry, create=True)
    fill(store)
    yield store
    store.close()


@pytest.fixture
def reader(store: EventStore, database_url: str) -> Iterator[LogReader]:
    log = LogReader.connect(chosen_url(database_url), registry)
    assert log is not None
    yield log
    log.close()


def test_the_reader_reads_what_the_store_reads(store: EventStore, reader: LogReader) -> None:
    assert reader.head_position() == store.head_position() > 0
    assert "store_0001" in reader.revisions()
    for stream in (ODD, EVEN, "nothing:here"):
        assert reader.stream_version(stream) == store.stream_version(stream)
        assert reader.read_stream(stream) == store.read_stream(stream)
        assert reader.read_stream_verified(stream) == store.read_stream_verified(stream)
        cut = {"from_version": 2, "to_version": 3}
        assert reader.read_stream_verified(stream, **cut) == store.read_stream_verified(
            stream, **cut
        )
        assert reader.stream_links_hold(stream, 2) == store.stream_links_hold(stream, 2)
    assert reader.stream_links_hold(ODD, 2)
    reader.check_positions({1: store.hash_at(1), 2: None})


def test_the_streams_written_after_a_position(store: EventStore, reader: LogReader) -> None:
    # fill() alternates ODD's and EVEN's notes: positions 1..10.
    for log in (store, reader):
        assert sorted(log.streams_after(0, 2) or []) == sorted([ODD, EVEN])
        assert log.streams_after(9, 2) == [store.read_all(9, 1)[0].stream_id]
        assert log.streams_after(10, 2) == []
        # More streams than asked for: None, so the caller reads the log another way.
        assert log.streams_after(0, 1) is None
        # More events than it may look through, however few their streams: None too.
        assert sorted(log.streams_after(6, 2, events=5) or []) == sorted([ODD, EVEN])
        assert log.streams_after(5, 2, events=5) is None


def test_the_reader_refuses_what_the_store_refuses(store: EventStore, reader: LogReader) -> None:
    tamper(
        store,
        "UPDATE events SET position = -1 WHERE position = 3",
        "UPDATE events SET position = 3 WHERE position = 9",
        "UPDATE events SET position = 9 WHERE position = -1",
    )
    for read in (
        lambda log: log.read_stream_verified(ODD),
        lambda log: log.check_positions({4: None}),
        lambda log: log.check_positions({2: "0" * 64}),
    ):
        with pytest.raises(EventStoreError) as by_store:
            read(store)
        with pytest.raises(EventStoreError) as by_reader:
            read(reader)
        assert str(by_reader.value) == str(by_store.value)
    assert not reader.stream_links_hold(ODD, 3) and not store.stream_links_hold(ODD, 3)


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:///{tmp}/missing.db",
        "sqlite:///{tmp}/here.db?mode=ro",
        "sqlite:///{tmp}/h%65re.db",
        "postgresql+psycopg://nobody@127.0.0.1:1/none",
        "mysql://somewhere/else",
    ],
)
def test_urls_the_reader_leaves_to_the_store(url: str, tmp_path) -> None:
    (tmp_path / "here.db").touch()
    assert LogReader.connect(url.replace("{tmp}", str(tmp_path))) is None
