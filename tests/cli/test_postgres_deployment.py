"""A PostgreSQL deployment: the owner migrates, everyone else works with row rights only,
nothing waits behind a dump, concurrent commands do not trip over each other, and a lock
that is never released costs one line."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from urllib.parse import unquote

import pytest
import sqlalchemy as sa

from cli.context import _stores
from cli.seed_file import SEED_FILE
from events.database import database_url
from tests.cli.conftest import KEY, REVIEW_TO_SIGN_OFF, TOKEN, Invoke, run_steps

pytestmark = pytest.mark.postgres

PEOPLE = (
    ("zhang.san", "preparer", "gusu-rc"),
    ("li.si", "department_head", "gusu-rc"),
    ("wang.wu", "finance_reviewer", "*"),
    ("zhao.liu", "auditor", "*"),
)


def schema_of(url: str) -> str:
    """The schema a test URL puts first on the search path."""
    return unquote(url).rsplit("search_path=", 1)[1].split()[0]


def with_lock_timeout(url: str, timeout: str) -> str:
    return f"{url}%20-clock_timeout%3D{timeout}"


def close_stores(*urls: str) -> None:
    """Return the connections the in-process commands kept for ``urls``."""
    for url in urls:
        store = _stores.pop(database_url(url), None)
        if store is not None:
            store.close()


def init(run: Invoke, owner: str) -> None:
    """`admin init` as the owner of the schema, with the first administrator."""
    out = run("--db", owner, "admin", "init", "--admin", "root")
    assert out.exit_code == 0, out.stderr
    assert out.stdout.startswith("schema migrated: empty → store_0001 + read_models_0006\n")
    run.tokens["root"] = TOKEN.search(out.stdout).group(1)  # type: ignore[attr-defined]


def set_up(run: Invoke, url: str) -> None:
    """The department, the year, and one person per role, through ``url``."""
    steps = [
        ("admin", "department", "add", "gusu-rc", "姑苏区红十字会"),
        ("admin", "year", "open", "2021", "--deadline", "2022-06-30"),
    ]
    for user, role, scope in PEOPLE:
        steps += [
            ("admin", "user", "add", user, user),
            ("admin", "user", "grant", user, role, scope),
        ]
    run_steps(run, [(("--db", url, *step), "root") for step in steps])
    for user, _, _ in PEOPLE:
        out = run("--db", url, "admin", "user", "token", user, user="root")
        run.tokens[user] = TOKEN.search(out.stdout).group(1)  # type: ignore[attr-defined]


@pytest.fixture
def app_role(pg_url: str, pg_engine: sa.Engine) -> Iterator[str]:
    """A login role with only SELECT, INSERT, UPDATE, DELETE on the schema's tables (granted
    once `admin init` made them, as docs/deployment.md says), dropped afterwards."""
    role = f"jixiao_app_{uuid.uuid4().hex[:8]}"
    with pg_engine.connect() as connection:
        connection.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
    yield role
    with pg_engine.connect() as connection:
        connection.exec_driver_sql(f"DROP OWNED BY {role}")
        connection.exec_driver_sql(f"DROP ROLE {role}")


def grant_row_rights(engine: sa.Engine, schema: str, role: str) -> None:
    with engine.connect() as connection:
        for statement in (
            f"GRANT USAGE ON SCHEMA {schema} TO {role}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
            f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        ):
            connection.exec_driver_sql(statement)


def test_day_to_day_commands_need_only_row_rights(
    jixiao: Invoke, pg_url: str, pg_engine: sa.Engine, app_role: str
) -> None:
    schema = schema_of(pg_url)
    app = pg_url.replace("postgres@", f"{app_role}@", 1)
    init(jixiao, pg_url)
    grant_row_rights(pg_engine, schema, app_role)
    try:
        # The role really cannot change the schema.
        engine = sa.create_engine(app)
        with (
            pytest.raises(sa.exc.ProgrammingError, match="permission denied"),
            engine.begin() as connection,
        ):
            connection.exec_driver_sql("CREATE TABLE intruder (id integer)")
        engine.dispose()

        set_up(jixiao, app)
        out = jixiao("--db", app, "report", "import", str(SEED_FILE), user="zhang.san")
        assert out.exit_code == 0, out.stderr
        run_steps(jixiao, [(("--db", app, *args), user) for args, user in REVIEW_TO_SIGN_OFF])
        for args, user in (
            (("report", "show", *KEY, "--json"), "zhang.san"),
            (("report", "list", "-y", "2021"), "wang.wu"),
            (("review", "inbox"), "li.si"),
            (("audit", "verify"), None),
            (("audit", "trail", *KEY, "--item", "line:homes"), "zhao.liu"),
            (("projections", "status"), None),
            (("projections", "rebuild"), None),
            (("admin", "migrate"), None),
        ):
            out = jixiao("--db", app, *args, user=user)
            assert out.exit_code == 0, (args, out.stderr)
        assert jixiao("--db", app, "audit", "verify").stdout.startswith("chain intact: ")
        assert jixiao("--db", app, "admin", "migrate").stdout == (
            "schema at revision store_0001 + read_models_0006, already the latest\n"
        )
    finally:
        close_stores(pg_url, app)


def test_an_open_dump_holds_no_command_back(jixiao: Invoke, pg_url: str) -> None:
    init(jixiao, pg_url)
    set_up(jixiao, pg_url)
    # A command that waited for a lock would fail after 2 s instead of hanging.
    url = with_lock_timeout(pg_url, "2s")
    dump = sa.create_engine(pg_url)
    try:
        with dump.connect() as connection:
            tables = sa.inspect(connection).get_table_names()
            # What pg_dump holds for as long as it runs.
            connection.exec_driver_sql(f"LOCK TABLE {', '.join(tables)} IN ACCESS SHARE MODE")
            for args, user in (
                (("report", "import", str(SEED_FILE)), "zhang.san"),
                (("report", "show", *KEY), "zhang.san"),
                (("audit", "verify"), None),
                (("projections", "rebuild"), None),
            ):
                out = jixiao("--db", url, *args, user=user)
                assert out.exit_code == 0, (args, out.stderr)
            connection.rollback()
    finally:
        dump.dispose()
        close_stores(pg_url, url)


def test_a_head_lock_never_released_is_one_line(jixiao: Invoke, pg_url: str) -> None:
    init(jixiao, pg_url)
    set_up(jixiao, pg_url)
    url = with_lock_timeout(pg_url, "100ms")
    holder = sa.create_engine(pg_url)
    try:
        with holder.connect() as connection:
            connection.exec_driver_sql("SELECT 1 FROM event_log_head WHERE id = 1 FOR UPDATE")
            out = jixiao("--db", url, "report", "open", *KEY, user="zhang.san")
            connection.rollback()
    finally:
        holder.dispose()
        close_stores(pg_url, url)
    assert out.exit_code == 1
    assert out.stderr == (
        "error: database: lock not available after 5 attempts; nothing was written, try again\n"
    )


@pytest.mark.slow
def test_concurrent_audit_verify_processes_all_succeed(jixiao: Invoke, pg_url: str) -> None:
    init(jixiao, pg_url)
    set_up(jixiao, pg_url)
    close_stores(pg_url)
    command = [sys.executable, "-m", "cli", "--db", pg_url, "audit", "verify"]
    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(8)
    ]
    outcomes = [(p.wait(timeout=120), *p.communicate()) for p in processes]
    assert [code for code, _, _ in outcomes] == [0] * 8, [err for _, _, err in outcomes]
    assert all(out.startswith("chain intact: ") for _, out, _ in outcomes)
