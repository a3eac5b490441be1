"""A process's writers to a SQLite file queue on a lock of their own before SQLite's."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from events import EventStore, Metadata
from events.database import write_connection, writers_queue
from tests.events.sample_events import NoteAdded, registry

ACTOR = Metadata(actor="zhang.san", role="preparer", correlation_id="c-1")


def test_an_append_waits_for_the_writer_ahead_of_it_in_the_process(tmp_path) -> None:
    store = EventStore.open(f"sqlite:///{tmp_path / 'queue.db'}", registry, create=True)
    appended = threading.Event()

    def append() -> None:
        store.append("note:1", 0, [NoteAdded(text="after")], metadata=ACTOR)
        appended.set()

    writer = threading.Thread(target=append)
    with writers_queue(store.engine):
        writer.start()
        # Still queued behind this thread, which has not even begun a transaction.
        assert not appended.wait(0.3)
    writer.join(30)
    assert appended.is_set()
    assert [r.event.text for r in store.read_stream("note:1")] == ["after"]
    store.close()


def test_the_queue_is_reentrant_and_one_per_file(tmp_path) -> None:
    first = sa.create_engine(f"sqlite:///{tmp_path / 'one.db'}")
    second = sa.create_engine(f"sqlite:///{tmp_path / 'two.db'}")
    with writers_queue(first):
        # The thread holding the queue writes through it (nested) without waiting on itself.
        with write_connection(first) as connection, connection.begin():
            connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        # Another file's writers queue apart: another thread writes there meanwhile.
        done = threading.Event()

        def other_file() -> None:
            with write_connection(second) as connection, connection.begin():
                connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            done.set()

        threading.Thread(target=other_file).start()
        assert done.wait(30)
    assert writers_queue(sa.create_engine("sqlite://")).__class__.__name__ == "nullcontext"
