"""Property tests: whatever is appended reads back the same, in order, with an intact chain."""

from __future__ import annotations

import itertools
import uuid
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events import EventStore, Metadata
from events.memory import InMemoryEventStore
from tests.events.sample_events import AmountRecorded, NoteAdded, registry

# Any text the store keeps: it refuses lone surrogates (not UTF-8) and NUL (test_store.py).
texts = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=40)
amounts = st.decimals(
    min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=3, allow_nan=False
)
events = st.one_of(
    st.builds(NoteAdded, text=texts),
    st.builds(AmountRecorded, line=texts, amount=amounts, raw=st.none() | texts),
)
# A history: commands, each aimed at one of three streams, each carrying 1–3 events.
histories = st.lists(
    st.tuples(st.integers(0, 2), st.lists(events, min_size=1, max_size=3)), max_size=12
)
actors = st.sampled_from(["zhang.san", "李四", "finance-01"])

SETTINGS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def replay(store, history, actor) -> dict[str, list]:
    prefix = uuid.uuid4().hex[:8]
    expected: dict[str, list] = {}
    for target, batch in history:
        stream = f"report:{prefix}-{target}:2021"
        store.append(
            stream,
            len(expected.get(stream, [])),
            batch,
            metadata=Metadata(actor=actor, role="preparer"),
        )
        expected.setdefault(stream, []).extend(batch)
    return expected


def check_round_trip(store, history, actor) -> None:
    before = store.head_position()
    expected = replay(store, history, actor)
    for stream, stream_events in expected.items():
        read = store.read_stream(stream)
        assert [r.event for r in read] == stream_events
        assert [r.version for r in read] == list(range(1, len(stream_events) + 1))
        assert all(r.actor == actor for r in read)
    tail = store.read_all(before, limit=10_000)
    assert [r.position for r in tail] == list(
        range(before + 1, before + 1 + sum(map(len, expected.values())))
    )
    for earlier, later in itertools.pairwise(tail):
        assert later.prev_hash == earlier.hash


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_store(request, tmp_path_factory):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('props') / 'p.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    store = EventStore.open(url, registry, create=True)
    yield store
    store.engine.dispose()


@SETTINGS
@given(history=histories, actor=actors)
def test_sql_round_trip(shared_store: EventStore, history, actor) -> None:
    check_round_trip(shared_store, history, actor)
    assert shared_store.verify().ok


@SETTINGS
@given(history=histories, actor=actors)
def test_memory_round_trip(history, actor) -> None:
    check_round_trip(InMemoryEventStore(registry), history, actor)
