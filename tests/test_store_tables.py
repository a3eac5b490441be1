"""Nobody outside events/ touches the store's tables: the read models, the worker and the
faces reach the log, the outbox and the snapshots through the store's methods
(events.protocol.EventStoreProtocol), never through the table objects or SQL naming them.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from events.schema import STORE_TABLES

ROOT = Path(__file__).resolve().parent.parent

#: The packages that use the store; tests/ may edit its tables, as an attacker would.
USERS = ("workflow", "projections", "worker", "cli", "web")

TABLE_NAMES = sorted(table.name for table in STORE_TABLES)
#: What events.schema may give away: the revision the read models' migrations build on.
SHARED_FROM_SCHEMA = {"STORE_REVISION"}
#: Modules of events/ that are the tables or their SQL.
TABLE_MODULES = {"events.schema", "events.statements"}

_SQL = re.compile(
    r"\b(?:FROM|INTO|UPDATE|JOIN|TABLE)\s+[\"`]?(" + "|".join(TABLE_NAMES) + r")\b",
    re.IGNORECASE,
)
_SQL_VERB = re.compile(
    r"\b(?:SELECT|INSERT|UPDATE|DELETE|ALTER|CREATE|DROP|TRUNCATE)\b", re.IGNORECASE
)


def table_uses(source: str) -> list[str]:
    """What in ``source`` reaches the store's tables directly, one line each."""
    found = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            if node.module in TABLE_MODULES:
                names = [a.name for a in node.names if a.name not in SHARED_FROM_SCHEMA]
                if node.module != "events.schema" or names:
                    found.append(f"{line}: from {node.module} import {', '.join(names)}")
            elif node.module == "events":
                names = [a.name for a in node.names if f"events.{a.name}" in TABLE_MODULES]
                if names:
                    found.append(f"{line}: from events import {', '.join(names)}")
        elif isinstance(node, ast.Import):
            found += [f"{line}: import {a.name}" for a in node.names if a.name in TABLE_MODULES]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            # SQL names a table after a keyword, in a string that holds a statement's verb.
            if _SQL_VERB.search(node.value) and (match := _SQL.search(node.value)):
                found.append(f"{line}: SQL on {match.group(1)}: {node.value.strip()[:60]!r}")
        elif isinstance(node, ast.Call) and node.args:
            called = node.func.attr if isinstance(node.func, ast.Attribute) else ""
            called = called or (node.func.id if isinstance(node.func, ast.Name) else "")
            first = node.args[0]
            if (
                called in {"table", "Table"}
                and isinstance(first, ast.Constant)
                and first.value in TABLE_NAMES
            ):
                found.append(f"{line}: {called}({first.value!r})")
    return found


@pytest.mark.parametrize("package", USERS)
def test_no_package_outside_events_touches_the_store_tables(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, package
    offending = {
        str(path.relative_to(ROOT)): uses
        for path in files
        if (uses := table_uses(path.read_text(encoding="utf-8")))
    }
    assert offending == {}


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("from events.schema import events_table", ["1: from events.schema import events_table"]),
        (
            "from events.schema import STORE_REVISION, outbox_table",
            ["1: from events.schema import outbox_table"],
        ),
        ("from events.schema import STORE_REVISION", []),
        ("import events.schema", ["1: import events.schema"]),
        ("from events import EventStore, schema", ["1: from events import schema"]),
        (
            "from events.statements import EVENT_COLUMNS",
            ["1: from events.statements import EVENT_COLUMNS"],
        ),
        (
            'x = 1\nrows = c.exec_driver_sql("SELECT payload FROM events WHERE position = 1")',
            ["2: SQL on events: 'SELECT payload FROM events WHERE position = 1'"],
        ),
        (
            'c.execute(f"update outbox set attempts = attempts + 1 where id = {i}")',
            ["1: SQL on outbox: 'update outbox set attempts = attempts + 1 where id ='"],
        ),
        ("sql = 'DELETE FROM snapshots'", ["1: SQL on snapshots: 'DELETE FROM snapshots'"]),
        (
            's = "SELECT position FROM event_log_head"',
            ["1: SQL on event_log_head: 'SELECT position FROM event_log_head'"],
        ),
        ("t = sa.table('outbox', sa.column('id'))", ["1: table('outbox')"]),
        # Prose about events, and SQL on the read models' own tables, are no use of the store's.
        ('"""Read models rebuilt from events."""', []),
        ('note = "state folded from events, not from snapshots"', []),
        ('sql = "SELECT name FROM projection_checkpoints"', []),
    ],
)
def test_each_way_of_reaching_a_table_is_found(source: str, found: list[str]) -> None:
    assert table_uses(source) == found
