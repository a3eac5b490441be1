"""The schema is built only by the Alembic revisions, as the code's tables define it, and a
store that is not at the expected revisions is refused without touching the schema."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from events import Metadata, SchemaNotCurrent
from events.database import create_database_engine
from events.migrations import STORE_VERSIONS, heads
from events.schema import STORE_REVISION, STORE_TABLES, metadata
from events.store import EventStore
from projections.audit_trail import AuditTrailProjection
from projections.checkpoints import checkpoints_table
from projections.inboxes import InboxProjection
from projections.migrations import (
    LOCATIONS,
    REVISIONS,
    migrate,
    open_store,
)
from projections.registry import projection_runner
from projections.report_state import ReportStateProjection
from projections.token_uses import token_uses_table
from projections.year_overview import YearOverviewProjection
from tests.events.sample_events import NoteAdded, registry
from web.schema import web_metadata

PREPARER = Metadata(actor="zhang.san", role="preparer")
BOTH = "store_0001 + read_models_0006"

#: What jixiao did at every start before migrations (events/schema.py of that version):
#: the store's tables from the models, these guards, the head row.
EARLIER_SQLITE_GUARDS = [
    """CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
       BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
       BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS event_log_head_no_delete BEFORE DELETE ON event_log_head
       BEGIN SELECT RAISE(ABORT, 'the log head cannot be deleted'); END""",
    """CREATE TRIGGER IF NOT EXISTS event_log_head_forward_only BEFORE UPDATE ON event_log_head
       WHEN NEW.position < OLD.position
       BEGIN SELECT RAISE(ABORT, 'the log head only moves forward'); END""",
]
EARLIER_POSTGRES_GUARDS = [
    """CREATE OR REPLACE FUNCTION jixiao_refuse_change() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION 'events are append-only: %% refused', TG_OP
           USING ERRCODE = 'restrict_violation';
       END $$""",
    """CREATE OR REPLACE FUNCTION jixiao_head_forward_only() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'DELETE' OR NEW.position < OLD.position THEN
           RAISE EXCEPTION 'the log head only moves forward'
             USING ERRCODE = 'restrict_violation';
         END IF;
         RETURN NEW;
       END $$""",
    "DROP TRIGGER IF EXISTS events_append_only ON events",
    """CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
       FOR EACH ROW EXECUTE FUNCTION jixiao_refuse_change()""",
    "DROP TRIGGER IF EXISTS events_no_truncate ON events",
    """CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
       FOR EACH STATEMENT EXECUTE FUNCTION jixiao_refuse_change()""",
    "DROP TRIGGER IF EXISTS event_log_head_forward_only ON event_log_head",
    """CREATE TRIGGER event_log_head_forward_only BEFORE UPDATE OR DELETE ON event_log_head
       FOR EACH ROW EXECUTE FUNCTION jixiao_head_forward_only()""",
]


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = create_database_engine(database_url)
    yield engine
    engine.dispose()


def read_model_tables() -> list[sa.Table]:
    kinds = (ReportStateProjection, AuditTrailProjection, InboxProjection, YearOverviewProjection)
    return [checkpoints_table, *(table for kind in kinds for table in kind.tables)]


def tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def guards(engine: sa.Engine) -> set[str]:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            sql = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        else:
            sql = (
                "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace"
            )
        return {row[0] for row in connection.exec_driver_sql(sql)}


def test_each_package_names_the_head_of_its_branch() -> None:
    assert heads([STORE_VERSIONS]) == (STORE_REVISION,)
    assert sorted(heads(LOCATIONS)) == sorted(REVISIONS) == sorted(BOTH.split(" + "))


def test_the_migrated_schema_is_the_one_the_code_reads_and_writes(engine: sa.Engine) -> None:
    migrate(engine)
    code = sa.MetaData()
    server = [*web_metadata.sorted_tables, token_uses_table]
    for table in [*STORE_TABLES, *read_model_tables(), *server]:
        table.to_metadata(code)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, code)
    # The version table is Alembic's own; everything else must agree column for column.
    assert [d for d in differences if "alembic_version" not in repr(d)] == []
    assert tables(engine) == {t.name for t in code.sorted_tables} | {"alembic_version"}
    expected = {"events_no_update", "events_no_delete", "event_log_head_no_delete"}
    if engine.dialect.name == "sqlite":
        expected.add("event_log_head_forward_only")
    else:
        expected = {"events_append_only", "events_no_truncate", "event_log_head_forward_only"}
    assert guards(engine) == expected


def test_migrate_says_from_and_to_and_a_second_run_changes_nothing(engine: sa.Engine) -> None:
    first = migrate(engine)
    assert (first.before, first.unversioned) == (None, False)
    assert str(first) == f"schema migrated: empty → {BOTH}"
    again = migrate(engine)
    assert again.before == again.after == ("store_0001", "read_models_0006")
    assert str(again) == f"schema at revision {BOTH}, already the latest"
    store = open_store(str(engine.url), registry=registry)
    assert store.head_position() == 0
    store.close()


def test_a_store_of_its_own_gets_the_read_models_when_migrated(engine: sa.Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    EventStore.open(url, registry, create=True).close()
    with pytest.raises(SchemaNotCurrent) as refused:
        open_store(url, registry=registry)
    assert str(refused.value) == (
        f"database: schema at revision store_0001, expected {BOTH}; run jixiao admin migrate"
    )
    assert str(migrate(engine)) == f"schema migrated: store_0001 → {BOTH}"


def test_opening_an_empty_database_is_refused_and_creates_nothing(engine: sa.Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    with pytest.raises(SchemaNotCurrent) as refused:
        EventStore.open(url, registry)
    assert str(refused.value) == (
        "database: schema not initialised, expected store_0001; run jixiao admin migrate"
    )
    assert tables(engine) == set()


def test_the_projections_refuse_a_database_without_their_tables(engine: sa.Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    store = EventStore.open(url, registry, create=True)
    with pytest.raises(SchemaNotCurrent, match="expected store_0001 \\+ read_models_0006"):
        projection_runner(store).setup()
    assert "projection_checkpoints" not in tables(engine)
    store.close()


def test_a_database_of_an_earlier_jixiao_is_recognised_and_migrated(engine: sa.Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    # Built the way every command of the earlier version did: no version table.
    with engine.begin() as connection:
        metadata.create_all(connection, tables=STORE_TABLES)
        postgres = connection.dialect.name == "postgresql"
        for statement in EARLIER_POSTGRES_GUARDS if postgres else EARLIER_SQLITE_GUARDS:
            connection.exec_driver_sql(statement)
        connection.execute(sa.insert(STORE_TABLES[1]).values(id=1, position=0, hash="0" * 64))
        # A read had created some read models' tables too.
        checkpoints_table.create(connection)
    earlier = EventStore(engine, registry)  # the earlier version opened it unchecked
    earlier.append("sample:legacy", 0, [NoteAdded(text="before")], metadata=PREPARER)
    with pytest.raises(SchemaNotCurrent, match="schema not initialised"):
        EventStore.open(url, registry)

    migration = migrate(engine)
    assert migration.unversioned
    assert str(migration) == f"schema migrated: unversioned tables of an earlier jixiao → {BOTH}"

    store = open_store(url, registry=registry)
    assert [e.event.text for e in store.read_stream("sample:legacy")] == ["before"]
    store.append("sample:legacy", 1, [NoteAdded(text="after")], metadata=PREPARER)
    assert store.verify().ok and store.head_position() == 2
    with pytest.raises(sa.exc.DatabaseError), engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM events")
    runner = projection_runner(store)
    assert runner.setup() == []
    assert runner.catch_up() == 2
    store.close()
