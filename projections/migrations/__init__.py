"""The whole database jixiao uses: the store's schema and the read models', migrated together.

The read models' revisions are the ``read_models`` branch of the schema's history (the
store's are in :mod:`events.migrations`). :func:`migrate` is ``jixiao admin init`` and
``jixiao admin migrate``: the only code that changes the schema of a database in use
(docs/decisions/0006-schema-migrations.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from events.database import write_connection
from events.migrations import (
    STORE_REVISION,
    STORE_VERSIONS,
    applied_revisions,
    has_store_tables,
    upgrade,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from events.store import EventStore

#: The read models' revisions.
VERSIONS = Path(__file__).parent / "versions"
#: The read models' head revision: the tables this code needs.
READ_MODELS_REVISION = "read_models_0006"
#: Every branch of the schema's history.
LOCATIONS = (STORE_VERSIONS, VERSIONS)
#: The revisions a database must be at for every jixiao command.
REVISIONS = (STORE_REVISION, READ_MODELS_REVISION)


@dataclass(frozen=True, slots=True)
class Migration:
    """What :func:`migrate` found and left: the revisions applied before and after."""

    #: None: the database had no version table.
    before: tuple[str, ...] | None
    after: tuple[str, ...]
    #: Whether the database held the tables of a jixiao from before migrations.
    unversioned: bool

    def __str__(self) -> str:
        after = " + ".join(self.after)
        if self.before == self.after:
            return f"schema at revision {after}, already the latest"
        if self.before is None:
            found = "unversioned tables of an earlier jixiao" if self.unversioned else "empty"
        else:
            found = " + ".join(self.before) or "no revision"
        return f"schema migrated: {found} → {after}"


def migrate(engine: Engine) -> Migration:
    """Bring the database at ``engine`` to the head of every branch, in one transaction.

    An empty database gets every table; one created by a jixiao from before migrations
    (its tables, no version table) is recognised: the first revisions create only what
    it lacks. Safe to run again.
    """
    with write_connection(engine) as connection, connection.begin():
        before = applied_revisions(connection)
        unversioned = before is None and has_store_tables(connection)
        after = upgrade(connection, LOCATIONS)
    return Migration(before, after, unversioned)


def open_store(url: str | None = None, *, create: bool = False, **kwargs: Any) -> EventStore:
    """``EventStore.open(url, **kwargs)`` requiring the whole schema (:data:`REVISIONS`);
    with ``create``, the database is migrated first (a fresh one for the demo or a test).
    """
    from events.database import create_database_engine
    from events.store import EventStore

    if create:
        engine = create_database_engine(url)
        try:
            migrate(engine)
        finally:
            engine.dispose()
    return EventStore.open(url, revisions=REVISIONS, **kwargs)
