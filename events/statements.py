"""The store's hot statements as driver SQL, written once per dialect.

Appends and reads run on the pooled DBAPI connection with these texts: building and
executing SQLAlchemy constructs per call costs several times the database's own work
for a one-event command (docs/benchmarks.md). Everything else uses SQLAlchemy.
"""

from __future__ import annotations

from datetime import datetime

from events.chain import Row

#: Stand-ins for "no upper bound" in the one prepared read_stream statement.
LAST_VERSION = 2**31 - 1
END_OF_TIME = datetime(9999, 12, 31, 23, 59, 59, 999999)

#: The events table's columns, in the order rows are written and read (the fields of a
#: stored row, :class:`events.chain.Row`).
EVENT_COLUMNS: tuple[str, ...] = Row._fields


class Statements:
    """Driver SQL for SQLite (``?`` parameters) or PostgreSQL (``%s``)."""

    def __init__(self, dialect: str) -> None:
        self.sqlite = dialect == "sqlite"
        #: The driver's parameter mark.
        self.placeholder = p = "?" if self.sqlite else "%s"
        columns = ", ".join(EVENT_COLUMNS)
        # SQLite's BEGIN IMMEDIATE already holds the write lock; PostgreSQL locks the row.
        lock = "" if self.sqlite else " FOR UPDATE OF event_log_head"
        self.lock_head = (
            "SELECT event_log_head.position, event_log_head.hash, "
            f"(SELECT max(version) FROM events WHERE stream_id = {p}) "
            f"FROM event_log_head WHERE event_log_head.id = 1{lock}"
        )
        self.insert = (
            f"INSERT INTO events ({columns}) VALUES ({', '.join([p] * len(EVENT_COLUMNS))})"
        )
        self.copy = f"COPY events ({columns}) FROM STDIN"
        self.move_head = f"UPDATE event_log_head SET position = {p}, hash = {p} WHERE id = 1"
        self.insert_outbox = (
            "INSERT INTO outbox (key, topic, payload, position, created_at, attempts) "
            f"VALUES ({p}, {p}, {p}, {p}, {p}, 0) ON CONFLICT DO NOTHING"
        )
        self.insert_snapshot = (
            "INSERT INTO snapshots (stream_id, version, kind, schema_version, state, created_at) "
            f"VALUES ({p}, {p}, {p}, {p}, {p}, {p}) ON CONFLICT DO NOTHING"
        )
        self.read_all = (
            f"SELECT {columns} FROM events WHERE position > {p} ORDER BY position LIMIT {p}"
        )
        self.read_stream = (
            f"SELECT {columns} FROM events WHERE stream_id = {p} AND version >= {p} "
            f"AND version <= {p} AND recorded_at <= {p} ORDER BY version"
        )
        self.read_head = self.lock_head.removesuffix(lock)
        self.stream_version = f"SELECT max(version) FROM events WHERE stream_id = {p}"
        self._conditional: dict[int, str] = {}
        self._read_types: dict[int, str] = {}
        # instr and strpos compare exactly, case included (SQLite's LIKE ignores ASCII case).
        found = "instr(payload, ?)" if self.sqlite else "strpos(payload, %s)"
        self.find_events = (
            f"SELECT {columns} FROM events WHERE event_type = {p} AND {found} > 0 ORDER BY position"
        )
        self.head_position = "SELECT position FROM event_log_head WHERE id = 1"
        self.hash_at = f"SELECT hash FROM events WHERE position = {p}"
        self.load_snapshot = (
            "SELECT stream_id, version, kind, schema_version, state FROM snapshots "
            f"WHERE stream_id = {p} AND version <= {p} ORDER BY version DESC LIMIT 1"
        )

    def read_types(self, count: int) -> str:
        """``read_all`` of ``count`` event types: the events after a position whose type
        is one of them, in log order, up to a limit."""
        sql = self._read_types.get(count)
        if sql is None:
            p = "?" if self.sqlite else "%s"
            sql = self._read_types[count] = (
                f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE position > {p} "
                f"AND event_type IN ({', '.join([p] * count)}) ORDER BY position LIMIT {p}"
            )
        return sql

    def conditional_append(self, count: int) -> str:
        """PostgreSQL: move the head only if it is still where the writer last saw it and
        the stream is still at the expected version, and insert ``count`` rows only if it
        moved, in one statement.

        The UPDATE takes the head row's lock, so a writer racing this one waits for its
        commit, then finds the head moved and inserts nothing: positions stay in commit
        order (docs/decisions/0001). An unmoved head means no append since the writer saw
        it, so the version read in the same statement is current.
        """
        sql = self._conditional.get(count)
        if sql is None:
            row = (
                "(%s::bigint, %s::text, %s::integer, %s::text, %s::text, %s::integer, %s::text, "
                "%s::text, %s::text, %s::timestamp, %s::text, %s::text, %s::text, %s::text)"
            )
            sql = self._conditional[count] = (
                "WITH head AS (UPDATE event_log_head SET position = %s, hash = %s "
                "WHERE id = 1 AND position = %s AND hash = %s AND "
                "(SELECT coalesce(max(version), 0) FROM events WHERE stream_id = %s) = %s "
                "RETURNING 1) "
                f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) SELECT v.* FROM (VALUES "
                + ", ".join([row] * count)
                + ") AS v WHERE EXISTS (SELECT 1 FROM head)"
            )
        return sql
