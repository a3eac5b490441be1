"""Copying a database a fixture built once, so each test starts from its own copy.

Building a world replays dozens to hundreds of commands; copying its rows costs
milliseconds and gives the test the very same log (positions, ids, hashes, times).
A SQLite file is copied whole; a PostgreSQL schema's rows are copied into the test's
schema after the store has created its tables there.
"""

from __future__ import annotations

import sqlite3
import uuid
from contextlib import closing
from pathlib import Path

import sqlalchemy as sa

from projections.migrations import open_store


def copy_sqlite(source: Path, target: Path) -> None:
    """Make ``target`` a copy of the SQLite database ``source``, through SQLite's backup API
    (which includes what is still in the write-ahead log; a file copy would miss it)."""
    with closing(sqlite3.connect(source)) as origin, closing(sqlite3.connect(target)) as copy:
        origin.backup(copy)


def schema_of(url: str) -> str:
    """The schema first on the search path of a test URL (tests.conftest.pg_schema_url)."""
    options = sa.engine.make_url(url).query["options"]
    assert isinstance(options, str) and options.startswith("-csearch_path="), url
    return options.removeprefix("-csearch_path=")


def _tables(connection: sa.Connection, schema: str) -> set[str]:
    rows = connection.exec_driver_sql(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = %(schema)s AND table_type = 'BASE TABLE'",
        {"schema": schema},
    )
    return {name for (name,) in rows}


def copy_postgres(engine: sa.Engine, source: str, target: str) -> None:
    """Give every table of schema ``target`` exactly the rows of its twin in ``source``.

    ``target``'s tables must exist already (created by the store, so they carry their own
    guards and sequences); the guards are set aside for the copy only, and each sequence
    continues after the highest copied value.
    """
    with engine.connect() as autocommitted:
        connection = autocommitted.execution_options(isolation_level="READ COMMITTED")
        with connection.begin():
            tables = _tables(connection, source)
            assert tables == _tables(connection, target), (source, target)
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
            for table in sorted(tables):
                connection.exec_driver_sql(f'DELETE FROM "{target}"."{table}"')
                connection.exec_driver_sql(
                    f'INSERT INTO "{target}"."{table}" SELECT * FROM "{source}"."{table}"'
                )
            serials = connection.exec_driver_sql(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = %(schema)s AND column_default LIKE 'nextval(%%'",
                {"schema": target},
            ).all()
            for table, column in serials:
                connection.exec_driver_sql(
                    f'SELECT setval(pg_get_serial_sequence(\'"{target}"."{table}"\', '
                    f"'{column}'), COALESCE(MAX(\"{column}\"), 0) + 1, false) "
                    f'FROM "{target}"."{table}"'
                )


class TemplateDatabases:
    """Databases a session builds worlds in once (SQLite files in ``folder``, PostgreSQL
    schemas on the server at ``pg_url``, dropped at the end), and their copying into a
    test's database."""

    def __init__(self, folder: Path, pg_url: str) -> None:
        self.folder = folder
        self.pg_url = pg_url
        self._pg_engine: sa.Engine | None = None
        self.schemas: list[str] = []

    def pg_engine(self) -> sa.Engine:
        """An engine on the PostgreSQL server, made on first use."""
        if self._pg_engine is None:
            self._pg_engine = sa.create_engine(self.pg_url, isolation_level="AUTOCOMMIT")
        return self._pg_engine

    def new_like(self, url: str) -> str:
        """A URL to a fresh, empty database on the same backend as ``url``."""
        if sa.engine.make_url(url).get_backend_name() == "sqlite":
            return f"sqlite:///{self.folder / f'template-{uuid.uuid4().hex[:12]}.db'}"
        from tests.conftest import pg_schema_url

        schema = f"tpl_{uuid.uuid4().hex[:12]}"
        with self.pg_engine().connect() as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
        self.schemas.append(schema)
        return pg_schema_url(schema)

    def copy(self, source: str, target: str) -> None:
        """Make the database at ``target`` hold what the template ``source`` holds."""
        if sa.engine.make_url(source).get_backend_name() == "sqlite":
            copy_sqlite(
                Path(sa.engine.make_url(source).database or ""),
                Path(sa.engine.make_url(target).database or ""),
            )
            return
        open_store(target, create=True).close()  # the tables, guards and sequences, then rows
        copy_postgres(self.pg_engine(), schema_of(source), schema_of(target))

    def close(self) -> None:
        """Drop the PostgreSQL template schemas."""
        if self._pg_engine is None:
            return
        with self._pg_engine.connect() as connection:
            for schema in self.schemas:
                connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        self._pg_engine.dispose()
