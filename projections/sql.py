"""Small SQL helpers the projections share: upserts and times, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect, Engine

from events.database import driver_placeholder, driver_rows


def _insert_for(dialect: str, table: sa.Table) -> Any:
    # Imported here: SQLAlchemy's PostgreSQL module brings its async drivers' support with
    # it, which a command on SQLite (most reads) would otherwise load for nothing.
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


def _insert(connection: Connection, table: sa.Table) -> Any:
    return _insert_for(connection.dialect.name, table)


def insert_missing(connection: Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows``, leaving alone those whose primary key already exists."""
    if rows:
        connection.execute(_insert(connection, table).on_conflict_do_nothing(), list(rows))


def upsert(
    connection: Connection, table: sa.Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> None:
    """Insert ``rows``, replacing every non-key column of rows whose ``keys`` already exist.

    One ``INSERT … ON CONFLICT … DO UPDATE`` on the driver's cursor (SQLite and PostgreSQL
    write it alike), written once per table and columns, each value bound as its column's
    own type binds it: what SQLAlchemy's ``insert().on_conflict_do_update()`` sends, without
    its cache key and compiled execution on every call, a tenth of a one-command catch-up
    (decision 0620).
    """
    if not rows:
        return
    names = tuple(rows[0])
    statement, converted = _upsert(connection.dialect, table, tuple(keys), names)
    values = [_bound([row[name] for name in names], converted) for row in rows]
    cursor = connection.connection.cursor()
    try:
        if len(values) == 1:
            cursor.execute(statement, values[0])
        else:
            cursor.executemany(statement, values)
    finally:
        cursor.close()


def _bound(values: list[Any], converted: Sequence[tuple[int, Callable[[Any], Any]]]) -> list[Any]:
    """``values`` with those of the columns that need it converted as their type binds them."""
    for index, process in converted:
        if values[index] is not None:
            values[index] = process(values[index])
    return values


def _processors(
    dialect: Dialect, table: sa.Table, names: Sequence[str]
) -> list[tuple[int, Callable[[Any], Any]]]:
    """The bind processing of the columns ``names`` that have one (times on SQLite), by
    their index."""
    found: list[tuple[int, Callable[[Any], Any]]] = []
    for index, name in enumerate(names):
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            found.append((index, process))
    return found


_COLUMN_PROCESSORS: dict[tuple[str, sa.Table], list[tuple[int, Callable[[Any], Any]]]] = {}


def _column_processors(dialect: Dialect, table: sa.Table) -> list[tuple[int, Callable[[Any], Any]]]:
    """:func:`_processors` of all of ``table``'s columns in order, found once per dialect:
    asking each column's type for them was a third of a one-row insert (decision 0620)."""
    key = (dialect.name, table)
    known = _COLUMN_PROCESSORS.get(key)
    if known is None:
        known = _COLUMN_PROCESSORS[key] = _processors(dialect, table, [c.name for c in table.c])
    return known


_UPSERTS: dict[
    tuple[str, sa.Table, tuple[str, ...], tuple[str, ...]],
    tuple[str, list[tuple[int, Callable[[Any], Any]]]],
] = {}


def _upsert(
    dialect: Dialect, table: sa.Table, keys: tuple[str, ...], names: tuple[str, ...]
) -> tuple[str, list[tuple[int, Callable[[Any], Any]]]]:
    # Written once per dialect, table, key and columns (a projection always writes the same
    # columns), so the text and the processors are looked up, not rebuilt.
    cache_key = (dialect.name, table, keys, names)
    known = _UPSERTS.get(cache_key)
    if known is None:
        quote = dialect.identifier_preparer.quote
        marker = driver_placeholder(dialect)
        updated = [name for name in names if name not in keys]
        action = (
            "DO UPDATE SET " + ", ".join(f"{quote(n)} = excluded.{quote(n)}" for n in updated)
            if updated
            else "DO NOTHING"
        )
        statement = (
            f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
            f"VALUES ({', '.join([marker] * len(names))}) "
            f"ON CONFLICT ({', '.join(quote(k) for k in keys)}) {action}"
        )
        known = _UPSERTS[cache_key] = (statement, _processors(dialect, table, names))
    return known


def _converted(value: Any, process: Callable[[Any], Any], done: dict[Any, Any]) -> Any:
    """``process(value)``, remembered in ``done`` for dates and times.

    Keyed by the value and its time zone: equal values with the same zone have the same
    fields, hence the same converted form.
    """
    if not isinstance(value, date):
        return process(value)
    key = (value, getattr(value, "tzinfo", None))
    result = done.get(key, done)
    if result is done:
        result = done[key] = process(value)
    return result


def insert_values(connection: Connection, table: sa.Table, rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows``, each its values in the table's column order, with the columns' own
    bind processing: one ``executemany`` on SQLite's cursor, one ``COPY`` on PostgreSQL.

    The same rows as ``connection.execute(sa.insert(table), rows)`` without SQLAlchemy's
    per-row parameter compilation, nor a dict per row: the audit trail inserts a row per
    event, so these costs were most of a rebuild's writing.
    """
    if not rows:
        return
    dialect = connection.dialect
    columns = list(table.c)
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c.name) for c in columns)
    # Only a few columns need converting (times on SQLite): convert those, take the rest as
    # is. Rows of a batch share few distinct times (the events of one append share theirs),
    # so each distinct time is converted once.
    converted: list[tuple[int, Callable[[Any], Any], dict[Any, Any]]] = [
        (index, process, {}) for index, process in _column_processors(dialect, table)
    ]
    values: Sequence[Sequence[Any]] = rows
    if converted:
        values = []
        for row in rows:
            value_row = list(row)
            for index, process, done in converted:
                value = value_row[index]
                if value is not None:
                    value_row[index] = _converted(value, process, done)
            values.append(value_row)
    if dialect.name == "postgresql":
        # COPY streams the rows in one command, each value dumped by psycopg's C adapters:
        # an executemany sends and parses one INSERT per row, most of a PostgreSQL rebuild's
        # writing (docs/decisions/0220).
        driver = connection.connection.driver_connection
        assert driver is not None
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy,
        ):
            write = copy.write_row
            for row in values:
                write(row)
        return
    marker = driver_placeholder(dialect)
    statement = (
        f"INSERT INTO {quote(table.name)} ({names}) VALUES ({', '.join([marker] * len(columns))})"
    )
    cursor = connection.connection.cursor()
    try:
        cursor.executemany(statement, values)
    finally:
        cursor.close()


class EngineRows:
    """The read models' driver-SQL queries (:mod:`projections.at_head`) run on an engine:
    each statement on a connection of its pool, the driver's values returned as they are."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.placeholder = driver_placeholder(engine.dialect)

    def rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of one read statement."""
        return driver_rows(self.engine, sql, parameters)
