"""Small SQL helpers the projections share: upserts and times, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any, overload

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine


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
    """Insert ``rows``, replacing every non-key column of rows whose ``keys`` already exist."""
    if not rows:
        return
    columns = tuple(name for name in rows[0] if name not in keys)
    connection.execute(_upsert(connection.dialect.name, table, tuple(keys), columns), list(rows))


@functools.cache
def _upsert(dialect: str, table: sa.Table, keys: tuple[str, ...], columns: tuple[str, ...]) -> Any:
    # Built once per table and columns: ``excluded`` copies every column of the table each
    # time it is made, about 2 ms, which was a tenth of a one-command catch-up.
    statement = _insert_for(dialect, table)
    return statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: statement.excluded[name] for name in columns},
    )


def naive_utc(moment: datetime) -> datetime:
    """A moment as naive UTC, the form the log's and the projections' columns hold."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


@overload
def aware_utc(moment: datetime) -> datetime: ...
@overload
def aware_utc(moment: None) -> None: ...
def aware_utc(moment: datetime | None) -> datetime | None:
    """A stored naive-UTC moment as an aware datetime."""
    return moment.replace(tzinfo=UTC) if moment is not None else None


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


def insert_many(connection: Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` with one ``executemany`` on the driver's cursor.

    The same rows as ``connection.execute(sa.insert(table), rows)``, with the columns'
    own bind processing, without SQLAlchemy's per-row parameter compilation: the audit
    trail inserts a row per event, so that cost is most of a rebuild's writing.
    """
    if not rows:
        return
    dialect = connection.dialect
    columns = list(table.c)
    processors = [column.type.dialect_impl(dialect).bind_processor(dialect) for column in columns]
    quote = dialect.identifier_preparer.quote
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    statement = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c.name) for c in columns)}) "
        f"VALUES ({', '.join([marker] * len(columns))})"
    )
    # Only a few columns need converting (times on SQLite): convert those, take the rest as
    # is. Rows of a batch share few distinct times (the events of one append share theirs),
    # so each distinct time is converted once.
    converted: list[tuple[int, Callable[[Any], Any], dict[Any, Any]]] = [
        (index, process, {})
        for index, (column, process) in enumerate(zip(columns, processors, strict=True))
        if process is not None
    ]
    pick = operator.itemgetter(*(column.name for column in columns))
    if converted:
        values = []
        for row in rows:
            value_row = list(pick(row))
            for index, process, done in converted:
                value = value_row[index]
                if value is not None:
                    value_row[index] = _converted(value, process, done)
            values.append(value_row)
    else:
        values = [pick(row) for row in rows]
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
        self.placeholder = "?" if engine.dialect.name == "sqlite" else "%s"

    def rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of one read statement."""
        with self.engine.connect() as connection:
            return [tuple(row) for row in connection.exec_driver_sql(sql, tuple(parameters))]
