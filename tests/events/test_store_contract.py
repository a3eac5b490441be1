"""The store contract (tests/events/store_contract.py) run on every store: in memory, on
SQLite and on PostgreSQL; and the one interface both store classes offer."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import pytest

from events import EventStore, EventStoreProtocol
from events.memory import InMemoryEventStore
from tests.events.sample_events import registry
from tests.events.store_contract import Clock, StoreContract
from tests.events.test_tamper import tamper


class TestInMemoryStore(StoreContract):
    @pytest.fixture
    def store(self, clock: Clock) -> InMemoryEventStore:
        return InMemoryEventStore(registry, clock=clock)

    def edit_actor(self, store: InMemoryEventStore, position: int, actor: str) -> None:
        (index,) = [i for i, row in enumerate(store.rows) if row.position == position]
        store.rows[index] = store.rows[index]._replace(actor=actor)

    def remove_event(self, store: InMemoryEventStore, position: int) -> None:
        store.rows[:] = [row for row in store.rows if row.position != position]


class SQLStoreContract(StoreContract):
    """The contract on a database: the attacker edits the tables in SQL."""

    def edit_actor(self, store: EventStore, position: int, actor: str) -> None:
        tamper(store, f"UPDATE events SET actor = '{actor}' WHERE position = {position}")

    def remove_event(self, store: EventStore, position: int) -> None:
        tamper(store, f"DELETE FROM events WHERE position = {position}")


def opened(url: str, clock: Clock) -> Iterator[EventStore]:
    store = EventStore.open(url, registry, create=True, clock=clock)
    yield store
    store.close()


class TestSQLiteStore(SQLStoreContract):
    @pytest.fixture
    def store(self, tmp_path, clock: Clock) -> Iterator[EventStore]:
        yield from opened(f"sqlite:///{tmp_path / 'jixiao.db'}", clock)


@pytest.mark.postgres
class TestPostgreSQLStore(SQLStoreContract):
    @pytest.fixture
    def store(self, pg_url: str, clock: Clock) -> Iterator[EventStore]:
        yield from opened(pg_url, clock)


def protocol_members() -> list[str]:
    return sorted(
        name
        for owner in EventStoreProtocol.__mro__
        if owner.__module__ == EventStoreProtocol.__module__
        for name, member in vars(owner).items()
        if inspect.isfunction(member) and not name.startswith("_")
    )


def test_the_protocol_names_what_callers_use() -> None:
    assert protocol_members() == [
        "append",
        "append_streams",
        "check_positions",
        "claim",
        "count_failed_attempt",
        "decode_rows",
        "find_events",
        "follow",
        "hash_at",
        "head_position",
        "iter_all",
        "load_snapshot",
        "mark_published",
        "outbox_rows",
        "pending_outbox",
        "read_all",
        "read_stream",
        "read_stream_verified",
        "release",
        "save_snapshot",
        "snapshot_keys",
        "snapshot_text",
        "stream_links_hold",
        "stream_version",
        "verify",
    ]


@pytest.mark.parametrize("store_class", [EventStore, InMemoryEventStore])
@pytest.mark.parametrize("name", protocol_members())
def test_both_stores_offer_each_operation_as_the_protocol_names_it(
    store_class: type, name: str
) -> None:
    assert EventStoreProtocol in store_class.__mro__
    own = getattr(store_class, name)
    assert inspect.signature(own) == inspect.signature(getattr(EventStoreProtocol, name))
    if name not in {"iter_all", "follow"}:  # written once, on the protocol
        assert own is not getattr(EventStoreProtocol, name), f"{store_class.__name__}.{name}"
