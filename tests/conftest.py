"""Shared fixtures: every store test runs against real SQLite and real PostgreSQL.

PostgreSQL tests each get a fresh schema in the database named by ``JIXIAO_TEST_PG``
(default: the local server's ``test`` database), dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from tests.worlds import TemplateDatabases

# After the last sign-off a command waits for a relay to take the rendering; no test but
# tests/worker/test_pickup.py has a relay running, so the others need not wait 1.5 s.
os.environ.setdefault("JIXIAO_PICKUP_WAIT", "0.2")

PG_URL = os.environ.get("JIXIAO_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pg_schema_url(schema: str) -> str:
    """The test server's URL with ``schema`` first on the search path."""
    separator = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[sa.Engine]:
    """An engine on the PostgreSQL test database, for creating and dropping schemas."""
    engine = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except sa.exc.OperationalError as error:
        pytest.fail(
            f"PostgreSQL at {PG_URL} unreachable ({error.orig}); start it or set JIXIAO_TEST_PG"
        )
    yield engine
    engine.dispose()


@pytest.fixture
def pg_url(pg_engine: sa.Engine) -> Iterator[str]:
    """A URL to a fresh, empty PostgreSQL schema, dropped after the test."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with pg_engine.connect() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    yield pg_schema_url(schema)
    with pg_engine.connect() as connection:
        connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """A URL to an empty database: a SQLite file, then a PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'jixiao.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture(scope="session")
def template_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TemplateDatabases]:
    """Databases to build a world in once per session and copy into each test's database."""
    templates = TemplateDatabases(tmp_path_factory.mktemp("templates"), PG_URL)
    yield templates
    templates.close()
