"""Tampering with the log in SQL, as an attacker with DDL rights would: verify names the spot."""

from __future__ import annotations

import pickle

import pytest

from events import EventStore, Metadata
from events.chain import row_hash
from events.errors import BrokenChain, TamperedEvent
from events.verify import check_anchor
from tests.events.sample_events import NoteAdded, registry

WRITER = Metadata(actor="li.si", role="preparer")


@pytest.fixture
def store(database_url: str):
    store = EventStore.open(database_url, registry, create=True)
    for i in range(1, 11):
        stream = f"report:dept-{i % 2}:2021"
        store.append(
            stream, store.stream_version(stream), [NoteAdded(text=f"note {i}")], metadata=WRITER
        )
    yield store
    store.engine.dispose()


def tamper(store: EventStore, *statements: str) -> None:
    """Run SQL with the append-only guards switched off, as only a DBA could."""
    with store.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("ALTER TABLE events DISABLE TRIGGER USER")
            connection.exec_driver_sql("ALTER TABLE event_log_head DISABLE TRIGGER USER")
        else:
            for trigger in (
                "events_no_update",
                "events_no_delete",
                "event_log_head_no_delete",
                "event_log_head_forward_only",
            ):
                connection.exec_driver_sql(f"DROP TRIGGER {trigger}")
        for statement in statements:
            connection.exec_driver_sql(statement)


def test_an_intact_log_verifies(store: EventStore) -> None:
    report = store.verify()
    assert report.ok
    assert (report.checked, report.head_position, report.first_bad_position) == (10, 10, None)
    assert str(report) == f"chain intact: 10 events, head at position 10, hash {report.head_hash}"
    assert report.head_hash == store.hash_at(10) and store.hash_at(11) is None
    assert check_anchor(10, report.head_hash, store.hash_at(10), 10) is None


def test_a_removed_tail_with_the_head_moved_back_verifies_but_fails_its_anchor(
    store: EventStore,
) -> None:
    anchor = (10, store.hash_at(10))
    ninth = store.hash_at(9)
    tamper(
        store,
        "DELETE FROM events WHERE position = 10",
        f"UPDATE event_log_head SET position = 9, hash = '{ninth}' WHERE id = 1",
    )
    report = store.verify()
    # The chain alone cannot tell a shortened log from a shorter one (decision 0002).
    assert report.ok and report.head_position == 9
    problem = check_anchor(*anchor, store.hash_at(10), store.head_position())
    assert problem is not None and problem.startswith("anchor 10: the log ends at position 9")
    problem = check_anchor(9, "0" * 64, store.hash_at(9), 9)
    assert problem == (
        f"anchor 9: got hash {ninth}, expected {'0' * 64} "
        "(the log was rewritten from there on, or the anchor is from another log)"
    )


def test_an_edited_payload_is_found(store: EventStore) -> None:
    tamper(store, 'UPDATE events SET payload = \'{"text":"note forged"}\' WHERE position = 4')
    report = store.verify()
    assert not report.ok
    assert report.first_bad_position == 4
    assert report.checked == 3
    assert (
        str(report)
        == "chain broken at position 4: the row's content does not match its hash (edited)"
    )


def test_an_edited_actor_is_found(store: EventStore) -> None:
    tamper(store, "UPDATE events SET actor = 'someone.else' WHERE position = 7")
    assert store.verify().first_bad_position == 7


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(store: EventStore) -> None:
    (row,) = store.read_all(after=4, limit=1)
    forged_payload = '{"text":"forged"}'
    fields = {
        "position": row.position,
        "stream_id": row.stream_id,
        "version": row.version,
        "event_id": row.event_id,
        "event_type": row.event_type,
        "schema_version": row.schema_version,
        "payload": forged_payload,
        "actor": row.actor,
        "role": row.role,
        "recorded_at": row.recorded_at,
        "correlation_id": row.correlation_id,
        "causation_id": row.causation_id,
        "prev_hash": row.prev_hash,
    }
    tamper(
        store,
        f"UPDATE events SET payload = '{forged_payload}', hash = '{row_hash(**fields)}' "
        "WHERE position = 5",
    )
    report = store.verify()
    assert report.first_bad_position == 6
    assert "does not follow its predecessor" in report.problem


def test_a_deleted_row_is_found(store: EventStore) -> None:
    tamper(store, "DELETE FROM events WHERE position = 6")
    report = store.verify()
    assert report.first_bad_position == 6
    assert report.problem == "position 6 is missing (next row is 7)"


def test_a_deleted_first_row_is_found(store: EventStore) -> None:
    tamper(store, "DELETE FROM events WHERE position = 1")
    assert store.verify().first_bad_position == 1


def test_a_deleted_last_row_is_found_through_the_head(store: EventStore) -> None:
    tamper(store, "DELETE FROM events WHERE position = 10")
    report = store.verify()
    assert report.first_bad_position == 10
    assert report.problem == "the log ends at position 9 but its head names position 10"


def test_two_swapped_rows_are_found(store: EventStore) -> None:
    tamper(
        store,
        "UPDATE events SET position = -1 WHERE position = 3",
        "UPDATE events SET position = 3 WHERE position = 8",
        "UPDATE events SET position = 8 WHERE position = -1",
    )
    report = store.verify()
    assert report.first_bad_position == 3
    assert "does not follow its predecessor" in report.problem


def test_verify_reports_progress(store: EventStore) -> None:
    seen: list[int] = []
    assert store.verify(batch_size=4, progress=seen.append).ok
    assert seen == [4, 8, 10]


def test_readers_sharing_the_log_out_each_hash_their_rows_and_check_every_link(
    store: EventStore,
) -> None:
    # Position 7 is dept-1's (odd notes); dept-0's reader takes its stored hash as given.
    def of(department: str):
        return lambda row: row[1] == f"report:{department}:2021"

    assert len(store.rows_checked(0, 100, None, of("dept-0"))) == 10
    tamper(
        store,
        "UPDATE events SET actor = 'someone.else' WHERE position = 7",
        "UPDATE events SET prev_hash = 'x' WHERE position = 8",
    )
    assert len(store.rows_checked(0, 7, None, of("dept-0"))) == 7
    for hashed in (of("dept-1"), None):
        with pytest.raises(TamperedEvent) as refused:
            store.rows_checked(0, 7, None, hashed)
        assert refused.value.position == 7
    # A link is every reader's to check: position 8's, whatever share hashes it.
    for department in ("dept-0", "dept-1"):
        with pytest.raises(BrokenChain) as broken:
            store.rows_checked(7, 100, store.hash_at(7), of(department))
        assert broken.value.position == 8


def test_chain_errors_cross_processes_as_they_were() -> None:
    for error in (TamperedEvent(7, "report:d:2021", 3), BrokenChain(8, None, None, "it is gone")):
        again = pickle.loads(pickle.dumps(error))
        assert (type(again), str(again), again.position) == (
            type(error),
            str(error),
            error.position,
        )
