"""Schema migrations with Alembic, configured in code: no alembic.ini at run time.

The schema's history has one branch per package that owns tables: the store's
(``store``, in :data:`STORE_VERSIONS`) and, outside this package, the read models'. Each
package knows its own head revision, so opening the store checks only what the store
needs, and nothing here knows of reports (docs/decisions/0006-schema-migrations.md).

Only :func:`upgrade` changes the schema; :func:`applied_revisions` and
:func:`require_revisions` only read, so a role with SELECT/INSERT/UPDATE/DELETE rights
can open the store.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from events.errors import SchemaNotCurrent

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy.engine import Connection

#: Where Alembic's environment (env.py) lives.
ENVIRONMENT = Path(__file__).parent
#: The store's revisions.
STORE_VERSIONS = ENVIRONMENT / "versions"
#: The table in which Alembic records the head revision of each branch.
VERSION_TABLE = "alembic_version"
#: The store's head revision (events/migrations/versions): the schema this code needs.
STORE_REVISION = "store_0001"


def _config(locations: Sequence[Path], connection: Connection | None = None) -> Config:
    # Imported here: Alembic costs every command's start-up, and only migrations need it.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(ENVIRONMENT))
    # os.pathsep-separated, so paths with spaces work.
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(map(str, locations)))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def script_directory(locations: Sequence[Path]) -> ScriptDirectory:
    """Alembic's view of the revisions in ``locations`` (directories of revision files)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config(locations))


def applied_revisions(connection: Connection) -> tuple[str, ...] | None:
    """The head revision of each branch applied to the database (the store's first); None
    if it has no version table at all (a database that is empty or older than migrations)."""
    import sqlalchemy as sa

    if not sa.inspect(connection).has_table(VERSION_TABLE):
        return None
    rows = connection.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").all()
    # The store's branch first, as the messages name the revisions expected.
    return tuple(sorted((row[0] for row in rows), key=lambda r: (not r.startswith("store_"), r)))


def require_revisions(connection: Connection, expected: Sequence[str]) -> None:
    """Raise :class:`SchemaNotCurrent` unless every revision in ``expected`` is applied.

    Reads only. A database at a different revision (behind, or migrated by a newer
    jixiao) is refused as well: the code and the tables would not agree.
    """
    applied = applied_revisions(connection)
    if applied is None or not set(expected) <= set(applied):
        raise SchemaNotCurrent(applied, expected)


def has_store_tables(connection: Connection) -> bool:
    """Whether the database holds the store's log table (of any revision)."""
    import sqlalchemy as sa

    return sa.inspect(connection).has_table("events")


def upgrade(connection: Connection, locations: Sequence[Path]) -> tuple[str, ...]:
    """Apply every revision in ``locations`` the database lacks (to all heads); return the
    revisions applied afterwards. Idempotent. Runs in the caller's transaction."""
    from alembic import command

    command.upgrade(_config(locations, connection), "heads")
    return applied_revisions(connection) or ()


def heads(locations: Sequence[Path]) -> tuple[str, ...]:
    """The head revision of every branch in ``locations``."""
    return tuple(sorted(script_directory(locations).get_heads()))
