"""`admin init` and `admin migrate` are the only commands that change the schema; every
other command refuses a database that is not at the expected revisions, in one line."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.cli.conftest import Invoke

NOT_INITIALISED = (
    "error: database: schema not initialised, expected store_0001 + read_models_0006; "
    "run jixiao admin migrate\n"
)


def test_commands_refuse_an_uninitialised_database_and_change_nothing(
    jixiao: Invoke, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    for command in (("audit", "verify"), ("projections", "status"), ("report", "list")):
        out = jixiao("--db", f"sqlite:///{empty}", *command)
        assert (out.exit_code, out.stdout, out.stderr) == (1, "", NOT_INITIALISED), command
    with sqlite3.connect(empty) as connection:
        assert connection.execute("SELECT name FROM sqlite_master").fetchall() == []


def test_migrate_brings_a_database_to_the_latest_schema_once(
    jixiao: Invoke, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    sqlite3.connect(tmp_path / "empty.db").close()
    out = jixiao("--db", url, "admin", "migrate")
    assert (out.exit_code, out.stderr) == (0, "")
    assert out.stdout == "schema migrated: empty → store_0001 + read_models_0006\n"
    out = jixiao("--db", url, "admin", "migrate", "--json")
    assert json.loads(out.stdout) == {
        "before": ["store_0001", "read_models_0006"],
        "after": ["store_0001", "read_models_0006"],
        "unversioned": False,
    }
    out = jixiao("--db", url, "audit", "verify")
    assert out.exit_code == 0
    assert out.stdout.startswith("chain intact: 0 events, head at position 0")


def test_migrate_refuses_a_file_that_does_not_exist(jixiao: Invoke, tmp_path: Path) -> None:
    typo = tmp_path / "typo.db"
    out = jixiao("--db", f"sqlite:///{typo}", "admin", "migrate")
    assert out.exit_code == 1
    assert out.stderr.startswith(f"error: database: got 'sqlite:///{typo}', no such file")
    assert not typo.exists()


def test_init_says_what_it_migrated_then_is_safe_to_run_again(jixiao: Invoke) -> None:
    first = jixiao("admin", "init")
    assert first.exit_code == 0, first.stderr
    assert first.stdout.splitlines()[0] == (
        "schema migrated: empty → store_0001 + read_models_0006"
    )
    again = jixiao("admin", "init")
    assert again.stdout.splitlines()[0] == (
        "schema at revision store_0001 + read_models_0006, already the latest"
    )
