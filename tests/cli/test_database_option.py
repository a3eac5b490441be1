"""`--db` naming a file that is missing or not a database: one line, nothing created."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Invoke


def test_a_missing_sqlite_file_is_refused_and_not_created(jixiao: Invoke, tmp_path: Path) -> None:
    typo = tmp_path / "nodir" / "typo.db"
    for command in (
        ("audit", "verify"),
        ("report", "list", "-y", "2021"),
        ("projections", "status"),
    ):
        out = jixiao("--db", f"sqlite:///{typo}", *command)
        assert out.exit_code == 1, command
        assert out.stderr.strip() == (
            f"error: database: got 'sqlite:///{typo}', no such file; expected an existing "
            "jixiao database (create one with `jixiao admin init`)"
        )
    assert not typo.parent.exists()


def test_admin_init_creates_the_database(jixiao: Invoke, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh" / "new.db"
    out = jixiao("--db", f"sqlite:///{fresh}", "admin", "init")
    assert out.exit_code == 0 and fresh.exists()
    assert jixiao("--db", f"sqlite:///{fresh}", "audit", "verify").exit_code == 0


def test_a_file_that_is_not_a_database_is_one_line(jixiao: Invoke, tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("not a database\n" * 100)
    out = jixiao("--db", f"sqlite:///{junk}", "audit", "verify")
    assert out.exit_code == 1
    assert out.stderr.strip() == "error: database: cannot use it (file is not a database)"


def test_a_bad_port_in_the_database_url_is_one_line(jixiao: Invoke) -> None:
    cases = {
        "postgresql://u:secret@db.example:99999/jixiao": (
            "error: database URL port: got 99999 in 'postgresql://u:***@db.example:99999/jixiao', "
            "expected a port from 1 to 65535"
        ),
        "postgresql://u@db.example:abc/jixiao": (
            "error: database URL: got 'postgresql://u@db.example:abc/jixiao', expected "
            "sqlite:///PATH or postgresql://USER@HOST[:PORT]/DB"
        ),
        "postgresql://u@db.example:0/jixiao": (
            "error: database URL port: got 0 in 'postgresql://u@db.example:0/jixiao', "
            "expected a port from 1 to 65535"
        ),
    }
    for url, message in cases.items():
        for command in (("report", "list"), ("audit", "verify"), ("admin", "init")):
            out = jixiao("--db", url, *command)
            assert (out.exit_code, out.stderr.strip()) == (1, message), (url, command)
            assert "secret" not in out.stderr


def test_postgres_urls_as_hosts_hand_them_out_are_accepted() -> None:
    from events.database import database_url, parse_database_url

    for given in (
        "postgres://jixiao@db.example:5432/jixiao",
        "postgresql://jixiao@db.example/jixiao",
    ):
        assert database_url(given).startswith("postgresql+psycopg://jixiao@db.example")
        assert parse_database_url(given).get_backend_name() == "postgresql"


def test_a_database_in_memory_is_refused_in_one_line(jixiao: Invoke) -> None:
    for url in ("sqlite://", "sqlite:///:memory:"):
        for command in (
            ("report", "list", "-y", "2021"),
            ("audit", "verify"),
            ("projections", "rebuild", "--workers", "2"),
            ("admin", "init"),
        ):
            out = jixiao("--db", url, *command)
            assert (out.exit_code, out.stderr.strip()) == (
                1,
                f"error: database URL: got '{url}', expected a SQLite file or a PostgreSQL "
                "server (sqlite:///PATH or postgresql://USER@HOST[:PORT]/DB), not a database "
                "in memory",
            ), (url, command)
